package io.clawgo.protocol;

import com.google.gson.annotations.SerializedName;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A node as it registers and as the registry keeps it.
 *
 * <p>Lists are never {@code null} (an absent list reads as empty). {@code registeredAt}, {@code lastSeenAt} and
 * {@code online} are owned by the gateway's registry: values a node sends are ignored. {@code token} is the secret the
 * gateway presents to the node's endpoint; the gateway never returns it from its API.
 *
 * @param id           node id, required: 1..128 characters of {@code A-Z a-z 0-9 . _ : -}
 * @param name         display name
 * @param tags         free-form tags
 * @param os           operating system, Go style ({@code linux}, {@code darwin}, {@code windows})
 * @param arch         architecture, Go style ({@code amd64}, {@code arm64})
 * @param version      the node software's version
 * @param endpoint     the node's local HTTP endpoint base URL, or {@code null}; on registration a blank one keeps the
 *                     stored value
 * @param token        bearer token for the endpoint, or {@code null}; on registration a blank one keeps the stored
 *                     value
 * @param capabilities what the node can do; {@code null} reads as {@link Capabilities#NONE}
 * @param actions      the actions the node accepts; empty means every action its capabilities cover
 * @param models       models the node offers (informational)
 * @param agents       the agents the node exposes
 * @param transports   the P2P transports the node offers ({@code websocket_tunnel}, {@code webrtc}, ...); empty means
 *                     unknown (a node that does not say), and a gateway then tries its transports as configured. A
 *                     clawgo-java extension of the wire format
 * @param registeredAt when the gateway first registered the node ({@code registered_at})
 * @param lastSeenAt   when the gateway last heard from the node ({@code last_seen_at})
 * @param online       whether the gateway considers the node online: heard from within its TTL (the close of the
 *                     node's control connection also marks it offline)
 */
public record NodeInfo(
        String id,
        String name,
        List<String> tags,
        String os,
        String arch,
        String version,
        String endpoint,
        String token,
        Capabilities capabilities,
        List<String> actions,
        List<String> models,
        List<AgentInfo> agents,
        List<String> transports,
        @SerializedName("registered_at") Instant registeredAt,
        @SerializedName("last_seen_at") Instant lastSeenAt,
        boolean online) {

    /**
     * Creates a node info: {@code null} lists become empty, {@code null} list elements are dropped, lists are
     * unmodifiable copies, and {@code null} capabilities become {@link Capabilities#NONE}. Nothing is validated.
     *
     * @param id           node id
     * @param name         display name
     * @param tags         tags, or {@code null}
     * @param os           operating system
     * @param arch         architecture
     * @param version      software version
     * @param endpoint     endpoint base URL, or {@code null}
     * @param token        endpoint token, or {@code null}
     * @param capabilities capabilities, or {@code null} for none
     * @param actions      accepted actions, or {@code null}
     * @param models       models, or {@code null}
     * @param agents       agents, or {@code null}
     * @param transports   offered P2P transport names, or {@code null}
     * @param registeredAt registration time, or {@code null}
     * @param lastSeenAt   last-seen time, or {@code null}
     * @param online       online flag
     */
    public NodeInfo {
        tags = copy(tags);
        actions = copy(actions);
        models = copy(models);
        agents = copy(agents);
        transports = copy(transports);
        if (capabilities == null) {
            capabilities = Capabilities.NONE;
        }
    }

    private static <T> List<T> copy(List<T> in) {
        if (in == null || in.isEmpty()) {
            return List.of();
        }
        List<T> out = new ArrayList<>(in.size());
        for (T t : in) {
            if (t != null) {
                out.add(t);
            }
        }
        return List.copyOf(out);
    }

    /**
     * A builder for a node with the given id.
     *
     * @param id the node id
     * @return a new builder; its capabilities default to {@link Capabilities#DEFAULT}, every other field is empty
     */
    public static Builder builder(String id) {
        return new Builder().id(id);
    }

    /**
     * A builder pre-filled with this node's fields.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        return new Builder().id(id).name(name).tags(tags).os(os).arch(arch).version(version).endpoint(endpoint)
                .token(token).capabilities(capabilities).actions(actions).models(models).agents(agents)
                .transports(transports).registeredAt(registeredAt).lastSeenAt(lastSeenAt).online(online);
    }

    /**
     * This node without its endpoint token (what the API shows).
     *
     * @return a copy with {@code token} {@code null}, or this node when it has no token
     */
    public NodeInfo redacted() {
        return token == null ? this : toBuilder().token(null).build();
    }

    /**
     * Whether this node may be reached over the P2P transport {@code name}: it offers it, or it did not say which
     * transports it offers.
     *
     * @param name a transport provider name, for example {@code webrtc}
     * @return {@code false} only when the node lists its transports and {@code name} is not among them
     */
    public boolean mayOffer(String name) {
        return transports.isEmpty() || transports.contains(name);
    }

    /**
     * Whether this node accepts {@code action}: the action list (if any) must name it and the capabilities must cover
     * it (see {@link Capabilities#supports(String)}).
     *
     * @param action the action; trimmed and compared case-insensitively
     * @return {@code true} when the node accepts it
     */
    public boolean supports(String action) {
        String a = action == null ? "" : action.trim();
        if (!actions.isEmpty() && actions.stream().noneMatch(x -> x.trim().equalsIgnoreCase(a))) {
            return false;
        }
        return capabilities.supports(a);
    }

    /** Mutable builder of {@link NodeInfo}. Every setter returns this builder; no value is checked. */
    public static final class Builder {
        private String id;
        private String name;
        private List<String> tags = List.of();
        private String os;
        private String arch;
        private String version;
        private String endpoint;
        private String token;
        private Capabilities capabilities = Capabilities.DEFAULT;
        private List<String> actions = List.of();
        private List<String> models = List.of();
        private List<AgentInfo> agents = List.of();
        private List<String> transports = List.of();
        private Instant registeredAt;
        private Instant lastSeenAt;
        private boolean online;

        private Builder() {
        }

        /**
         * Sets the node id.
         *
         * @param v see {@link NodeInfo#id()}
         * @return this builder
         */
        public Builder id(String v) { this.id = v; return this; }
        /**
         * Sets the display name.
         *
         * @param v see {@link NodeInfo#name()}
         * @return this builder
         */
        public Builder name(String v) { this.name = v; return this; }
        /**
         * Sets the tags.
         *
         * @param v see {@link NodeInfo#tags()}
         * @return this builder
         */
        public Builder tags(List<String> v) { this.tags = v; return this; }
        /**
         * Sets the operating system.
         *
         * @param v see {@link NodeInfo#os()}
         * @return this builder
         */
        public Builder os(String v) { this.os = v; return this; }
        /**
         * Sets the architecture.
         *
         * @param v see {@link NodeInfo#arch()}
         * @return this builder
         */
        public Builder arch(String v) { this.arch = v; return this; }
        /**
         * Sets the version.
         *
         * @param v see {@link NodeInfo#version()}
         * @return this builder
         */
        public Builder version(String v) { this.version = v; return this; }
        /**
         * Sets the endpoint base URL.
         *
         * @param v see {@link NodeInfo#endpoint()}
         * @return this builder
         */
        public Builder endpoint(String v) { this.endpoint = v; return this; }
        /**
         * Sets the endpoint token.
         *
         * @param v see {@link NodeInfo#token()}
         * @return this builder
         */
        public Builder token(String v) { this.token = v; return this; }
        /**
         * Sets the capabilities (default {@link Capabilities#DEFAULT}).
         *
         * @param v see {@link NodeInfo#capabilities()}
         * @return this builder
         */
        public Builder capabilities(Capabilities v) { this.capabilities = v; return this; }
        /**
         * Sets the accepted actions.
         *
         * @param v see {@link NodeInfo#actions()}
         * @return this builder
         */
        public Builder actions(List<String> v) { this.actions = v; return this; }
        /**
         * Sets the models.
         *
         * @param v see {@link NodeInfo#models()}
         * @return this builder
         */
        public Builder models(List<String> v) { this.models = v; return this; }
        /**
         * Sets the agents.
         *
         * @param v see {@link NodeInfo#agents()}
         * @return this builder
         */
        public Builder agents(List<AgentInfo> v) { this.agents = v; return this; }
        /**
         * Sets the P2P transports the node offers.
         *
         * @param v see {@link NodeInfo#transports()}
         * @return this builder
         */
        public Builder transports(List<String> v) { this.transports = v; return this; }
        /**
         * Sets the registration time.
         *
         * @param v see {@link NodeInfo#registeredAt()}
         * @return this builder
         */
        public Builder registeredAt(Instant v) { this.registeredAt = v; return this; }
        /**
         * Sets the last-seen time.
         *
         * @param v see {@link NodeInfo#lastSeenAt()}
         * @return this builder
         */
        public Builder lastSeenAt(Instant v) { this.lastSeenAt = v; return this; }
        /**
         * Sets the online flag.
         *
         * @param v see {@link NodeInfo#online()}
         * @return this builder
         */
        public Builder online(boolean v) { this.online = v; return this; }

        /**
         * Builds the node info, normalised as by the record's constructor.
         *
         * @return a new {@link NodeInfo}
         */
        public NodeInfo build() {
            return new NodeInfo(id, name, tags, os, arch, version, endpoint, token, capabilities, actions, models,
                    agents, transports, registeredAt, lastSeenAt, online);
        }
    }
}
