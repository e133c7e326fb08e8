package io.clawgo.config;

import com.google.gson.JsonObject;
import java.util.Objects;

/**
 * Who may reach the gateway over HTTP and WebSocket, and how much of it they may hold. Immutable; build one with
 * {@link #builder()}. Read from the {@code gateway} object of a config file by {@link GatewayConfig#parse(String)}.
 */
public final class AccessPolicy {
    private final boolean allowUnauthenticated;

    private AccessPolicy(Builder b) {
        allowUnauthenticated = b.allowUnauthenticated;
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
     * Whether the application asked for a gateway without a token ({@code gateway.auth: "none"}).
     *
     * @return {@code true} when allowed (default {@code false})
     */
    public boolean allowUnauthenticated() {
        return allowUnauthenticated;
    }

    /** Checks the values; a policy from the builder is always valid so far. */
    void validate() {
    }

    /** Reads the policy's keys from the {@code gateway} object of a config file. */
    static AccessPolicy parse(JsonObject gateway) {
        Builder b = builder();
        String auth = JsonFields.string(gateway, "auth", "gateway.auth", "token");
        if (!auth.equals("token") && !auth.equals("none")) {
            throw new ConfigException("gateway.auth must be \"token\" or \"none\", got \"" + auth + "\"");
        }
        b.allowUnauthenticated(auth.equals("none"));
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AccessPolicy p && allowUnauthenticated == p.allowUnauthenticated;
    }

    @Override
    public int hashCode() {
        return Objects.hash(allowUnauthenticated);
    }

    @Override
    public String toString() {
        return "AccessPolicy[allowUnauthenticated=" + allowUnauthenticated + "]";
    }

    /** Builds an {@link AccessPolicy}. Not thread-safe. */
    public static final class Builder {
        private boolean allowUnauthenticated;

        private Builder() {
        }

        private Builder(AccessPolicy p) {
            allowUnauthenticated = p.allowUnauthenticated;
        }

        /**
         * Lets the gateway start without a token on an address other than loopback.
         *
         * @param v {@code true} to allow it (default {@code false})
         * @return this builder
         */
        public Builder allowUnauthenticated(boolean v) {
            allowUnauthenticated = v;
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the policy
         */
        public AccessPolicy build() {
            return new AccessPolicy(this);
        }
    }
}
