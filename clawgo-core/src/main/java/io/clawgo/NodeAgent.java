package io.clawgo;

import io.clawgo.config.ClientTls;
import io.clawgo.internal.node.GatewayHttpException;
import io.clawgo.internal.node.NodeEvents;
import io.clawgo.internal.node.NodeProbe;
import io.clawgo.internal.node.NodeRuntime;
import io.clawgo.internal.node.NodeSettings;
import io.clawgo.internal.transport.TransportCatalog;
import io.clawgo.protocol.AgentInfo;
import io.clawgo.protocol.Capabilities;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.RequestHandler;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireCodec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;

/**
 * The node role: registers with a gateway, keeps its control WebSocket open with heartbeats, reconnects with jittered
 * exponential backoff, and executes the requests it receives, either with an in-process {@link RequestHandler} or by
 * forwarding them to its local HTTP endpoint.
 *
 * <pre>{@code
 * NodeAgent node = NodeAgent.builder()
 *         .gateway("http://127.0.0.1:18790").token("secret")
 *         .id("edge-1").actions(List.of("run", "agent_task"))
 *         .handler(req -> Response.ok(Map.of("result", "done")))
 *         .start();                              // build() then start(); non-blocking
 * node.awaitConnected(Duration.ofSeconds(10));
 * ...
 * node.close();
 * }</pre>
 *
 * <p>The entry points are built one way: {@code builder()}, options, then {@link Builder#build()} for an unstarted
 * agent (to add observers or bind metrics before it connects, then {@link #start()}), or {@link Builder#start()} as
 * the shortcut for both. {@code Gateway.builder()} works the same way.
 *
 * <p>What a node runs on can be supplied: {@link Builder#httpClient(OkHttpClient)} (a client to derive the node's
 * HTTP client from), {@link Builder#threadFactory(ThreadFactory)} (the threads of its pools) and
 * {@link Builder#clock(Clock)} (the wall clock of the timestamps it records).
 *
 * <p>Requests arrive through the node transports on the class path (for example {@code io.clawgo:clawgo-transport-ws});
 * without one, a tunnelled request is answered {@code p2p_unavailable} and the gateway may use its HTTP relay to the
 * endpoint instead. Thread-safe; {@link #close()} is idempotent.
 */
public final class NodeAgent implements AutoCloseable {

    /** The version a node reports when none is configured and the jar has no Implementation-Version. */
    public static final String DEFAULT_VERSION = "0.1.0";

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private final NodeRuntime runtime;
    private final Stats stats;

    private NodeAgent(NodeSettings settings, Listener listener, NodeRuntime.Options options) {
        this.runtime = new NodeRuntime(settings, new ListenerAdapter(listener), providerLoader(), options);
        this.stats = new RuntimeStats(runtime);
    }

