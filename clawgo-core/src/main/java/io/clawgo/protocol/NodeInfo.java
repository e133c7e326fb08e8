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
        @SerializedName("registered_at") Instant registeredAt,
        @SerializedName("last_seen_at") Instant lastSeenAt,
        boolean online) {

    public NodeInfo {
        tags = copy(tags);
        actions = copy(actions);
        models = copy(models);
        agents = copy(agents);
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

    /** A builder for a node with the given id. */
    public static Builder builder(String id) {
        return new Builder().id(id);
    }

    /** A builder pre-filled with this node's fields. */
    public Builder toBuilder() {
        return new Builder().id(id).name(name).tags(tags).os(os).arch(arch).version(version).endpoint(endpoint)
                .token(token).capabilities(capabilities).actions(actions).models(models).agents(agents)
                .registeredAt(registeredAt).lastSeenAt(lastSeenAt).online(online);
    }

    /** This node without its endpoint token (what the API shows). */
    public NodeInfo redacted() {
        return token == null ? this : toBuilder().token(null).build();
    }

    /**
     * Whether this node accepts {@code action}: the action list (if any) must name it and the capabilities must cover
     * it.
     */
    public boolean supports(String action) {
        String a = action == null ? "" : action.trim();
        if (!actions.isEmpty() && actions.stream().noneMatch(x -> x.trim().equalsIgnoreCase(a))) {
            return false;
        }
        return capabilities.supports(a);
    }

    /** Mutable builder of {@link NodeInfo}. */
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
        private Instant registeredAt;
        private Instant lastSeenAt;
        private boolean online;

        private Builder() {
        }

        public Builder id(String v) { this.id = v; return this; }
        public Builder name(String v) { this.name = v; return this; }
        public Builder tags(List<String> v) { this.tags = v; return this; }
        public Builder os(String v) { this.os = v; return this; }
        public Builder arch(String v) { this.arch = v; return this; }
        public Builder version(String v) { this.version = v; return this; }
        public Builder endpoint(String v) { this.endpoint = v; return this; }
        public Builder token(String v) { this.token = v; return this; }
        public Builder capabilities(Capabilities v) { this.capabilities = v; return this; }
        public Builder actions(List<String> v) { this.actions = v; return this; }
        public Builder models(List<String> v) { this.models = v; return this; }
        public Builder agents(List<AgentInfo> v) { this.agents = v; return this; }
        public Builder registeredAt(Instant v) { this.registeredAt = v; return this; }
        public Builder lastSeenAt(Instant v) { this.lastSeenAt = v; return this; }
        public Builder online(boolean v) { this.online = v; return this; }

        public NodeInfo build() {
            return new NodeInfo(id, name, tags, os, arch, version, endpoint, token, capabilities, actions, models,
                    agents, registeredAt, lastSeenAt, online);
        }
    }
}
