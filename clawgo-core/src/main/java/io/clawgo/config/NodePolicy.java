package io.clawgo.config;

import com.google.gson.JsonObject;

/**
 * What a registered node may make the gateway do on its behalf. Immutable; build one with {@link #builder()}. Read from
 * the {@code gateway} object of a config file by {@link GatewayConfig#parse(String)}.
 */
public final class NodePolicy {

    private NodePolicy(Builder b) {
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

    /** Checks the values; a policy from the builder is always valid so far. */
    void validate() {
    }

    /** Reads the policy's keys from the {@code gateway} object of a config file. */
    static NodePolicy parse(JsonObject gateway) {
        return builder().build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NodePolicy;
    }

    @Override
    public int hashCode() {
        return NodePolicy.class.hashCode();
    }

    @Override
    public String toString() {
        return "NodePolicy[]";
    }

    /** Builds a {@link NodePolicy}. Not thread-safe. */
    public static final class Builder {
        private Builder() {
        }

        private Builder(NodePolicy p) {
        }

        /**
         * Builds the policy.
         *
         * @return the policy
         */
        public NodePolicy build() {
            return new NodePolicy(this);
        }
    }
}
