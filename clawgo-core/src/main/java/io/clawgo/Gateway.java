package io.clawgo;

import io.clawgo.config.AccessPolicy;
import io.clawgo.config.ClusterConfig;
import io.clawgo.config.ConfigException;
import io.clawgo.config.DispatchPolicy;
import io.clawgo.config.GatewayConfig;
import io.clawgo.config.MetricsConfig;
import io.clawgo.config.NodePolicy;
import io.clawgo.config.P2pConfig;
import io.clawgo.config.ServerTls;
import io.clawgo.internal.gateway.GatewayEvents;
import io.clawgo.internal.gateway.GatewayProbe;
import io.clawgo.internal.gateway.GatewayRuntime;
import io.clawgo.internal.subagent.DefaultSubagentRuntime;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.spi.TransportStatus;
import io.clawgo.subagent.AgentHandler;
import io.clawgo.subagent.SubagentRuntime;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;

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
 * <p><b>Entry point.</b> {@code Gateway.builder()...build()} makes a gateway that is configured and checked but not
 * started; {@link #start()} starts it and {@link #close()} stops it. {@link Builder#start()} is the shortcut of both
 * steps, as above. A gateway starts once: after {@link #close()}, or a start that failed, build a new one. The other
 * entry points follow the same pattern ({@code NodeAgent.builder()}, {@code GatewayClient.builder()}).
 *
 * <p>Thread-safe. {@link #close()} stops the server, closes every node connection and flushes state.
 */
public final class Gateway implements AutoCloseable {
    private final GatewayRuntime runtime;
    private final Stats stats;

    private Gateway(GatewayRuntime runtime) {
        this.runtime = runtime;
        this.stats = new RuntimeStats(runtime);
    }

    /**
     * Starts configuring a gateway.
     *
     * @return a new builder holding every default of {@link GatewayConfig#defaults()}
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts the gateway: creates the transports, opens the data directory, binds the port and starts the server. On
     * failure, whatever was already started is stopped again (no thread of the gateway is left running) and the
     * gateway is closed. Calling it again while the gateway runs does nothing.
     *
     * @throws ConfigException       for a transport or cluster provider that is missing or unavailable (the message
     *                               lists the names found)
     * @throws ClawgoException       with code {@code bind_failed} when the address cannot be bound (for example, the
     *                               port is taken), or {@code start_failed} for any other start failure
     * @throws IllegalStateException after {@link #close()} or a failed start
     */
    public void start() {
        if (runtime.isClosed()) {
            throw new IllegalStateException("the gateway is closed (or failed to start): build a new one");
        }
        GatewayConfig config = runtime.config();
        try {
            runtime.start();
        } catch (ConfigException e) {
            throw e;
        } catch (java.io.IOException e) {
            if (isBindFailure(e)) {
                throw new ClawgoException("bind_failed", "cannot listen on " + config.host() + ":" + config.port()
                        + ": " + e.getMessage(), e);
            }
            throw new ClawgoException("start_failed", "gateway failed to start: " + e.getMessage(), e);
        } catch (Exception e) {
            throw new ClawgoException("start_failed", "gateway failed to start: " + e, e);
        }
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException
                    || (t.getMessage() != null && t.getMessage().startsWith("Failed to bind"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The port the gateway listens on.
     *
     * @return the bound port; the one actually picked when the gateway was configured with port 0; before
     *         {@link #start()}, the configured port
     */
    public int port() {
        return runtime.port();
    }

    /**
     * The base URL a local client can use to reach this gateway.
     *
     * @return {@code http://<host>:<port>}, or {@code https://} when TLS is configured; a wildcard or empty host
     *         becomes {@code 127.0.0.1}, an IPv6 host is put in brackets, and the port is the bound one
     */
    public String url() {
        return runtime.url();
    }

    /**
     * This gateway's member id in its cluster: random, new at every start, named in {@code via_gateway} of the
     * dispatches it carries and in other gateways' fleet views (see docs/cluster.md). A single gateway has one too.
     *
     * @return the id, for example {@code gw-3f9a1c07d2e4}
     */
    public String memberId() {
        return runtime.cluster().gatewayId();
    }

    /**
     * The effective configuration.
     *
     * @return the validated configuration the gateway was started with
     */
    public GatewayConfig config() {
        return runtime.config();
    }

    /**
     * The subagent runtime: the local agents of {@link Builder#localAgent} and one {@code node.<id>.main} branch per
     * registered node. It serves the same actions as {@code POST /webui/api/subagents_runtime}.
     *
     * @return the runtime of this gateway
     */
    public SubagentRuntime subagents() {
        return runtime.subagents();
    }

    /**
     * The registered nodes, online or offline.
     *
     * @return a snapshot sorted by id, each node with its endpoint {@code token} removed
     */
    public List<NodeInfo> nodes() {
        return runtime.registry().list().stream().map(NodeInfo::redacted).toList();
    }

    /**
     * One registered node.
     *
     * @param id the node id (surrounding blanks are ignored)
     * @return the node with its endpoint {@code token} removed, or empty when no node has this id
     */
    public Optional<NodeInfo> node(String id) {
        return runtime.registry().get(id).map(NodeInfo::redacted);
    }

    /**
     * The P2P transport requests go over first.
     *
     * @return its name ({@code websocket_tunnel}, {@code webrtc}, ...), or empty when P2P is disabled or no P2P
     *         transport was found (HTTP relay only)
     */
    public Optional<String> p2pTransport() {
        return Optional.ofNullable(runtime.p2pTransportName());
    }

    /**
     * Sends {@code request} to node {@code request.node()}. The node must be registered, online and support the
     * action; the response payload gets {@code dispatch_mode}, {@code used_transport} and, after a fallback,
     * {@code fallback_from}. Every dispatch is appended to the dispatch audit.
     *
     * <p>Threads: the future is often completed on the thread that received the node's answer (a socket reader). A
     * thread waiting in {@code get} or {@code join} is woken by it directly. Continuations attached without an
     * executor ({@code thenApply}, {@code whenComplete}, ...) run on the gateway's callback pool
     * ({@code clawgo-callback-N}), never on that reader, even when attached after completion; with
     * {@link Builder#directCallbacks(boolean)} they run on the completing thread instead.
     *
     * @param request the request; its {@code node} and {@code action} are required
     * @param mode    {@link DispatchMode#AUTO} (P2P first, then the relay after a P2P transport failure, as the
     *                {@link DispatchPolicy} allows), {@link DispatchMode#P2P} or {@link DispatchMode#RELAY};
     *                {@code null} means {@link DispatchMode#AUTO}. A mode given as text ({@code "auto"}, ...) is
     *                read with {@link DispatchMode#parse(String)}
     * @param timeout the whole dispatch, fallback included, ends within this
     * @return a future that always completes normally; failures are responses with a code of
     *         {@link io.clawgo.protocol.ErrorCodes} (for example {@code node_not_found}, {@code node_offline},
     *         {@code timeout})
     * @throws NullPointerException when {@code request} or {@code timeout} is {@code null}
     */
    public CompletableFuture<Response> dispatch(Request request, DispatchMode mode, Duration timeout) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(timeout, "timeout");
        return runtime.dispatchForCaller(request, mode == null ? DispatchMode.AUTO : mode, timeout);
    }

    /**
     * What the gateway knows about its fleet, built now: the facts {@code GET /webui/api/nodes} answers (its whole
     * view), typed. Building it walks every node, agent and session of the fleet, not one page: for a single figure,
     * {@link #stats()} and {@link #nodes()} are cheaper.
     *
     * @return a snapshot: the nodes (the gateway itself first, as node {@code local}), agent trees, P2P sessions,
     *         recent dispatches, alerts, counts and, in a cluster, the cluster section
     */
    public GatewayStatus status() {
        return StatusViews.of(runtime.nodesPayload());
    }

    /**
     * Adds an observer, told of every event from now on, on the thread where it happened (see {@link Observer}). May
     * be called at any time, also while the gateway runs; adding the same observer twice keeps one.
     *
     * @param observer the observer
     * @throws NullPointerException when {@code observer} is {@code null}
     */
    public void addObserver(Observer observer) {
        runtime.addProbe(new ObserverBridge(Objects.requireNonNull(observer, "observer")));
    }

    /**
     * Removes an observer added with {@link #addObserver}; it gets no event that starts after this returns (one
     * already being delivered on another thread may still arrive). Nothing happens when it was not added.
     *
     * @param observer the observer
     */
    public void removeObserver(Observer observer) {
        if (observer != null) {
            runtime.removeProbe(new ObserverBridge(observer));
        }
    }

    /**
     * Live counters and sizes of this gateway, read when asked: for gauges of a metrics library.
     *
     * @return a read-only view; each method reads the current value
     */
    public Stats stats() {
        return stats;
    }

    /**
     * Stops the HTTP server, closes every node connection (WebSocket close code 1001), closes the subagent runtime and
     * the transports, and flushes the registry state and audits.
     */
    @Override
    public void close() {
        runtime.close();
    }

    /**
     * Told what happens on a gateway: nodes going online and offline, and every finished dispatch. Every method has an
     * empty default. For metrics, tracing or reacting to nodes in the application that embeds the gateway.
     *
     * <p>Calls come one at a time, in the order things happened, on a thread of the gateway's own
     * ({@code clawgo-gateway-events-N}), never on the threads that serve nodes or callers, so a slow listener does not
     * slow the gateway. Return quickly all the same: at most 10,000 events wait for the listener, and beyond that new
     * ones are dropped, with a WARN a minute that counts them. An exception from a method is logged at WARN and the next
     * event comes as usual. {@link Gateway#close()} waits up to 2 s for the listener to take the events still queued.
     */
    public interface Listener {
        /**
         * A node became online: it registered for the first time, or came back after being offline.
         *
         * @param node the node as the registry holds it now
         */
        default void onNodeOnline(NodeInfo node) {
        }

        /**
         * A node went offline.
         *
         * @param node   the node as the registry holds it now
         * @param reason {@code disconnected} (its control connection closed), {@code ttl} (not heard from within the
         *               node TTL), {@code half_open} (its connection stopped answering pings), {@code moved} (in a
         *               cluster: the node connected to another gateway)
         */
        default void onNodeOffline(NodeInfo node, String reason) {
        }

        /**
         * A node was deleted ({@code POST /webui/api/nodes} {@code delete}) or pruned after the offline retention.
         *
         * @param nodeId its id
         */
        default void onNodeRemoved(String nodeId) {
        }

        /**
         * A node dispatch finished, successfully or not.
         *
         * @param event what was asked, what came back, over which transport, and how long it took
         */
        default void onDispatch(DispatchEvent event) {
        }
    }

    /**
     * Told of what happens on a gateway as it happens, on the thread where it happened: for counters and timers (the
     * {@code io.clawgo:clawgo-micrometer} module binds one), not for work. Every method has an empty default. Add one
     * with {@link Gateway#addObserver} at any time.
     *
     * <p>Calls come on the gateway's own threads (Jetty's, the socket readers, the registry's reaper, the thread that
     * completed a dispatch), concurrently and without ordering between threads: a method must be thread-safe, must not
     * block and must return within microseconds, or it slows the gateway. Use {@link Listener} for anything slower. An
     * exception is logged (at WARN at most once a minute) and the event still reaches the other observers. With no
     * observer added, the gateway builds no event object at all.
     */
    public interface Observer {
        /**
         * A node became online: it registered for the first time, or came back after being offline.
         *
         * @param node the node as the registry holds it now (with its endpoint token: do not expose it)
         */
        default void onNodeOnline(NodeInfo node) {
        }

        /**
         * A node went offline.
         *
         * @param node   the node as the registry holds it now
         * @param reason {@code disconnected}, {@code ttl}, {@code half_open} or {@code moved}, as for
         *               {@link Listener#onNodeOffline}
         */
        default void onNodeOffline(NodeInfo node, String reason) {
        }

        /**
         * A node asked to register ({@code POST /nodes/register} or {@code register} on its control socket; a node
         * agent does both at every connection).
         *
         * @param nodeId  the id it asked for, trimmed (unchecked when refused)
         * @param outcome {@code ok} when stored, else the refusal's code: {@code invalid_request}, {@code forbidden},
         *                {@code rate_limited} or {@code too_many_nodes}
         */
        default void onRegistration(String nodeId, String outcome) {
        }

        /**
         * A node dispatch finished, successfully or not (the same dispatches as {@link Listener#onDispatch}).
         *
         * @param event what was asked, what came back, over which transport, and how long it took
         */
        default void onDispatch(DispatchEvent event) {
        }

        /**
         * An HTTP request to the gateway was answered: REST, web UI, {@code /metrics}, and the node WebSocket upgrade
         * ({@code /nodes/connect}, status 101 when it succeeded).
         *
         * @param route         the route: a path the gateway serves by name ({@code /webui/api/nodes},
         *                      {@code /nodes/register}, {@code /health}, ...), {@code /webui/api/other} and
         *                      {@code /nodes/other} for other paths under those, {@code static} for everything else (the
         *                      web UI's files, unknown paths), so a client cannot make up new values
         * @param method        {@code GET}, {@code POST}, {@code HEAD}, {@code PUT}, {@code DELETE}, {@code OPTIONS}
         *                      or {@code other}
         * @param status        the HTTP status of the answer
         * @param durationNanos from the request reaching the gateway until its answer completed
         */
        default void onHttpRequest(String route, String method, int status, long durationNanos) {
        }
    }

    /**
     * Live counters and sizes of a gateway, read when asked (each call reads the current value; none blocks on I/O):
     * what a metrics library polls for its gauges. Read-only.
     */
    public interface Stats {
        /**
         * Nodes online now.
         *
         * @return the count (counted over the registry: O(nodes))
         */
        int nodesOnline();

        /**
         * Nodes registered, online and offline.
         *
         * @return the count
         */
        int nodesTotal();

        /**
         * Requests handed to each transport and not answered yet, in the order the router tries them ({@code auto}),
         * the HTTP relay last. A dispatch that falls back counts on one transport at a time.
         *
         * @return transport name to requests in flight; every transport of this gateway is a key, with 0 when idle
         */
        Map<String, Integer> inFlight();

        /**
         * Node control sockets the gateway closed (code 4004) because their send queue was full: nodes that did not
         * read their socket.
         *
         * @return the count since the gateway started
         */
        long controlSendQueueOverflows();

        /**
         * Lines of the dispatch and task audits waiting to be written (they wait at most 50 ms).
         *
         * @return the count now
         */
        int auditQueueDepth();

        /**
         * Audit lines (dispatch, task and node audits) that could not be written to their file: every line of a batch
         * whose write failed. The web UI's recent lists still have them.
         *
         * @return the count since the gateway started
         */
        long auditDropped();

        /**
         * The sessions of the P2P transport requests go over first, as the {@code p2p} section of
         * {@code GET /webui/api/nodes} shows them: state, retries, {@code last_attempt} and {@code last_ready_at} of
         * each node's session.
         *
         * @return the transport's status; one with no sessions and an empty name when P2P is off
         */
        TransportStatus p2pSessions();
    }

    /** {@link Stats} read from the runtime. */
    private record RuntimeStats(GatewayRuntime runtime) implements Stats {
        @Override
        public int nodesOnline() {
            return runtime.nodesOnline();
        }

        @Override
        public int nodesTotal() {
            return runtime.nodesTotal();
        }

        @Override
        public Map<String, Integer> inFlight() {
            return runtime.inFlight();
        }

        @Override
        public long controlSendQueueOverflows() {
            return runtime.controlSendQueueOverflows();
        }

        @Override
        public int auditQueueDepth() {
            return runtime.auditPending();
        }

        @Override
        public long auditDropped() {
            return runtime.auditDropped();
        }

        @Override
        public TransportStatus p2pSessions() {
            return runtime.p2pStatus();
        }
    }

    /** An {@link Observer} behind the runtime's probes; equal when it bridges the same observer. */
    private record ObserverBridge(Observer observer) implements GatewayProbe {
        @Override
        public void onOnline(NodeInfo n) {
            observer.onNodeOnline(n);
        }

        @Override
        public void onOffline(NodeInfo n, String reason) {
            observer.onNodeOffline(n, reason);
        }

        @Override
        public void onRegistration(String id, String outcome) {
            observer.onRegistration(id, outcome);
        }

        @Override
        public void onDispatch(Request request, DispatchMode mode, Response response, Instant startedAt,
                               long durationNanos) {
            observer.onDispatch(new DispatchEvent(request, mode, response, startedAt,
                    Duration.ofNanos(durationNanos)));
        }

        @Override
        public void onHttpRequest(String route, String method, int status, long durationNanos) {
            observer.onHttpRequest(route, method, status, durationNanos);
        }

        @Override
        public String toString() {
            return observer.getClass().getName();
        }
    }

    /** The application's {@link Listener} behind the runtime's internal events. */
    private record ListenerBridge(Listener listener) implements GatewayEvents {
        @Override
        public void onOnline(NodeInfo n) {
            listener.onNodeOnline(n);
        }

        @Override
        public void onOffline(NodeInfo n, String reason) {
            listener.onNodeOffline(n, reason);
        }

        @Override
        public void onRemoved(String id) {
            listener.onNodeRemoved(id);
        }

        @Override
        public void onDispatch(Request request, DispatchMode mode, Response response, Instant startedAt,
                               long durationNanos) {
            listener.onDispatch(new DispatchEvent(request, mode, response, startedAt,
                    Duration.ofNanos(durationNanos)));
        }
    }

    /**
     * Configures a {@link Gateway}: {@link #build()} makes it (not started), {@link #start()} makes and starts it.
     * Values are checked by {@link #build()}, except where a method says otherwise. Not thread-safe.
     */
    public static final class Builder {
        private GatewayConfig config = GatewayConfig.defaults();
        private final List<DefaultSubagentRuntime.LocalAgent> agents = new ArrayList<>();
        private ClassLoader classLoader = Gateway.class.getClassLoader();
        private Listener listener;
        private Supplier<String> metricsText;
        private ThreadFactory threadFactory;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /**
         * Replaces the whole configuration (for example one from {@link GatewayConfig#load(Path)}); options set
         * before are discarded, options set after apply on top of it.
         *
         * @param c the configuration
         * @return this builder
         * @throws NullPointerException when {@code c} is {@code null}
         */
        public Builder config(GatewayConfig c) {
            this.config = Objects.requireNonNull(c, "config");
            return this;
        }

        /**
         * Sets the listen address ({@code gateway.host}).
         *
         * @param host a host name or IP address; {@code null} or blank means the default {@code 127.0.0.1} (loopback
         *             only). Without a token the gateway refuses to start on any other address unless
         *             {@link #allowUnauthenticated(boolean)} is set
         * @return this builder
         */
        public Builder host(String host) {
            config = config.withHost(host);
            return this;
        }

        /**
         * Sets the listen port ({@code gateway.port}).
         *
         * @param port 0..65535 (default 18790); 0 picks a free port, see {@link Gateway#port()}
         * @return this builder
         */
        public Builder port(int port) {
            config = config.withPort(port);
            return this;
        }

        /**
         * Sets the bearer token of every API route and the node WebSocket ({@code gateway.token}).
         *
         * @param token the token (trimmed); {@code null} or empty means none (the default): without per-node tokens
         *              either, every route is open, which {@link #build()} allows only on a loopback host or with
         *              {@link #allowUnauthenticated(boolean)}
         * @return this builder
         */
        public Builder token(String token) {
            config = config.withToken(token);
            return this;
        }

        /**
         * Sets where the registry state and the audit files are kept ({@code gateway.data_dir}).
         *
         * @param dir the directory; {@code null} means the default {@code clawgo-data} in the working directory
         * @return this builder
         */
        public Builder dataDir(Path dir) {
            config = config.withDataDir(dir);
            return this;
        }

        /**
         * Sets the node TTL ({@code gateway.node_ttl_sec}): a node is online while heard from within this.
         *
         * @param ttl a positive duration; {@code null} means the default 60 s
         * @return this builder
         */
        public Builder nodeTtl(Duration ttl) {
            config = config.withNodeTtl(ttl);
            return this;
        }

        /**
         * Enables P2P and selects its transport by name ({@code gateway.nodes.p2p.transport}). {@link #start()} fails
         * when the named transport is not on the class path or not available.
         *
         * @param name {@code websocket_tunnel}, {@code webrtc} or another provider's name (trimmed, lower-cased);
         *             {@code null} or empty picks the available P2P provider with the highest priority
         * @return this builder
         */
        public Builder transport(String name) {
            config = config.withP2p(config.p2p().withTransport(name).withEnabled(true));
            return this;
        }

        /**
         * Runs the continuations attached without an executor to {@link #dispatch} futures on the thread that
         * completed them (often the socket reader that received the node's answer) instead of the gateway's callback
         * pool ({@code gateway.nodes.p2p.direct_callbacks}). Saves a thread hand-off per request for callers that
         * chain instead of waiting; those continuations must then be quick and never block, or they stall that
         * node's connection. Callers that wait in {@code get} or {@code join} gain nothing: they are woken directly
         * either way.
         *
         * @param on {@code true} for direct callbacks (default {@code false})
         * @return this builder
         */
        public Builder directCallbacks(boolean on) {
            config = config.withP2p(config.p2p().withDirectCallbacks(on));
            return this;
        }

        /**
         * Replaces the whole {@code gateway.nodes.p2p} section.
         *
         * @param p2p the section; {@code null} means {@link P2pConfig#defaults()}
         * @return this builder
         */
        public Builder p2p(P2pConfig p2p) {
            config = config.withP2p(p2p);
            return this;
        }

        /**
         * Sets the {@code auto}-mode policy ({@code gateway.nodes.dispatch}).
         *
         * @param policy the policy; {@code null} means {@link DispatchPolicy#DEFAULT} (prefer P2P, fall back to the
         *               relay)
         * @return this builder
         */
        public Builder dispatchPolicy(DispatchPolicy policy) {
            config = config.withDispatch(policy);
            return this;
        }

        /**
         * Serves {@code https://} and {@code wss://} with the key store's key and certificate ({@code gateway.tls}).
         *
         * @param tls the key store; {@code null} (the default) serves plain {@code http://}
         * @return this builder
         */
        public Builder tls(ServerTls tls) {
            config = config.withTls(tls);
            return this;
        }

        /**
         * Sets the per-node tokens ({@code gateway.nodes.tokens}): a node presenting its own token may register,
         * heartbeat and connect as that node only, and use no other route.
         *
         * @param tokens node id to token; each token at least 8 characters and different from the gateway token;
         *               {@code null} means none
         * @return this builder
         */
        public Builder nodeTokens(Map<String, String> tokens) {
            config = config.withNodeTokens(tokens);
            return this;
        }

        /**
         * Sets the largest WebSocket frame, HTTP body and relayed response ({@code gateway.max_message_bytes}).
         *
         * @param bytes the limit in bytes, 4096 to 64 MiB; 0 or less means the default 8 MiB
         * @return this builder
         */
        public Builder maxMessageBytes(int bytes) {
            config = config.withMaxMessageBytes(bytes);
            return this;
        }

        /**
         * Sets the most nodes the gateway holds ({@code gateway.max_nodes}), online and offline alike: a registration
         * of a new node id beyond it is refused with {@code too_many_nodes} (HTTP 503 of {@code /nodes/register}, an
         * error ack on the control socket); known ids always register again. Offline nodes count until the offline
         * retention prunes them or they are deleted.
         *
         * @param max the limit, positive; 0 means the default 50,000
         * @return this builder
         */
        public Builder maxNodes(int max) {
            config = config.withMaxNodes(max);
            return this;
        }

        /**
         * Sets how often the gateway pings each node's control WebSocket ({@code gateway.control_ping_sec}). A socket
         * from which nothing was heard, no frame and no pong, for two intervals is half-open: it is closed with code
         * 4005 and its node goes offline (reason {@code half_open}), long before the node TTL.
         *
         * @param interval at least 100 ms, or {@link Duration#ZERO} to turn the pings off; {@code null} means the
         *                 default 10 s
         * @return this builder
         */
        public Builder controlPingInterval(Duration interval) {
            config = config.withControlPingInterval(interval);
            return this;
        }

        /**
         * Sets who may reach the gateway over HTTP and WebSocket, and how much of it they may hold.
         *
         * @param policy the policy; {@code null} means {@link AccessPolicy#defaults()}
         * @return this builder
         */
        public Builder access(AccessPolicy policy) {
            config = config.toBuilder().access(policy).build();
            return this;
        }

        /**
         * Lets the gateway run without a token on an address other than loopback ({@code gateway.auth: "none"};
         * {@link AccessPolicy.Builder#allowUnauthenticated(boolean)}). Without a gateway token, and without this,
         * {@link #build()} refuses any host but loopback: anyone who reaches the port could register nodes and
         * dispatch to them. Per-node tokens alone do not count as a token (the REST API stays open).
         *
         * @param allow {@code true} to allow it (default {@code false})
         * @return this builder
         */
        public Builder allowUnauthenticated(boolean allow) {
            config = config.toBuilder().access(config.access().toBuilder().allowUnauthenticated(allow).build()).build();
            return this;
        }

        /**
         * Sets what a registered node may make the gateway do on its behalf.
         *
         * @param policy the policy; {@code null} means {@link NodePolicy#defaults()}
         * @return this builder
         */
        public Builder nodePolicy(NodePolicy policy) {
            config = config.toBuilder().nodePolicy(policy).build();
            return this;
        }

        /**
         * Makes this gateway one of several that share a fleet ({@code gateway.cluster}): nodes connect to any of them
         * and a dispatch made at any of them reaches the node (see docs/cluster.md). The provider is found with
         * {@link java.util.ServiceLoader}: {@code nats} needs {@code io.clawgo:clawgo-cluster-nats} on the class path.
         *
         * @param cluster the settings; {@code null} means {@link ClusterConfig#defaults()} (one gateway)
         * @return this builder
         */
        public Builder cluster(ClusterConfig cluster) {
            config = config.toBuilder().cluster(cluster).build();
            return this;
        }

        /**
         * Adds a local agent that {@code spawn} and {@code dispatch_and_wait} can address by {@code id}. Adding an id
         * twice keeps the last handler.
         *
         * @param id          1..64 characters of {@code A-Z a-z 0-9 _ -}, not {@code main}
         * @param displayName human name; {@code null} means the id
         * @param handler     runs the agent's tasks
         * @return this builder
         * @throws IllegalArgumentException when {@code id} breaks the rule above (checked at once)
         * @throws NullPointerException     when {@code handler} is {@code null}
         */
        public Builder localAgent(String id, String displayName, AgentHandler handler) {
            Objects.requireNonNull(handler, "handler");
            if (id == null || !id.matches("[A-Za-z0-9_-]{1,64}") || id.equals("main")) {
                throw new IllegalArgumentException("local agent id must be 1..64 of A-Z a-z 0-9 _ - and not 'main'");
            }
            agents.add(new DefaultSubagentRuntime.LocalAgent(id, displayName == null ? id : displayName, handler));
            return this;
        }

        /**
         * Sets where transport providers are looked up with {@link java.util.ServiceLoader}.
         *
         * @param loader the class loader (default: the one that loaded this library)
         * @return this builder
         * @throws NullPointerException when {@code loader} is {@code null}
         */
        public Builder classLoader(ClassLoader loader) {
            this.classLoader = Objects.requireNonNull(loader, "classLoader");
            return this;
        }

        /**
         * Sets the listener told of nodes going online and offline and of every finished dispatch (see
         * {@link Listener} for the thread it is called on).
         *
         * @param l the listener; {@code null} for none (the default)
         * @return this builder
         */
        public Builder listener(Listener l) {
            this.listener = l;
            return this;
        }

        /**
         * Serves {@code GET /metrics} with this text and turns {@code gateway.metrics.enabled} on (the route needs the
         * gateway token unless {@code gateway.metrics.public}; see {@link GatewayConfig#metrics()}). Core only serves
         * the text: it comes from a metrics library, for example a Prometheus registry bound with
         * {@code io.clawgo:clawgo-micrometer}:
         * <pre>{@code
         * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
         * Gateway gw = Gateway.builder().token(token).metricsText(registry::scrape).start();
         * ClawgoMetrics.bind(gw, registry);
         * }</pre>
         *
         * @param text called on a Jetty thread for every {@code GET /metrics}; returns the page in the Prometheus text
         *             exposition format 0.0.4 (served as {@code text/plain; version=0.0.4}); an exception answers 500.
         *             {@code null} removes it (and a configuration with metrics enabled then fails to start)
         * @return this builder
         */
        public Builder metricsText(Supplier<String> text) {
            this.metricsText = text;
            if (text != null && !config.metrics().enabled()) {
                config = config.toBuilder().metrics(new MetricsConfig(true, config.metrics().open())).build();
            }
            return this;
        }

        /**
         * Makes the threads of every pool the gateway starts, instead of the library's daemon threads named
         * {@code clawgo-*}: for thread names, priorities, context class loaders or accounting of the application's
         * own. The gateway starts these pools (default names, sizes):
         * <ol>
         * <li>{@code clawgo-http-N}: Jetty's request threads, 8 to 200; with a factory, Jetty's scheduler (1 thread,
         *     idle timeouts) too, else Jetty's own {@code Scheduler-N};</li>
         * <li>{@code clawgo-gateway-timer-N}: timers of requests, retries, pings and event streams, 2;</li>
         * <li>{@code clawgo-registry-reaper}: node TTL and state file writes, 1;</li>
         * <li>{@code clawgo-audit}: writes the dispatch and task audits, 1;</li>
         * <li>{@code clawgo-callback-N}: continuations of {@link Gateway#dispatch} futures, 2 to 8 (none with
         *     {@link #directCallbacks(boolean)});</li>
         * <li>{@code clawgo-fallback-N}: the next attempt after a P2P transport failure, up to 2;</li>
         * <li>{@code clawgo-gateway-events-N}: calls the {@link #listener(Listener)}, 1 (only with a listener);</li>
         * <li>{@code clawgo-agent-N}: runs {@link #localAgent local agents}' tasks, one per running task;</li>
         * <li>{@code clawgo-relay-N}: the HTTP relay's calls to node endpoints, one per call in flight.</li>
         * </ol>
         * Transports from other artifacts make their threads with it when they support it
         * ({@link io.clawgo.spi.GatewayContext#threadFactory()}); libraries' own threads (OkHttp's {@code TaskRunner},
         * native ones) are theirs. The pools are shut down by {@link Gateway#close()} either way.
         *
         * <p>The factory is called from the gateway's threads whenever a pool grows (pools shrink after 30 to 60 s
         * idle and grow again later), so it must be thread-safe and return a new, unstarted platform thread each
         * time. The threads it makes keep its name, daemon flag and uncaught exception handler: a non-daemon thread
         * keeps the JVM alive until the gateway is closed.
         *
         * @param factory the factory; {@code null} means the library's (the default)
         * @return this builder
         */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = factory;
            return this;
        }

        /**
         * Sets the clock of the wall-clock times the gateway records: a node's {@code registered_at} and
         * {@code last_seen_at} (and so the node TTL and offline retention, measured from them), node audit lines,
         * dispatch records and {@link DispatchEvent#startedAt()}, subagent task records, and the per-minute counts of
         * the web UI's charts. Timeouts, latencies and retry delays are measured with {@link System#nanoTime()}
         * whatever the clock. For tests: note that with a clock that does not move, no node ever misses its TTL.
         *
         * @param clock the clock (default {@link Clock#systemUTC()})
         * @return this builder
         * @throws NullPointerException when {@code clock} is {@code null}
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Validates the configuration and makes the gateway, not started: nothing is bound, no thread runs and no file
         * is opened until {@link Gateway#start()}. The builder may be used again afterwards.
         *
         * @return the gateway; {@link Gateway#start() start} it, and {@link Gateway#close() close} it when done
         * @throws ConfigException for invalid configuration (the message names the field), or no gateway token on a
         *                         host other than loopback without {@link #allowUnauthenticated(boolean)} (the
         *                         message says how to fix it)
         */
        public Gateway build() {
            return new Gateway(new GatewayRuntime(config, agents, classLoader,
                    listener == null ? null : new ListenerBridge(listener), metricsText, threadFactory, clock));
        }

        /**
         * Makes the gateway and starts it: {@link #build()}, then {@link Gateway#start()}. On failure, whatever was
         * already started is released.
         *
         * @return the running gateway; close it when done
         * @throws ConfigException for invalid configuration (the message names the field), a transport that is
         *                         missing or unavailable (the message lists the names found), or no gateway token on
         *                         a host other than loopback without {@link #allowUnauthenticated(boolean)} (the
         *                         message says how to fix it)
         * @throws ClawgoException with code {@code bind_failed} when the address cannot be bound (for example, the
         *                         port is taken), or {@code start_failed} for any other start failure
         */
        public Gateway start() {
            Gateway gateway = build();
            gateway.start();
            return gateway;
        }
    }
}
