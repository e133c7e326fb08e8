package io.clawgo.config;

import static io.clawgo.config.JsonFields.integer;
import static io.clawgo.config.JsonFields.strings;

import com.google.gson.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Who may reach the gateway over HTTP and WebSocket, and how much of it they may hold. Immutable; build one with
 * {@link #builder()}. Read from the {@code gateway} object of a config file by {@link GatewayConfig#parse(String)}.
 *
 * <p>What each setting defends:
 * <ul>
 *   <li>{@link #allowUnauthenticated()}: without a gateway token the gateway refuses to start on an address other
 *       than loopback unless this is set (secure by default).</li>
 *   <li>{@link #allowedHosts()}: without a gateway token, a request whose {@code Host} names a host the gateway does
 *       not know is refused (403 {@code host_not_allowed}): a web page cannot read the API through DNS
 *       rebinding.</li>
 *   <li>{@link #allowedOrigins()}: a WebSocket upgrade of {@code /nodes/connect} from a browser page of another
 *       origin is refused (403 {@code origin_not_allowed}): a web page cannot register as a node.</li>
 *   <li>{@link #maxConnections()}, {@link #minRequestDataRate()}, {@link #maxSocketsPerNodeToken()},
 *       {@link #maxSocketsPerAddress()}, {@link #registerTimeout()} and {@link #partialMessagesMaxBytes()}: what
 *       connections may hold (sockets, server threads, memory).</li>
 * </ul>
 */
public final class AccessPolicy {

    /** The default of {@code gateway.min_request_data_rate}, in bytes per second. */
    public static final int DEFAULT_MIN_REQUEST_DATA_RATE = 8192;

    /** The default of {@code gateway.request_body_grace_sec}. */
    public static final Duration DEFAULT_REQUEST_BODY_GRACE = Duration.ofSeconds(10);

    /** The default of {@code gateway.max_sockets_per_node_token}. */
    public static final int DEFAULT_MAX_SOCKETS_PER_NODE_TOKEN = 4;

    /** The default of {@code gateway.register_timeout_sec}. */
    public static final Duration DEFAULT_REGISTER_TIMEOUT = Duration.ofSeconds(10);

    /** How many connections {@code max_connections} allows beyond {@code max_nodes} when it is not set. */
    public static final int CONNECTIONS_ABOVE_MAX_NODES = 1024;

    /** The shortest register timeout and request body grace. */
    static final Duration MIN_TIMEOUT = Duration.ofMillis(100);

    private final boolean allowUnauthenticated;
    private final List<String> allowedOrigins;
    private final List<String> allowedHosts;
    private final int maxConnections;
    private final int minRequestDataRate;
    private final Duration requestBodyGrace;
    private final int maxSocketsPerNodeToken;
    private final int maxSocketsPerAddress;
    private final Duration registerTimeout;
    private final long partialMessagesMaxBytes;

    private AccessPolicy(Builder b) {
        allowUnauthenticated = b.allowUnauthenticated;
        allowedOrigins = List.copyOf(b.allowedOrigins);
        allowedHosts = List.copyOf(b.allowedHosts);
        maxConnections = b.maxConnections;
        minRequestDataRate = b.minRequestDataRate;
        requestBodyGrace = b.requestBodyGrace == null ? DEFAULT_REQUEST_BODY_GRACE : b.requestBodyGrace;
        maxSocketsPerNodeToken = b.maxSocketsPerNodeToken;
        maxSocketsPerAddress = b.maxSocketsPerAddress;
        registerTimeout = b.registerTimeout == null ? DEFAULT_REGISTER_TIMEOUT : b.registerTimeout;
        partialMessagesMaxBytes = b.partialMessagesMaxBytes;
    }

    /**
     * The defaults.
     *
     * @return a policy with every default
     */
    public static AccessPolicy defaults() {
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
     * Whether the application asked for a gateway without a token ({@code gateway.auth: "none"}). Without a gateway
     * token and without this, the gateway refuses to start on an address other than loopback. Per-node tokens alone
     * do not count as a token: they leave the REST API and the web UI open.
     *
     * @return {@code true} when allowed (default {@code false}, {@code gateway.auth: "token"})
     */
    public boolean allowUnauthenticated() {
        return allowUnauthenticated;
    }

    /**
     * Origins besides the gateway's own whose browser pages may open the node WebSocket
     * ({@code gateway.allowed_origins}). An upgrade of {@code /nodes/connect} that carries an {@code Origin} header
     * is accepted only from the gateway's own origin ({@code http(s)://} and the request's {@code Host}) or one of
     * these; one without {@code Origin} (node agents, every non-browser client) is always accepted.
     *
     * @return origins such as {@code https://ui.example.com} (lower-case, without a default port), or {@code "*"}
     *         for any; default empty
     */
    public List<String> allowedOrigins() {
        return allowedOrigins;
    }

    /**
     * Host names a request's {@code Host} header may name when the gateway has no token ({@code gateway.allowed_hosts}),
     * besides those always accepted: any IP address literal, {@code localhost}, the configured {@code gateway.host}
     * and this machine's host name. Stops DNS rebinding: a page of {@code evil.example} that resolves to the gateway
     * sends {@code Host: evil.example}. With a gateway token the header is not checked: a page cannot present the
     * token.
     *
     * @return lower-case host names (without a port), or {@code "*"} to accept any; default empty
     */
    public List<String> allowedHosts() {
        return allowedHosts;
    }

    /**
     * The most TCP connections the gateway holds at once, of every kind ({@code gateway.max_connections}); further
     * ones wait in the listen backlog until one closes.
     *
     * @return the limit; 0 (the default) means {@code max_nodes} + {@value #CONNECTIONS_ABOVE_MAX_NODES}
     */
    public int maxConnections() {
        return maxConnections;
    }

    /**
     * The slowest a request body may arrive, on average, once {@link #requestBodyGrace()} has passed
     * ({@code gateway.min_request_data_rate}); a slower one is answered 408 {@code request_timeout} and its
     * connection closed, so that trickled bodies cannot hold the server's threads.
     *
     * @return bytes per second; 0 turns the check off (default {@value #DEFAULT_MIN_REQUEST_DATA_RATE})
     */
    public int minRequestDataRate() {
        return minRequestDataRate;
    }

    /**
     * How long a request body may take before {@link #minRequestDataRate()} applies
     * ({@code gateway.request_body_grace_sec}).
     *
     * @return the grace (default 10 s)
     */
    public Duration requestBodyGrace() {
        return requestBodyGrace;
    }

    /**
     * The most control WebSockets open at once with one node's own token ({@code gateway.max_sockets_per_node_token});
     * a further one is closed with code 4008 right after the upgrade. A node needs one; the others cover a reconnect
     * while the old socket is not yet closed.
     *
     * @return the limit, at least 1 (default {@value #DEFAULT_MAX_SOCKETS_PER_NODE_TOKEN})
     */
    public int maxSocketsPerNodeToken() {
        return maxSocketsPerNodeToken;
    }

    /**
     * The most control WebSockets open at once from one remote IP address with the gateway token or without a token
     * ({@code gateway.max_sockets_per_address}); a further one is closed with code 4008 right after the upgrade. Off
     * by default: many nodes may share the gateway token behind one NAT address. Every socket must register within
     * {@link #registerTimeout()}, and each node id keeps one socket, so such sockets stay bounded by
     * {@code max_nodes} all the same.
     *
     * @return the limit; 0 (the default) means none
     */
    public int maxSocketsPerAddress() {
        return maxSocketsPerAddress;
    }

    /**
     * How long a control WebSocket may stay open without a successful {@code register}
     * ({@code gateway.register_timeout_sec}); then it is closed with code 4006.
     *
     * @return the timeout (default 10 s)
     */
    public Duration registerTimeout() {
        return registerTimeout;
    }

    /**
     * The most bytes of incomplete (fragmented, not yet ended) text messages all control sockets together may hold
     * ({@code gateway.partial_messages_max_bytes}); a frame that would go beyond it closes its socket with code 4007.
     * Each socket holds at most one message of {@code max_message_bytes} (plus 64 KiB) in any case.
     *
     * @return bytes; 0 (the default) means a quarter of the JVM's maximum heap, and never less than one whole message
     */
    public long partialMessagesMaxBytes() {
        return partialMessagesMaxBytes;
    }

    /**
     * Checks the values.
     *
     * @throws ConfigException naming the first bad field
     */
    void validate() {
        for (String o : allowedOrigins) {
            if (!o.equals("*") && normalizeOrigin(o) == null) {
                throw new ConfigException("gateway.allowed_origins: '" + o + "' is not an origin such as "
                        + "https://ui.example.com (scheme http or https, a host, an optional port, no path) or \"*\"");
            }
        }
        for (String h : allowedHosts) {
            if (!h.equals("*") && !h.matches("[a-z0-9._-]{1,253}|\\[[0-9a-f:.]+\\]|[0-9a-f:.]+")) {
                throw new ConfigException("gateway.allowed_hosts: '" + h + "' is not a host name without a port "
                        + "(such as gateway.example.com) or \"*\"");
            }
        }
        if (maxConnections < 0) {
            throw new ConfigException("gateway.max_connections must be >= 0 (0: max_nodes + "
                    + CONNECTIONS_ABOVE_MAX_NODES + ")");
        }
        if (minRequestDataRate < 0) {
            throw new ConfigException("gateway.min_request_data_rate must be >= 0 (0 turns the check off)");
        }
        if (requestBodyGrace.compareTo(MIN_TIMEOUT) < 0) {
            throw new ConfigException("gateway.request_body_grace_sec must be at least 100 ms");
        }
        if (maxSocketsPerNodeToken < 1) {
            throw new ConfigException("gateway.max_sockets_per_node_token must be >= 1");
        }
        if (maxSocketsPerAddress < 0) {
            throw new ConfigException("gateway.max_sockets_per_address must be >= 0 (0: no limit)");
        }
        if (registerTimeout.compareTo(MIN_TIMEOUT) < 0) {
            throw new ConfigException("gateway.register_timeout_sec must be at least 100 ms");
        }
        if (partialMessagesMaxBytes < 0) {
            throw new ConfigException("gateway.partial_messages_max_bytes must be >= 0 (0: a quarter of the heap)");
        }
    }

    /**
     * An origin in the form browsers send it: lower-case scheme and host, the port only when not the scheme's default.
     *
     * @return the normalised origin, or {@code null} when {@code origin} is not an http(s) origin
     */
    static String normalizeOrigin(String origin) {
        if (origin == null) {
            return null;
        }
        URI u;
        try {
            u = new URI(origin.trim());
        } catch (URISyntaxException e) {
            return null;
        }
        String scheme = u.getScheme() == null ? null : u.getScheme().toLowerCase(Locale.ROOT);
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            return null;
        }
        if (u.getHost() == null || u.getRawUserInfo() != null || u.getRawQuery() != null || u.getRawFragment() != null
                || (u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/"))) {
            return null;
        }
        int port = u.getPort();
        boolean defaultPort = port < 0 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    }

    /** Reads the policy's keys from the {@code gateway} object of a config file. */
    static AccessPolicy parse(JsonObject gateway) {
        Builder b = builder();
        String auth = JsonFields.string(gateway, "auth", "gateway.auth", "token");
        if (!auth.equals("token") && !auth.equals("none")) {
            throw new ConfigException("gateway.auth must be \"token\" or \"none\", got \"" + auth + "\"");
        }
        b.allowUnauthenticated(auth.equals("none"));
        b.allowedOrigins(strings(gateway, "allowed_origins", "gateway.allowed_origins"));
        b.allowedHosts(strings(gateway, "allowed_hosts", "gateway.allowed_hosts"));
        b.maxConnections(integer(gateway, "max_connections", "gateway.max_connections", 0));
        b.minRequestDataRate(integer(gateway, "min_request_data_rate", "gateway.min_request_data_rate",
                DEFAULT_MIN_REQUEST_DATA_RATE));
        b.requestBodyGrace(Duration.ofSeconds(integer(gateway, "request_body_grace_sec",
                "gateway.request_body_grace_sec", (int) DEFAULT_REQUEST_BODY_GRACE.toSeconds())));
        b.maxSocketsPerNodeToken(integer(gateway, "max_sockets_per_node_token", "gateway.max_sockets_per_node_token",
                DEFAULT_MAX_SOCKETS_PER_NODE_TOKEN));
        b.maxSocketsPerAddress(integer(gateway, "max_sockets_per_address", "gateway.max_sockets_per_address", 0));
        b.registerTimeout(Duration.ofSeconds(integer(gateway, "register_timeout_sec", "gateway.register_timeout_sec",
                (int) DEFAULT_REGISTER_TIMEOUT.toSeconds())));
        com.google.gson.JsonElement partial = JsonFields.field(gateway, "partial_messages_max_bytes");
        if (partial != null) {
            if (!partial.isJsonPrimitive() || !partial.getAsJsonPrimitive().isNumber()
                    || partial.getAsDouble() != Math.rint(partial.getAsDouble())
                    || Math.abs(partial.getAsDouble()) > (double) (1L << 53)) {
                throw new ConfigException("gateway.partial_messages_max_bytes must be an integer");
            }
            b.partialMessagesMaxBytes(partial.getAsLong());
        }
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AccessPolicy p && allowUnauthenticated == p.allowUnauthenticated
                && allowedOrigins.equals(p.allowedOrigins) && allowedHosts.equals(p.allowedHosts)
                && maxConnections == p.maxConnections && minRequestDataRate == p.minRequestDataRate
                && requestBodyGrace.equals(p.requestBodyGrace) && maxSocketsPerNodeToken == p.maxSocketsPerNodeToken
                && maxSocketsPerAddress == p.maxSocketsPerAddress && registerTimeout.equals(p.registerTimeout)
                && partialMessagesMaxBytes == p.partialMessagesMaxBytes;
    }

    @Override
    public int hashCode() {
        return Objects.hash(allowUnauthenticated, allowedOrigins, allowedHosts, maxConnections, minRequestDataRate,
                requestBodyGrace, maxSocketsPerNodeToken, maxSocketsPerAddress, registerTimeout,
                partialMessagesMaxBytes);
    }

    @Override
    public String toString() {
        return "AccessPolicy[allowUnauthenticated=" + allowUnauthenticated + ", allowedOrigins=" + allowedOrigins
                + ", allowedHosts=" + allowedHosts + ", maxConnections=" + maxConnections + ", minRequestDataRate="
                + minRequestDataRate + ", requestBodyGrace=" + requestBodyGrace + ", maxSocketsPerNodeToken="
                + maxSocketsPerNodeToken + ", maxSocketsPerAddress=" + maxSocketsPerAddress + ", registerTimeout="
                + registerTimeout + ", partialMessagesMaxBytes=" + partialMessagesMaxBytes + "]";
    }

    /** Builds an {@link AccessPolicy}. Not thread-safe. */
    public static final class Builder {
        private boolean allowUnauthenticated;
        private List<String> allowedOrigins = List.of();
        private List<String> allowedHosts = List.of();
        private int maxConnections;
        private int minRequestDataRate = DEFAULT_MIN_REQUEST_DATA_RATE;
        private Duration requestBodyGrace;
        private int maxSocketsPerNodeToken = DEFAULT_MAX_SOCKETS_PER_NODE_TOKEN;
        private int maxSocketsPerAddress;
        private Duration registerTimeout;
        private long partialMessagesMaxBytes;

        private Builder() {
        }

        private Builder(AccessPolicy p) {
            allowUnauthenticated = p.allowUnauthenticated;
            allowedOrigins = p.allowedOrigins;
            allowedHosts = p.allowedHosts;
            maxConnections = p.maxConnections;
            minRequestDataRate = p.minRequestDataRate;
            requestBodyGrace = p.requestBodyGrace;
            maxSocketsPerNodeToken = p.maxSocketsPerNodeToken;
            maxSocketsPerAddress = p.maxSocketsPerAddress;
            registerTimeout = p.registerTimeout;
            partialMessagesMaxBytes = p.partialMessagesMaxBytes;
        }

        /**
         * Lets the gateway start without a token on an address other than loopback ({@code gateway.auth: "none"}).
         *
         * @param v {@code true} to allow it (default {@code false})
         * @return this builder
         */
        public Builder allowUnauthenticated(boolean v) {
            allowUnauthenticated = v;
            return this;
        }

        /**
         * Sets the origins besides the gateway's own whose pages may open the node WebSocket; see
         * {@link AccessPolicy#allowedOrigins()}.
         *
         * @param v origins such as {@code https://ui.example.com}, or {@code "*"}; {@code null} means none. Trimmed
         *          and normalised (lower case, no default port); checked by {@code validate()}
         * @return this builder
         */
        public Builder allowedOrigins(List<String> v) {
            List<String> out = new ArrayList<>();
            if (v != null) {
                for (String o : v) {
                    String t = o == null ? "" : o.trim();
                    String n = t.equals("*") ? "*" : normalizeOrigin(t);
                    out.add(n == null ? t : n);
                }
            }
            allowedOrigins = out;
            return this;
        }

        /**
         * Sets the host names a request may name in {@code Host} when the gateway has no token; see
         * {@link AccessPolicy#allowedHosts()}.
         *
         * @param v host names without a port, or {@code "*"}; {@code null} means none besides the built-in ones.
         *          Trimmed and lower-cased; checked by {@code validate()}
         * @return this builder
         */
        public Builder allowedHosts(List<String> v) {
            List<String> out = new ArrayList<>();
            if (v != null) {
                for (String h : v) {
                    out.add(h == null ? "" : h.trim().toLowerCase(Locale.ROOT));
                }
            }
            allowedHosts = out;
            return this;
        }

        /**
         * Sets the most TCP connections held at once.
         *
         * @param v the limit; 0 means {@code max_nodes} + {@value AccessPolicy#CONNECTIONS_ABOVE_MAX_NODES}
         * @return this builder
         */
        public Builder maxConnections(int v) {
            maxConnections = v;
            return this;
        }

        /**
         * Sets the slowest average rate of a request body after the grace.
         *
         * @param v bytes per second; 0 turns the check off (default
         *          {@value AccessPolicy#DEFAULT_MIN_REQUEST_DATA_RATE})
         * @return this builder
         */
        public Builder minRequestDataRate(int v) {
            minRequestDataRate = v;
            return this;
        }

        /**
         * Sets how long a request body may take before the minimum rate applies.
         *
         * @param v at least 100 ms; {@code null} means 10 s
         * @return this builder
         */
        public Builder requestBodyGrace(Duration v) {
            requestBodyGrace = v;
            return this;
        }

        /**
         * Sets the most control WebSockets open at once with one node's own token.
         *
         * @param v at least 1 (default {@value AccessPolicy#DEFAULT_MAX_SOCKETS_PER_NODE_TOKEN})
         * @return this builder
         */
        public Builder maxSocketsPerNodeToken(int v) {
            maxSocketsPerNodeToken = v;
            return this;
        }

        /**
         * Sets the most control WebSockets open at once from one remote address with the gateway token or without
         * a token.
         *
         * @param v the limit; 0 means none (the default)
         * @return this builder
         */
        public Builder maxSocketsPerAddress(int v) {
            maxSocketsPerAddress = v;
            return this;
        }

        /**
         * Sets how long a control WebSocket may stay open without a successful {@code register}.
         *
         * @param v at least 100 ms; {@code null} means 10 s
         * @return this builder
         */
        public Builder registerTimeout(Duration v) {
            registerTimeout = v;
            return this;
        }

        /**
         * Sets the most bytes of incomplete text messages all control sockets together may hold.
         *
         * @param v bytes; 0 means a quarter of the JVM's maximum heap (the default)
         * @return this builder
         */
        public Builder partialMessagesMaxBytes(long v) {
            partialMessagesMaxBytes = v;
            return this;
        }

        /**
         * Builds the policy; values are checked by {@link GatewayConfig#validate()}.
         *
         * @return the policy
         */
        public AccessPolicy build() {
            return new AccessPolicy(this);
        }
    }
}
