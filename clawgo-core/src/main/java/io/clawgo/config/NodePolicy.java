package io.clawgo.config;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a registered node may make the gateway do on its behalf. Immutable; build one with {@link #builder()}. Read from
 * the {@code gateway} object of a config file by {@link GatewayConfig#parse(String)}:
 * <pre>{@code
 * {"gateway":{"nodes":{"relay":{"allow":["127.0.0.1","10.1.0.0/16","node-1.example.org"],"deny":["192.168.0.0/16"]},
 *   "max_register_changes_per_min":10,"max_stored_text_chars":4096}}}
 * }</pre>
 *
 * <p><b>Relay targets.</b> The HTTP relay POSTs to the endpoint a node registered. By default it refuses (code
 * {@code relay_denied}) loopback, link-local ({@code 169.254.0.0/16}, {@code fe80::/10}), unspecified
 * ({@code 0.0.0.0/8}, {@code ::}), multicast and broadcast addresses, the cloud metadata addresses
 * {@code fd00:ec2::254} and {@code 100.100.100.200}, and every address of the gateway host's own interfaces. An address
 * or host name in {@link #relayAllow()} is always allowed; one in {@link #relayDeny()} (and not in the allow list) is
 * refused too. Host names are resolved once per connection and the relay connects only to the addresses that passed.
 */
public final class NodePolicy {
    /** The default of {@code gateway.nodes.max_register_changes_per_min}. */
    public static final int DEFAULT_MAX_REGISTER_CHANGES_PER_MIN = 10;
    /** The default of {@code gateway.nodes.max_stored_text_chars}. */
    public static final int DEFAULT_MAX_STORED_TEXT_CHARS = 4096;
    /** The smallest {@code gateway.nodes.max_stored_text_chars}. */
    static final int MIN_STORED_TEXT_CHARS = 256;
    /** The largest {@code gateway.nodes.max_stored_text_chars}: 8 Mi characters. */
    static final int MAX_STORED_TEXT_CHARS = 8 * 1024 * 1024;
    /** The largest {@code gateway.nodes.max_register_changes_per_min}. */
    static final int MAX_REGISTER_CHANGES_PER_MIN = 100_000;

    private final List<String> relayAllow;
    private final List<String> relayDeny;
    private final int maxRegisterChangesPerMinute;
    private final int maxStoredTextChars;

    private NodePolicy(Builder b) {
        relayAllow = List.copyOf(b.relayAllow);
        relayDeny = List.copyOf(b.relayDeny);
        maxRegisterChangesPerMinute = b.maxRegisterChangesPerMinute;
        maxStoredTextChars = b.maxStoredTextChars;
    }

    /**
     * The defaults.
     *
     * @return a policy with every default
     */
    public static NodePolicy defaults() {
        return builder().build();
    }

    /**
     * Starts a policy from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a policy from this one.
     *
     * @return a builder holding every value of this policy
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Addresses and host names the HTTP relay may always reach, even where the defaults refuse them
     * ({@code gateway.nodes.relay.allow}): CIDR blocks, IP addresses or host names (see {@link AddressRule}). A host
     * name entry allows every address the name resolves to.
     *
     * @return the entries, unmodifiable (default empty)
     */
    public List<String> relayAllow() {
        return relayAllow;
    }

    /**
     * Addresses and host names the HTTP relay must not reach, on top of the defaults
     * ({@code gateway.nodes.relay.deny}); {@link #relayAllow()} wins over it. For example
     * {@code ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]} keeps the relay off private networks.
     *
     * @return the entries, unmodifiable (default empty)
     */
    public List<String> relayDeny() {
        return relayDeny;
    }

    /**
     * The parsed {@link #relayAllow()}.
     *
     * @return one rule per entry
     * @throws ConfigException when an entry is invalid (never for a validated policy)
     */
    public List<AddressRule> relayAllowRules() {
        return rules(relayAllow, "gateway.nodes.relay.allow");
    }

    /**
     * The parsed {@link #relayDeny()}.
     *
     * @return one rule per entry
     * @throws ConfigException when an entry is invalid (never for a validated policy)
     */
    public List<AddressRule> relayDenyRules() {
        return rules(relayDeny, "gateway.nodes.relay.deny");
    }

    /**
     * How many registrations that change what a node declares (name, endpoint, token, tags, agents, ...: anything but
     * the liveness fields) one node id may make per minute ({@code gateway.nodes.max_register_changes_per_min}); a
     * burst of this many is allowed, then one every {@code 60 / n} seconds. An excess registration is refused with
     * {@code rate_limited} (HTTP 429 with {@code Retry-After}, or an error ack). Registrations that change nothing are
     * never limited.
     *
     * @return the limit, 1..100,000 (default {@value #DEFAULT_MAX_REGISTER_CHANGES_PER_MIN})
     */
    public int maxRegisterChangesPerMinute() {
        return maxRegisterChangesPerMinute;
    }

    /**
     * The longest node-supplied text the gateway keeps for display ({@code gateway.nodes.max_stored_text_chars}): the
     * {@code result}, {@code error} and {@code code} of a task in the subagent runtime's records ({@code list},
     * {@code get}) and in the task audit (a local agent's task too), and the {@code error} of a dispatch record (a
     * code is kept to 128 characters). Longer text is cut and ends with
     * {@code …[truncated N chars]}. {@code dispatch_and_wait} and {@code Gateway.dispatch} still return the whole
     * text to their caller; logs always cut at 4096 characters.
     *
     * @return characters, 256..8 Mi (default {@value #DEFAULT_MAX_STORED_TEXT_CHARS})
     */
    public int maxStoredTextChars() {
        return maxStoredTextChars;
    }

    private static List<AddressRule> rules(List<String> entries, String name) {
        List<AddressRule> out = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            try {
                out.add(AddressRule.parse(entries.get(i)));
            } catch (ConfigException e) {
                throw new ConfigException(name + "[" + i + "]: " + e.getMessage(), e);
            }
        }
        return List.copyOf(out);
    }

    /** Checks the values. */
    void validate() {
        relayAllowRules();
        relayDenyRules();
        if (maxRegisterChangesPerMinute < 1 || maxRegisterChangesPerMinute > MAX_REGISTER_CHANGES_PER_MIN) {
            throw new ConfigException("gateway.nodes.max_register_changes_per_min must be 1.."
                    + MAX_REGISTER_CHANGES_PER_MIN + ", got " + maxRegisterChangesPerMinute);
        }
        if (maxStoredTextChars < MIN_STORED_TEXT_CHARS || maxStoredTextChars > MAX_STORED_TEXT_CHARS) {
            throw new ConfigException("gateway.nodes.max_stored_text_chars must be " + MIN_STORED_TEXT_CHARS + ".."
                    + MAX_STORED_TEXT_CHARS + ", got " + maxStoredTextChars);
        }
    }

    /** Reads the policy's keys from the {@code gateway} object of a config file. */
    static NodePolicy parse(JsonObject gateway) {
        Builder b = builder();
        JsonObject nodes = JsonFields.object(gateway, "nodes", "gateway.nodes");
        if (nodes == null) {
            return b.build();
        }
        JsonObject relay = JsonFields.object(nodes, "relay", "gateway.nodes.relay");
        if (relay != null) {
            b.relayAllow(JsonFields.strings(relay, "allow", "gateway.nodes.relay.allow"));
            b.relayDeny(JsonFields.strings(relay, "deny", "gateway.nodes.relay.deny"));
        }
        b.maxRegisterChangesPerMinute(JsonFields.integer(nodes, "max_register_changes_per_min",
                "gateway.nodes.max_register_changes_per_min", DEFAULT_MAX_REGISTER_CHANGES_PER_MIN));
        b.maxStoredTextChars(JsonFields.integer(nodes, "max_stored_text_chars", "gateway.nodes.max_stored_text_chars",
                DEFAULT_MAX_STORED_TEXT_CHARS));
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NodePolicy p && relayAllow.equals(p.relayAllow) && relayDeny.equals(p.relayDeny)
                && maxRegisterChangesPerMinute == p.maxRegisterChangesPerMinute
                && maxStoredTextChars == p.maxStoredTextChars;
    }

    @Override
    public int hashCode() {
        return Objects.hash(relayAllow, relayDeny, maxRegisterChangesPerMinute, maxStoredTextChars);
    }

    @Override
    public String toString() {
        return "NodePolicy[relayAllow=" + relayAllow + ", relayDeny=" + relayDeny + ", maxRegisterChangesPerMinute="
                + maxRegisterChangesPerMinute + ", maxStoredTextChars=" + maxStoredTextChars + "]";
    }

    /** Builds a {@link NodePolicy}. Not thread-safe. */
    public static final class Builder {
        private List<String> relayAllow = List.of();
        private List<String> relayDeny = List.of();
        private int maxRegisterChangesPerMinute = DEFAULT_MAX_REGISTER_CHANGES_PER_MIN;
        private int maxStoredTextChars = DEFAULT_MAX_STORED_TEXT_CHARS;

        private Builder() {
        }

        private Builder(NodePolicy p) {
            relayAllow = p.relayAllow;
            relayDeny = p.relayDeny;
            maxRegisterChangesPerMinute = p.maxRegisterChangesPerMinute;
            maxStoredTextChars = p.maxStoredTextChars;
        }

        /**
         * Sets the addresses and host names the relay may always reach (copied; entries trimmed).
         *
         * @param v CIDR blocks, IP addresses or host names, checked by {@code validate()}; {@code null} means none
         * @return this builder
         * @throws ConfigException when {@code v} holds {@code null}
         */
        public Builder relayAllow(List<String> v) {
            relayAllow = copy(v, "gateway.nodes.relay.allow");
            return this;
        }

        /**
         * Sets the addresses and host names the relay must not reach, besides the defaults (copied; entries trimmed).
         *
         * @param v CIDR blocks, IP addresses or host names, checked by {@code validate()}; {@code null} means none
         * @return this builder
         * @throws ConfigException when {@code v} holds {@code null}
         */
        public Builder relayDeny(List<String> v) {
            relayDeny = copy(v, "gateway.nodes.relay.deny");
            return this;
        }

        /**
         * Sets how many changing registrations one node id may make per minute.
         *
         * @param v 1..100,000 (default {@value NodePolicy#DEFAULT_MAX_REGISTER_CHANGES_PER_MIN}), checked by
         *          {@code validate()}
         * @return this builder
         */
        public Builder maxRegisterChangesPerMinute(int v) {
            maxRegisterChangesPerMinute = v;
            return this;
        }

        /**
         * Sets the longest node-supplied text kept for display.
         *
         * @param v characters, 256..8 Mi (default {@value NodePolicy#DEFAULT_MAX_STORED_TEXT_CHARS}), checked by
         *          {@code validate()}
         * @return this builder
         */
        public Builder maxStoredTextChars(int v) {
            maxStoredTextChars = v;
            return this;
        }

        private static List<String> copy(List<String> v, String name) {
            if (v == null) {
                return List.of();
            }
            List<String> out = new ArrayList<>(v.size());
            for (String s : v) {
                if (s == null) {
                    throw new ConfigException(name + " must not hold null");
                }
                out.add(s.trim());
            }
            return List.copyOf(out);
        }

        /**
         * Builds the policy; values are checked when the gateway configuration is validated.
         *
         * @return the policy
         */
        public NodePolicy build() {
            return new NodePolicy(this);
        }
    }
}
