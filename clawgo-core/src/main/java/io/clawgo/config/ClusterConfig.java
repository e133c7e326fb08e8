package io.clawgo.config;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code gateway.cluster}: whether this gateway shares its fleet with other gateways, and through which engine.
 * Immutable; build one with {@link #builder()}. Without a provider (the default) the gateway is alone and needs no
 * other server.
 *
 * <pre>{@code
 * "cluster": {"provider": "nats", "servers": ["nats://10.0.0.5:4222"], "name": "prod",
 *             "advertise_url": "https://gw-a.example:18790",
 *             "options": {"credentials": "/etc/clawgo/gw.creds", "truststore": "/etc/clawgo/ca.p12"}}
 * }</pre>
 */
public final class ClusterConfig {
    /** The provider core ships: one gateway, nothing shared. */
    public static final String LOCAL = "local";

    /** The default cluster name. */
    public static final String DEFAULT_NAME = "clawgo";

    private final String provider;
    private final List<String> servers;
    private final String name;
    private final String advertiseUrl;
    private final Map<String, String> options;

    private ClusterConfig(Builder b) {
        provider = b.provider == null || b.provider.isBlank() ? LOCAL : b.provider.trim().toLowerCase(java.util.Locale.ROOT);
        servers = List.copyOf(b.servers);
        name = b.name == null || b.name.isBlank() ? DEFAULT_NAME : b.name.trim();
        advertiseUrl = b.advertiseUrl == null ? "" : b.advertiseUrl.trim();
        options = Map.copyOf(b.options);
    }

    /**
     * No cluster: the {@code local} provider.
     *
     * @return the default
     */
    public static ClusterConfig defaults() {
        return builder().build();
    }

    /**
     * Starts a configuration from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a configuration from this one.
     *
     * @return a builder holding every value of this configuration
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * The provider's name ({@code gateway.cluster.provider}), found with {@link java.util.ServiceLoader}.
     *
     * @return the name, lower-cased; {@value #LOCAL} (the default) means no cluster
     */
    public String provider() {
        return provider;
    }

    /**
     * Whether this gateway is part of a cluster.
     *
     * @return {@code true} when the provider is not {@value #LOCAL}
     */
    public boolean enabled() {
        return !provider.equals(LOCAL);
    }

    /**
     * The engine's addresses ({@code gateway.cluster.servers}), for example {@code nats://10.0.0.5:4222}.
     *
     * @return the addresses, unmodifiable (default none)
     */
    public List<String> servers() {
        return servers;
    }

    /**
     * The cluster's name ({@code gateway.cluster.name}): gateways of one name share a fleet; other names on the same
     * engine are separate clusters.
     *
     * @return the name (default {@value #DEFAULT_NAME})
     */
    public String name() {
        return name;
    }

    /**
     * The URL this gateway shows other gateways' operators ({@code gateway.cluster.advertise_url}).
     *
     * @return the URL; empty (the default) means the gateway's own {@code Gateway.url()}
     */
    public String advertiseUrl() {
        return advertiseUrl;
    }

    /**
     * The provider's own settings ({@code gateway.cluster.options}: credentials, TLS files and the like; see the
     * provider's documentation).
     *
     * @return the options, unmodifiable (default none)
     */
    public Map<String, String> options() {
        return options;
    }

    /**
     * Checks the values: a name of {@code [A-Za-z0-9_-]}, at least one server when a provider is set, servers without
     * blanks.
     *
     * @return this configuration
     * @throws ConfigException naming the first bad field
     */
    public ClusterConfig validate() {
        if (!name.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new ConfigException("gateway.cluster.name must be 1..64 of A-Z a-z 0-9 _ -, got '" + name + "'");
        }
        if (!provider.matches("[a-z0-9_.-]{1,64}")) {
            throw new ConfigException("gateway.cluster.provider must be a provider name such as nats, got '"
                    + provider + "'");
        }
        if (enabled() && servers.isEmpty()) {
            throw new ConfigException("gateway.cluster.servers must name at least one server for provider '"
                    + provider + "'");
        }
        for (int i = 0; i < servers.size(); i++) {
            if (servers.get(i).isBlank()) {
                throw new ConfigException("gateway.cluster.servers[" + i + "] must not be empty");
            }
        }
        return this;
    }

    /** Reads {@code gateway.cluster}; absent means the default. */
    static ClusterConfig parse(JsonObject gateway) {
        JsonObject c = JsonFields.object(gateway, "cluster", "gateway.cluster");
        if (c == null) {
            return defaults();
        }
        Builder b = builder()
                .provider(JsonFields.string(c, "provider", "gateway.cluster.provider", null))
                .servers(JsonFields.strings(c, "servers", "gateway.cluster.servers"))
                .name(JsonFields.string(c, "name", "gateway.cluster.name", null))
                .advertiseUrl(JsonFields.string(c, "advertise_url", "gateway.cluster.advertise_url", null));
        JsonObject opts = JsonFields.object(c, "options", "gateway.cluster.options");
        if (opts != null) {
            Map<String, String> m = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : opts.entrySet()) {
                JsonElement v = e.getValue();
                if (!v.isJsonPrimitive()) {
                    throw new ConfigException("gateway.cluster.options." + e.getKey() + " must be a string, number or "
                            + "boolean");
                }
                m.put(e.getKey(), v.getAsString());
            }
            b.options(m);
        }
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterConfig c && provider.equals(c.provider) && servers.equals(c.servers)
                && name.equals(c.name) && advertiseUrl.equals(c.advertiseUrl) && options.equals(c.options);
    }

    @Override
    public int hashCode() {
        return Objects.hash(provider, servers, name, advertiseUrl, options);
    }

    @Override
    public String toString() {
        // option values may be secrets (passwords, tokens): print the keys only
        return "ClusterConfig[provider=" + provider + ", servers=" + servers + ", name=" + name
                + ", advertiseUrl=" + advertiseUrl + ", options=" + options.keySet() + "]";
    }

    /** Builds a {@link ClusterConfig}. Not thread-safe. */
    public static final class Builder {
        private String provider;
        private List<String> servers = List.of();
        private String name;
        private String advertiseUrl;
        private Map<String, String> options = Map.of();

        private Builder() {
        }

        private Builder(ClusterConfig c) {
            provider = c.provider;
            servers = c.servers;
            name = c.name;
            advertiseUrl = c.advertiseUrl;
            options = c.options;
        }

        /**
         * Sets the provider.
         *
         * @param v a provider name such as {@code nats}; {@code null} or blank means {@value ClusterConfig#LOCAL}
         * @return this builder
         */
        public Builder provider(String v) {
            provider = v;
            return this;
        }

        /**
         * Sets the engine's addresses (trimmed, copied).
         *
         * @param v the addresses; {@code null} means none
         * @return this builder
         * @throws NullPointerException when {@code v} holds {@code null}
         */
        public Builder servers(List<String> v) {
            List<String> out = new ArrayList<>();
            if (v != null) {
                for (String s : v) {
                    out.add(Objects.requireNonNull(s, "server").trim());
                }
            }
            servers = out;
            return this;
        }

        /**
         * Sets the cluster's name.
         *
         * @param v 1..64 of {@code [A-Za-z0-9_-]}; {@code null} or blank means {@value ClusterConfig#DEFAULT_NAME}
         * @return this builder
         */
        public Builder name(String v) {
            name = v;
            return this;
        }

        /**
         * Sets the URL shown to other gateways' operators.
         *
         * @param v the URL; {@code null} or empty means the gateway's own URL
         * @return this builder
         */
        public Builder advertiseUrl(String v) {
            advertiseUrl = v;
            return this;
        }

        /**
         * Sets the provider's own settings (copied).
         *
         * @param v the options; {@code null} means none
         * @return this builder
         * @throws NullPointerException when {@code v} holds a {@code null} key or value
         */
        public Builder options(Map<String, String> v) {
            options = v == null ? Map.of() : Map.copyOf(v);
            return this;
        }

        /**
         * Builds the configuration; values are checked by {@link ClusterConfig#validate()}.
         *
         * @return the configuration
         */
        public ClusterConfig build() {
            return new ClusterConfig(this);
        }
    }
}
