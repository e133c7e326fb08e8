package io.clawgo;

import io.clawgo.config.ConfigException;
import io.clawgo.config.DispatchPolicy;
import io.clawgo.config.GatewayConfig;
import io.clawgo.config.P2pConfig;
import io.clawgo.config.ServerTls;
import io.clawgo.internal.gateway.GatewayRuntime;
import io.clawgo.internal.subagent.DefaultSubagentRuntime;
import io.clawgo.internal.transport.DispatchMode;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.subagent.AgentHandler;
import io.clawgo.subagent.SubagentRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The gateway role: accepts node registrations, tracks liveness, dispatches requests to nodes over the best transport,
 * runs the subagent runtime, and serves the REST API, the web UI and the node control WebSocket on one port.
 *
 * <pre>{@code
 * try (Gateway gw = Gateway.builder().port(18790).token("secret").start()) {
 *     DispatchResult r = gw.subagents().dispatchAndWait(
 *             SpawnRequest.of("node.edge-1.main", "say hi"), Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops the server, closes every node connection and flushes state.
 */
public final class Gateway implements AutoCloseable {
    private final GatewayRuntime runtime;

    private Gateway(GatewayRuntime runtime) {
        this.runtime = runtime;
    }

    /** A builder with every default of {@link GatewayConfig#defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The port the gateway listens on (the real one when configured with port 0). */
    public int port() {
        return runtime.port();
    }

    /** {@code http(s)://<host>:<port>}, with {@code 127.0.0.1} for a wildcard host. */
    public String url() {
        String host = runtime.config().host();
        if (host.equals("0.0.0.0") || host.equals("::") || host.isEmpty()) {
            host = "127.0.0.1";
        }
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return (runtime.config().tls() == null ? "http://" : "https://") + host + ":" + port();
    }

    /** The effective configuration. */
    public GatewayConfig config() {
        return runtime.config();
    }

    /** The subagent runtime ({@code node.<id>.main} branches and local agents). */
    public SubagentRuntime subagents() {
        return runtime.subagents();
    }

    /** Registered nodes sorted by id, without their endpoint tokens. */
    public List<NodeInfo> nodes() {
        return runtime.registry().list().stream().map(NodeInfo::redacted).toList();
    }

    /** One node without its endpoint token. */
    public Optional<NodeInfo> node(String id) {
        return runtime.registry().get(id).map(NodeInfo::redacted);
    }

    /** The active P2P transport's name ({@code websocket_tunnel}, {@code webrtc}, ...), or empty when relay only. */
    public Optional<String> p2pTransport() {
        return Optional.ofNullable(runtime.p2pTransportName());
    }

    /**
     * Sends {@code request} to node {@code request.node()}.
     *
     * @param mode    {@code auto}, {@code p2p} or {@code relay}
     * @param timeout the whole dispatch, fallback included, ends within this
     * @return a future that always completes normally; failures are responses with a code of
     *         {@link io.clawgo.protocol.ErrorCodes}
     */
    public CompletableFuture<Response> dispatch(Request request, String mode, Duration timeout) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(timeout, "timeout");
        return runtime.dispatcher().dispatch(request, DispatchMode.parse(mode), timeout);
    }

    /** The {@code /webui/api/nodes} payload as a map. */
    public Map<String, Object> status() {
        return runtime.nodesPayload();
    }

    @Override
    public void close() {
        runtime.close();
    }

    /** Configures and starts a {@link Gateway}. */
    public static final class Builder {
        private GatewayConfig config = GatewayConfig.defaults();
        private final List<DefaultSubagentRuntime.LocalAgent> agents = new ArrayList<>();
        private ClassLoader classLoader = Gateway.class.getClassLoader();

        private Builder() {
        }

        /** Replaces the whole configuration (for example one from {@link GatewayConfig#load(Path)}). */
        public Builder config(GatewayConfig c) {
            this.config = Objects.requireNonNull(c, "config");
            return this;
        }

        /** Listen address (default {@code 0.0.0.0}). */
        public Builder host(String host) {
            config = config.withHost(host);
            return this;
        }

        /** Listen port (default 18790; 0 picks a free one). */
        public Builder port(int port) {
            config = config.withPort(port);
            return this;
        }

        /** Bearer token of every API route and the node WebSocket (default none: open). */
        public Builder token(String token) {
            config = config.withToken(token);
            return this;
        }

        /** Where registry state and audits are kept (default {@code ./clawgo-data}). */
        public Builder dataDir(Path dir) {
            config = config.withDataDir(dir);
            return this;
        }

        /** A node is online while heard from within this (default 60 s). */
        public Builder nodeTtl(Duration ttl) {
            config = config.withNodeTtl(ttl);
            return this;
        }

        /** The P2P transport by name ({@code websocket_tunnel}, {@code webrtc}); empty picks the best found. */
        public Builder transport(String name) {
            config = config.withP2p(config.p2p().withTransport(name).withEnabled(true));
            return this;
        }

        /** The whole {@code gateway.nodes.p2p} section. */
        public Builder p2p(P2pConfig p2p) {
            config = config.withP2p(p2p);
            return this;
        }

        /** Auto-mode policy (default: prefer P2P, fall back to the relay). */
        public Builder dispatchPolicy(DispatchPolicy policy) {
            config = config.withDispatch(policy);
            return this;
        }

        /** Serve https and wss with the key store's key and certificate. */
        public Builder tls(ServerTls tls) {
            config = config.withTls(tls);
            return this;
        }

        /**
         * Per-node tokens (node id to token): a node presenting its own token may register, heartbeat and connect as
         * that node only, and use no other route.
         */
        public Builder nodeTokens(Map<String, String> tokens) {
            config = config.withNodeTokens(tokens);
            return this;
        }

        /** Largest frame, body and relayed response in bytes (default 8 MiB). */
        public Builder maxMessageBytes(int bytes) {
            config = config.withMaxMessageBytes(bytes);
            return this;
        }

        /** Adds a local agent that {@code dispatch_and_wait} can address by {@code id}. */
        public Builder localAgent(String id, String displayName, AgentHandler handler) {
            Objects.requireNonNull(handler, "handler");
            if (id == null || !id.matches("[A-Za-z0-9_-]{1,64}") || id.equals("main")) {
                throw new IllegalArgumentException("local agent id must be 1..64 of A-Z a-z 0-9 _ - and not 'main'");
            }
            agents.add(new DefaultSubagentRuntime.LocalAgent(id, displayName == null ? id : displayName, handler));
            return this;
        }

        /** Where transport providers are looked up (default: this library's class loader). */
        public Builder classLoader(ClassLoader loader) {
            this.classLoader = Objects.requireNonNull(loader, "classLoader");
            return this;
        }

        /**
         * Starts the gateway.
         *
         * @throws ConfigException for invalid configuration or a transport that is missing or unavailable
         * @throws ClawgoException when the server cannot start (for example, the port is taken)
         */
        public Gateway start() {
            GatewayRuntime runtime = new GatewayRuntime(config, agents, classLoader);
            try {
                runtime.start();
            } catch (ConfigException e) {
                throw e;
            } catch (java.io.IOException e) {
                throw new ClawgoException("bind_failed", "cannot listen on " + config.host() + ":" + config.port()
                        + ": " + e.getMessage(), e);
            } catch (Exception e) {
                throw new ClawgoException("start_failed", "gateway failed to start: " + e, e);
            }
            return new Gateway(runtime);
        }
    }
}