    /** Where transport providers are looked for: the thread's context class loader, else this library's. */
    private static ClassLoader providerLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : NodeAgent.class.getClassLoader();
    }

    /**
     * Starts configuring a node.
     *
     * @return a new builder with every default
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Creates the node side of every available transport provider, then starts the connection loop on a daemon
     * thread named {@code clawgo-node-<id>} and returns at once. The loop registers over HTTP, opens the control
     * WebSocket, sends heartbeats and reconnects until {@link #close()}. Idempotent.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public void start() {
        runtime.start();
    }

    /**
     * Registers once with {@code POST /nodes/register} and returns (for CLIs that do not keep a connection). Needs
     * no {@link #start()}; the deadline of the call is 20 s.
     *
     * @throws ClawgoException       with a message like {@code "http 401: unauthorized"} when the gateway refuses, or
     *                               code {@code transport_error} / {@code timeout} when it cannot be reached
     * @throws IllegalStateException after {@link #close()}
     */
    public void registerOnce() {
        try {
            runtime.registerOnce();
        } catch (GatewayHttpException e) {
            throw new ClawgoException(e.code(), e.getMessage(), e);
        }
    }

    /**
     * Waits until the node is connected and registered. An interruption returns {@code false} with the thread's
     * interrupt flag set.
     *
     * @param timeout how long to wait at most
     * @return {@code true} when connected; {@code false} on timeout, close or interruption
     */
    public boolean awaitConnected(Duration timeout) {
        try {
            return runtime.awaitConnected(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Whether the control socket is open and registered now.
     *
     * @return {@code true} while connected and registered (after the {@link Listener#onConnected()} callbacks ran)
     */
    public boolean isConnected() {
        return runtime.isConnected();
    }

    /**
     * What this node registers.
     *
     * @return the node info built by {@link Builder#build()}, including its endpoint token
     */
    public NodeInfo info() {
        return runtime.info();
    }

    /**
     * The P2P transports this node runs: every one found and available here, or those named with
     * {@link Builder#transports(List)}. Empty before {@link #start()}.
     *
     * @return transport names, for example {@code [websocket_tunnel, webrtc]}
     */
    public List<String> transports() {
        return runtime.transports().stream().map(t -> t.name()).toList();
    }

    /**
     * The gateway base URL the node is connected to, or tries next.
     *
     * @return the normalised URL: scheme lower-cased, host, port and path prefix kept, no trailing slash; with
     *         several gateways ({@link Builder#gateways(List)}), the one in use now
     */
    public String gatewayUrl() {
        return runtime.gatewayUrl();
    }

    /**
     * Stops the loop, closes the socket with code 1000, closes the node transports, fails pending requests with
     * {@code transport_error} and shuts the executors down; every wait of core is bounded (about 3 s in all at most).
     * Idempotent.
     */
    @Override
    public void close() {
        runtime.close();
    }

    @Override
    public String toString() {
        return "NodeAgent[" + info().id() + " -> " + gatewayUrl() + "]";
    }

    /**
     * Adds an observer, told of every request this node runs from now on, on the thread that completed it (see
     * {@link Observer}). May be called at any time; adding the same observer twice keeps one.
     *
     * @param observer the observer
     * @throws NullPointerException when {@code observer} is {@code null}
     */
    public void addObserver(Observer observer) {
        runtime.addProbe(new ObserverBridge(Objects.requireNonNull(observer, "observer")));
    }

    /**
     * Removes an observer added with {@link #addObserver}. Nothing happens when it was not added.
     *
     * @param observer the observer
     */
    public void removeObserver(Observer observer) {
        if (observer != null) {
            runtime.removeProbe(new ObserverBridge(observer));
        }
    }

    /**
     * Live counters of this node, read when asked: for gauges of a metrics library.
     *
     * @return a read-only view; each method reads the current value
     */
    public Stats stats() {
        return stats;
    }

    /**
     * Told of every request the node ran, on the thread that completed it (an executor thread, the deadline sweep, or
     * the thread that received the request when it was refused at once): for counters and timers, not for work. It
     * must be thread-safe, must not block and must return within microseconds. An exception is logged at debug. With
     * no observer added, the node builds nothing for it.
     */
    public interface Observer {
        /**
         * The node answered a request that reached it over a transport (the tunnel, webrtc, ...; requests the gateway
         * relays to the endpoint over HTTP do not pass the node agent).
         *
         * @param request       the request
         * @param response      the answer: {@code ok}, or a failure with its code ({@code node_busy} when the
         *                      executor and its queue were full, {@code timeout}, {@code remote_error}, ...)
         * @param durationNanos from receiving the request until the answer
         */
        default void onRequest(Request request, Response response, long durationNanos) {
        }
    }

    /** Live counters of a node agent, read when asked (none blocks). Read-only. */
    public interface Stats {
        /**
         * Requests waiting in the executor's queue ({@link Builder#maxQueuedRequests} at most).
         *
         * @return the count now
         */
        int queuedRequests();

        /**
         * Requests running now ({@link Builder#maxConcurrentRequests} at most).
         *
         * @return the count now (approximate while requests start and end)
         */
        int runningRequests();

        /**
         * Requests refused with {@code node_busy} because every executor thread was busy and the queue full.
         *
         * @return the count since the agent was built
         */
        long rejectedRequests();

        /**
         * Connections after the first: each time the node connected and registered again after losing its
         * connection (to the same gateway or another one).
         *
         * @return the count since {@link #start()}
         */
        long reconnects();

        /**
         * Time spent connected and registered, the current connection included.
         *
         * @return the total since {@link #start()}
         */
        Duration connectedTime();

        /**
         * When the current connection registered, by the agent's clock ({@link Builder#clock(Clock)}). A default
         * method so that implementations written before it keep compiling; the agent's own stats implement it.
         *
         * @return the instant, or empty while the agent is not connected and registered
         */
        default Optional<Instant> connectedSince() {
            return Optional.empty();
        }
    }

    /** {@link Stats} read from the runtime. */
    private record RuntimeStats(NodeRuntime runtime) implements Stats {
        @Override
        public int queuedRequests() {
            return runtime.queuedRequests();
        }

        @Override
        public int runningRequests() {
            return runtime.runningRequests();
        }

        @Override
        public long rejectedRequests() {
            return runtime.rejectedRequests();
        }

        @Override
        public long reconnects() {
            return runtime.reconnects();
        }

        @Override
        public Duration connectedTime() {
            return runtime.connectedTime();
        }

        @Override
        public Optional<Instant> connectedSince() {
            return Optional.ofNullable(runtime.connectedSince());
        }
    }

    /** An {@link Observer} behind the runtime's probes; equal when it bridges the same observer. */
    private record ObserverBridge(Observer observer) implements NodeProbe {
        @Override
        public void onRequest(Request request, Response response, long durationNanos) {
            observer.onRequest(request, response, durationNanos);
        }

        @Override
        public String toString() {
            return observer.getClass().getName();
        }
    }

    /** Lifecycle callbacks, called on the node's connection thread: do not block in them. */
    public interface Listener {
        /** Connected and registered (after every reconnect too). */
        default void onConnected() {
        }

        /**
         * A registered connection ended; the agent reconnects unless it is closing.
         *
         * @param reason human text, for example {@code "node closed"} when the agent is closing
         */
        default void onDisconnected(String reason) {
        }

        /**
         * The gateway refused the registration, over HTTP or on the control socket; the agent retries (after a 401,
         * with the largest backoff delay).
         *
         * @param error human text, for example {@code "http 401: unauthorized"}
         */
        default void onRegistrationFailed(String error) {
        }
    }

    private record ListenerAdapter(Listener listener) implements NodeEvents {
        @Override
        public void onConnected() {
            listener.onConnected();
        }

        @Override
        public void onDisconnected(String reason) {
            listener.onDisconnected(reason);
        }

        @Override
        public void onRegistrationFailed(String error) {
            listener.onRegistrationFailed(error);
        }
    }

    /** Builder of {@link NodeAgent}; {@link #build()} validates and freezes the configuration. */
    public static final class Builder {
        private List<String> gateways = List.of();
        private String token;
        private String id;
        private String name;
        private String endpoint;
        private String nodeToken;
        private List<String> actions = List.of();
        private List<String> models = List.of();
        private List<String> tags = List.of();
        private Capabilities capabilities = Capabilities.DEFAULT;
        private List<AgentInfo> agents = List.of();
        private String os;
        private String arch;
        private String version;
        private Duration heartbeatInterval = NodeSettings.DEFAULT_HEARTBEAT;
        private RequestHandler handler;
        private int maxConcurrentRequests = NodeSettings.DEFAULT_MAX_CONCURRENT;
        private int maxQueuedRequests = NodeSettings.DEFAULT_MAX_QUEUED;
        private Duration requestTimeout = NodeSettings.DEFAULT_REQUEST_TIMEOUT;
        private int maxMessageBytes = WireCodec.DEFAULT_MAX_BYTES;
        private Duration backoffMin = NodeSettings.DEFAULT_BACKOFF_MIN;
        private Duration backoffMax = NodeSettings.DEFAULT_BACKOFF_MAX;
        private boolean directHandler;
        private List<String> transports;
        private ClientTls tls;
        private OkHttpClient httpClient;
        private ThreadFactory threadFactory;
        private Clock clock;
        private Listener listener = new Listener() {
        };

        private Builder() {
        }

        /**
         * Sets the gateway. Required.
         *
         * @param url {@code http://} or {@code https://} base URL without credentials, query or fragment; a path
         *            prefix is kept, trailing slashes are dropped
         * @return this builder
         */
        public Builder gateway(String url) { this.gateways = java.util.Collections.singletonList(url); return this; }

        /**
         * Sets several gateways of one cluster (docs/cluster.md): the node connects to the first, and after a failed
         * attempt or a lost connection it tries the next one of the list (then the first again), with the usual
         * jittered backoff between attempts. Replaces {@link #gateway(String)}.
         *
         * @param urls one or more base URLs, each as for {@link #gateway(String)}
         * @return this builder
         * @throws NullPointerException when {@code urls} is {@code null}
         */
        public Builder gateways(List<String> urls) {
            this.gateways = new ArrayList<>(Objects.requireNonNull(urls, "urls"));
            return this;
        }

        /**
         * Sets the token presented to the gateway (sent as {@code Authorization: Bearer}, never in a URL).
         *
         * @param v the gateway token or this node's own token of {@code gateway.nodes.tokens}; {@code null} or blank
         *          for none (the default)
         * @return this builder
         */
        public Builder token(String v) { this.token = v; return this; }

        /**
         * Sets the node id. Required.
         *
         * @param v 1..128 characters of {@code [A-Za-z0-9._:-]} (trimmed)
         * @return this builder
         */
        public Builder id(String v) { this.id = v; return this; }

        /**
         * Sets the display name.
         *
         * @param v the name (trimmed); {@code null} or blank means the id
         * @return this builder
         */
        public Builder name(String v) { this.name = v; return this; }

        /**
         * Sets this node's local HTTP endpoint: without a {@link #handler(RequestHandler)}, the node forwards requests
         * there, and the gateway's HTTP relay posts to it.
         *
         * @param v {@code http://} or {@code https://} base URL without credentials, query or fragment; {@code null} or
         *          blank for none (the default)
         * @return this builder
         */
        public Builder endpoint(String v) { this.endpoint = v; return this; }

        /**
         * Sets the endpoint's token: registered as {@code NodeInfo.token}, and sent as {@code Authorization: Bearer}
         * by the gateway's relay and by the node when they call the endpoint.
         *
         * @param v the token; {@code null} or blank for none (the default)
         * @return this builder
         */
        public Builder nodeToken(String v) { this.nodeToken = v; return this; }

        /**
         * Sets the actions this node accepts; with none, every action its capabilities cover is accepted.
         *
         * @param v action names (trimmed, blanks dropped, duplicates removed); {@code null} means none
         * @return this builder
         */
        public Builder actions(List<String> v) { this.actions = v; return this; }

        /**
         * Sets the models this node offers (informational).
         *
         * @param v model names (trimmed, blanks dropped, duplicates removed); {@code null} means none
         * @return this builder
         */
        public Builder models(List<String> v) { this.models = v; return this; }

        /**
         * Sets free-form tags (informational).
         *
         * @param v tags (trimmed, blanks dropped, duplicates removed); {@code null} means none
         * @return this builder
         */
        public Builder tags(List<String> v) { this.tags = v; return this; }

        /**
         * Sets what this node can do.
         *
         * @param v the capabilities; default {@link Capabilities#DEFAULT} ({@code run, invoke, model}); {@code null}
         *          makes {@link #build()} throw {@link NullPointerException}
         * @return this builder
         */
        public Builder capabilities(Capabilities v) { this.capabilities = v; return this; }

        /**
         * Sets the agents this node exposes; each becomes a {@code node.<id>.<agent>} branch of the gateway's subagent
         * registry.
         *
         * @param v the agents; {@code null} means none
         * @return this builder
         */
        public Builder agents(List<AgentInfo> v) { this.agents = v; return this; }

        /**
         * Sets the reported operating system.
         *
         * @param v the name (trimmed); {@code null} or blank means the JVM's OS in Go style ({@code linux},
         *          {@code darwin}, {@code windows})
         * @return this builder
         */
        public Builder os(String v) { this.os = v; return this; }

        /**
         * Sets the reported architecture.
         *
         * @param v the name (trimmed); {@code null} or blank means the JVM's architecture in Go style ({@code amd64},
         *          {@code arm64}, {@code 386})
         * @return this builder
         */
        public Builder arch(String v) { this.arch = v; return this; }

        /**
         * Sets the reported version.
         *
         * @param v the version (trimmed); {@code null} or blank means the jar's Implementation-Version, else
         *          {@link #DEFAULT_VERSION}
         * @return this builder
         */
        public Builder version(String v) { this.version = v; return this; }

        /**
         * Sets the time between heartbeats; keep it well under the gateway's node TTL.
         *
         * @param v 1 s..3600 s; default 10 s
         * @return this builder
         */
        public Builder heartbeatInterval(Duration v) { this.heartbeatInterval = v; return this; }

        /**
         * Sets an in-process request handler; without one, requests are forwarded to {@link #endpoint(String)}.
         *
         * @param v the handler, or {@code null} (the default) to forward
         * @return this builder
         */
        public Builder handler(RequestHandler v) { this.handler = v; return this; }

        /**
         * Runs the in-process {@link #handler(RequestHandler) handler} directly on the thread that received the
         * request (the control socket's reader, or a transport's receive thread) instead of the request pool: one
         * thread hand-off less per request. For quick handlers that never block: while one runs, that connection
         * reads nothing else (other requests, heartbeat acks), and the request timeout cannot interrupt it. Needs a
         * handler (forwarding to an endpoint blocks on HTTP); {@code maxConcurrentRequests} and
         * {@code maxQueuedRequests} then do not apply.
         *
         * @param v {@code true} for direct handling (default {@code false})
         * @return this builder
         */
        public Builder directHandler(boolean v) { this.directHandler = v; return this; }

        /**
         * Limits the P2P transports this node runs and offers to the named ones, for example
         * {@code List.of("websocket_tunnel")} on a node that must not use webrtc although its jar is there (UDP blocked
         * where it runs). An empty list: no P2P transport, the gateway reaches the node over the relay only. Names
         * not found by {@code ServiceLoader} are rejected at {@link #build()}; a named transport that cannot run here
         * (webrtc without its native library) is skipped at start with a WARN, as without this option.
         *
         * @param names transport names; {@code null} (the default) for every transport found
         * @return this builder
         */
        public Builder transports(List<String> names) { this.transports = names; return this; }

        /**
         * Sets how many requests are executed at once.
         *
         * @param v at least 1; default 16
         * @return this builder
         */
        public Builder maxConcurrentRequests(int v) { this.maxConcurrentRequests = v; return this; }

        /**
         * Sets how many accepted requests may wait for a thread; beyond, a request is answered {@code node_busy}.
         *
         * @param v at least 0; default 256
         * @return this builder
         */
        public Builder maxQueuedRequests(int v) { this.maxQueuedRequests = v; return this; }

        /**
         * Sets the bound of one local execution, counted from acceptance (queueing included); beyond, the request is
         * answered {@code timeout} and its thread interrupted.
         *
         * @param v a positive duration; default 60 s
         * @return this builder
         */
        public Builder requestTimeout(Duration v) { this.requestTimeout = v; return this; }

        /**
         * Sets the largest frame the node sends or accepts; a larger response is replaced by a
         * {@code payload_too_large} failure.
         *
         * @param v the limit in bytes, 4096 to {@link WireCodec#MAX_LIMIT_BYTES} (64 MiB); default
         *          {@link WireCodec#DEFAULT_MAX_BYTES} (8 MiB)
         * @return this builder
         */
        public Builder maxMessageBytes(int v) { this.maxMessageBytes = v; return this; }

        /**
         * Sets the reconnect delay bounds (jittered exponential backoff: the n-th retry in a row waits a random time,
         * uniform between {@code min} and {@code min(max, min * 2^n)}); after a rejected token the delay is
         * {@code max}.
         *
         * @param min the smallest delay, positive; default 500 ms
         * @param max the largest delay, at least {@code min}; default 30 s
         * @return this builder
         */
        public Builder reconnectBackoff(Duration min, Duration max) {
            this.backoffMin = min;
            this.backoffMax = max;
            return this;
        }

        /**
         * Sets the lifecycle callbacks.
         *
         * @param v the listener; {@code null} means none (the default)
         * @return this builder
         */
        public Builder listener(Listener v) { this.listener = v; return this; }

        /**
         * Sets what to trust for an {@code https://} gateway (for example a self-signed certificate).
         *
         * @param v what to trust; {@code null} (the default) means the JVM's default trust store
         * @return this builder
         */
        public Builder tls(ClientTls v) { this.tls = v; return this; }

        /**
         * Sets an OkHttp client to derive the node's HTTP client from, with {@link OkHttpClient#newBuilder()}: the
         * node then shares its connection pool, interceptors (which see every HTTP call of the node: the registration,
         * the control WebSocket's upgrade and requests forwarded to the {@link #endpoint(String) endpoint}, with their
         * {@code Authorization} headers), proxy, DNS and TLS settings. The node's own settings still
         * apply on top: its timeouts (connect 10 s, read and write 30 s, no call timeout; the registration call has
         * its own 20 s deadline and the control socket none, being watched by pings), its dispatcher (its own
         * executor and limits, so that the caller's per-host limit does not hold back the node's requests, and
         * {@link NodeAgent#close()} stops only the node's threads), {@code TCP_NODELAY} sockets unless the client has
         * a socket factory of its own, and {@link #tls(ClientTls)} when set. {@link NodeAgent#close()} neither closes
         * the given client nor empties its connection pool.
         *
         * @param v the client; {@code null} (the default) for a client of the node's own
         * @return this builder
         */
        public Builder httpClient(OkHttpClient v) { this.httpClient = v; return this; }

        /**
         * Sets the factory of every thread the node starts, in place of its daemon threads named
         * {@code clawgo-node-*}. A node starts four pools: the connection loop (one thread, which also runs the
         * {@link Listener} callbacks), the HTTP pool (OkHttp calls and the control socket's reader; grows on demand,
         * idle threads end after 30 s), the timer (one thread: heartbeats, deadlines, the request deadline sweep, and
         * the scheduler lent to transports) and the request executor ({@link #maxConcurrentRequests(int)} threads,
         * idle threads end after 30 s). The factory should make daemon threads unless the application means to keep
         * the JVM alive until {@link NodeAgent#close()}. Threads that are not the node's own are unaffected: OkHttp's
         * shared {@code TaskRunner} threads (the WebSocket writer and pings) and those of the transports (webrtc's
         * pools, for example).
         *
         * @param v the factory; {@code null} (the default) for the node's own named daemon threads
         * @return this builder
         */
        public Builder threadFactory(ThreadFactory v) { this.threadFactory = v; return this; }

        /**
         * Sets the wall clock of the timestamps the node records, for tests: {@link Stats#connectedSince()}. Timing
         * (heartbeats, deadlines, backoff, {@link Stats#connectedTime()}) is measured with {@link System#nanoTime()}
         * and does not follow it.
         *
         * @param v the clock; {@code null} (the default) for {@link Clock#systemUTC()}
         * @return this builder
         */
        public Builder clock(Clock v) { this.clock = v; return this; }

        /**
         * Builds the agent and starts it: the shortcut for {@code build()} then {@link NodeAgent#start()}. Returns at
         * once; the agent connects in the background ({@link NodeAgent#awaitConnected(Duration)} waits for it).
         *
         * @return the started agent
         * @throws IllegalArgumentException naming the offending option, as {@link #build()}
         * @throws NullPointerException     as {@link #build()}
         */
        public NodeAgent start() {
            NodeAgent agent = build();
            agent.start();
            return agent;
        }

        /**
         * Validates the options and builds the agent, which is not started yet (see {@link #start()} for the
         * shortcut). The thread's context class loader (else this library's) is kept as the place where
         * {@link NodeAgent#start()} looks for transport providers. The agent's executors and HTTP client are created
         * here; {@link NodeAgent#close()} releases them, started or not.
         *
         * @return a new, unstarted agent
         * @throws IllegalArgumentException naming the offending option
         * @throws NullPointerException     when {@link #capabilities(Capabilities)} was set to {@code null}
         */
        public NodeAgent build() {
            if (gateways.isEmpty()) {
                throw new IllegalArgumentException("gateway is required");
            }
            List<String> urls = new ArrayList<>();
            for (String g : gateways) {
                urls.add(NodeSettings.normalizeGatewayUrl(g, "gateway"));
            }
            String gw = urls.get(0);
            String nodeId = id == null ? "" : id.trim();
            if (nodeId.isEmpty()) {
                throw new IllegalArgumentException("id is required");
            }
            if (!ID.matcher(nodeId).matches()) {
                throw new IllegalArgumentException("id must be 1..128 characters of [A-Za-z0-9._:-], got: '"
                        + nodeId + "'");
            }
            requireRange("heartbeatInterval", heartbeatInterval, Duration.ofSeconds(1), Duration.ofHours(1));
            if (directHandler && handler == null) {
                throw new IllegalArgumentException("directHandler needs an in-process handler (forwarding to an "
                        + "endpoint blocks on HTTP)");
            }
            if (maxConcurrentRequests < 1) {
                throw new IllegalArgumentException("maxConcurrentRequests must be at least 1, got "
                        + maxConcurrentRequests);
            }
            if (maxQueuedRequests < 0) {
                throw new IllegalArgumentException("maxQueuedRequests must be at least 0, got " + maxQueuedRequests);
            }
            requirePositive("requestTimeout", requestTimeout);
            if (maxMessageBytes < 4096 || maxMessageBytes > WireCodec.MAX_LIMIT_BYTES) {
                throw new IllegalArgumentException("maxMessageBytes must be in 4096.." + WireCodec.MAX_LIMIT_BYTES
                        + " (64 MiB), got " + maxMessageBytes);
            }
            requirePositive("reconnectBackoff min", backoffMin);
            requirePositive("reconnectBackoff max", backoffMax);
            if (backoffMax.compareTo(backoffMin) < 0) {
                throw new IllegalArgumentException("reconnectBackoff max (" + backoffMax + ") is below min ("
                        + backoffMin + ")");
            }
            String ep = blankToNull(endpoint);
            if (ep != null) {
                ep = NodeSettings.normalizeGatewayUrl(ep, "endpoint");
            }
            Objects.requireNonNull(capabilities, "capabilities");
            List<String> onlyTransports = transports == null ? null : checkTransports(transports);
            NodeInfo info = NodeInfo.builder(nodeId)
                    .name(blankToNull(name) == null ? nodeId : name.trim())
                    .tags(clean(tags))
                    .os(blankToNull(os) == null ? defaultOs() : os.trim())
                    .arch(blankToNull(arch) == null ? defaultArch() : arch.trim())
                    .version(blankToNull(version) == null ? defaultVersion() : version.trim())
                    .endpoint(ep)
                    .token(blankToNull(nodeToken))
                    .capabilities(capabilities)
                    .actions(clean(actions))
                    .models(clean(models))
                    .agents(agents == null ? List.of() : agents)
                    .build();
            NodeSettings settings = new NodeSettings(gw, blankToNull(token), info, handler, heartbeatInterval,
                    NodeSettings.ackTimeoutFor(heartbeatInterval), NodeSettings.REGISTER_TIMEOUT,
                    NodeSettings.STABLE_AFTER, maxConcurrentRequests, maxQueuedRequests, requestTimeout,
                    maxMessageBytes, backoffMin, backoffMax, directHandler, onlyTransports, urls);
            return new NodeAgent(settings, listener == null ? new Listener() {
            } : listener, new NodeRuntime.Options(tls, httpClient, threadFactory, clock));
        }

        /** Trimmed, lower-case, distinct names, each found by {@code ServiceLoader} where {@link #build()} runs. */
        private static List<String> checkTransports(List<String> names) {
            List<String> found = TransportCatalog.load(providerLoader()).names();
            Set<String> out = new LinkedHashSet<>();
            for (String n : names) {
                String name = n == null ? "" : n.trim().toLowerCase(Locale.ROOT);
                if (name.isEmpty()) {
                    throw new IllegalArgumentException("transports: a transport name is blank");
                }
                if (!found.contains(name)) {
                    throw new IllegalArgumentException("transports: no transport '" + name
                            + "' on the class path (found: " + String.join(", ", found) + ")");
                }
                out.add(name);
            }
            return List.copyOf(out);
        }

        private static void requireRange(String option, Duration d, Duration min, Duration max) {
            if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                throw new IllegalArgumentException(option + " must be between " + min.toSeconds() + " s and "
                        + max.toSeconds() + " s, got " + d);
            }
        }

        private static void requirePositive(String option, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(option + " must be positive, got " + d);
            }
        }

        private static String blankToNull(String s) {
            return s == null || s.isBlank() ? null : s.trim();
        }

        private static List<String> clean(List<String> in) {
            if (in == null) {
                return List.of();
            }
            LinkedHashSet<String> out = new LinkedHashSet<>();
            for (String s : in) {
                if (s != null && !s.isBlank()) {
                    out.add(s.trim());
                }
            }
            return new ArrayList<>(out);
        }

        private static String defaultOs() {
            String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            if (os.contains("linux")) {
                return "linux";
            }
            if (os.contains("mac") || os.contains("darwin")) {
                return "darwin";
            }
            if (os.contains("windows")) {
                return "windows";
            }
            return os.isBlank() ? "unknown" : os.replace(' ', '_');
        }

        private static String defaultArch() {
            String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
            return switch (arch) {
                case "x86_64", "amd64" -> "amd64";
                case "aarch64", "arm64" -> "arm64";
                case "x86", "i386", "i686" -> "386";
                case "" -> "unknown";
                default -> arch;
            };
        }

        private static String defaultVersion() {
            String v = NodeAgent.class.getPackage() == null ? null
                    : NodeAgent.class.getPackage().getImplementationVersion();
            return v == null || v.isBlank() ? DEFAULT_VERSION : v;
        }
    }
}
