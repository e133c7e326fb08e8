package io.clawgo.internal.gateway;

import io.clawgo.config.AccessPolicy;
import io.clawgo.config.ConfigException;
import io.clawgo.config.GatewayConfig;
import io.clawgo.config.NodePolicy;
import io.clawgo.config.P2pConfig;
import io.clawgo.internal.audit.JsonlAudit;
import io.clawgo.internal.cluster.ClusterMember;
import io.clawgo.internal.concurrent.NamedThreadFactory;
import io.clawgo.internal.registry.NodeAudit;
import io.clawgo.internal.registry.NodeRegistry;
import io.clawgo.internal.registry.RegistrationRules;
import io.clawgo.internal.subagent.DefaultSubagentRuntime;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.internal.transport.HandOffFuture;
import io.clawgo.internal.transport.NodeDispatcher;
import io.clawgo.internal.transport.Router;
import io.clawgo.internal.transport.TransportCatalog;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.spi.ControlChannel;
import io.clawgo.spi.GatewayContext;
import io.clawgo.spi.GatewayTransport;
import io.clawgo.spi.TransportProvider;
import io.clawgo.subagent.SubagentRuntime;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's assembler: makes every part a running gateway owns (registry, node audit, transports, router,
 * dispatcher, subagent runtime, the Jetty server that serves REST, web UI and the control WebSocket on one port, and
 * the thread pools they run on), wires them together, and stops them.
 *
 * <p><b>Lifecycle.</b> The parts are beans of a Jetty {@link ContainerLifeCycle}, added in the order they start; the
 * container stops them in reverse order. Parts that are not Jetty {@code LifeCycle}s are wrapped in small adapters
 * ({@link Component}): a start step (often none: the part started when it was made) and a stop step (its
 * {@code close()}, or shutting down an executor with a bounded wait). The start order, and so the stop order in
 * reverse, is:
 * <ol>
 * <li>the HTTP port, bound first: a taken port or a bad key store fails the start before anything else runs
 *     (released last);</li>
 * <li>the timers ({@code clawgo-gateway-timer-N}), the audit writer ({@code clawgo-audit}), the listener's event
 *     thread ({@code clawgo-gateway-events-N}), the task and dispatch audits, the callback and fallback pools: all
 *     stopped last, after everything that uses them (audits flushed, queued listener events delivered, callbacks
 *     run for up to a second);</li>
 * <li>the node audit and the node registry (its reaper, {@code clawgo-registry-reaper}; its state is written when it
 *     stops);</li>
 * <li>the transports (the HTTP relay first), the router, the subagent runtime ({@code clawgo-agent-N});</li>
 * <li>the control sockets: stopping closes every node's socket with 1001, once the server no longer accepts new
 *     ones;</li>
 * <li>the HTTP server ({@code clawgo-http-N}): stopping first ends the web UI's event streams, which a graceful stop
 *     would wait for, then stops accepting and stops Jetty;</li>
 * <li>the control socket pinger, and the cluster member last: stopping it first tells the other gateways at once
 *     that this gateway's nodes are going offline.</li>
 * </ol>
 * A failed start stops what started before the failure, in reverse, and the part that failed: no thread of the
 * gateway is left running. A stop step that fails is logged at WARN and the next one runs.
 *
 * <p><b>Threads.</b> {@link #start} and {@link #close} are synchronized; the accessors may be called from any thread.
 * The pools are made with the application's thread factory when it gave one, else as daemon threads named as above
 * (Jetty's scheduler then too: {@code Gateway.Builder.threadFactory}).
 */
public final class GatewayRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayRuntime.class);
    private static final Duration HTTP_IDLE_TIMEOUT = Duration.ofSeconds(150);
    private static final Duration WS_IDLE_TIMEOUT = Duration.ofSeconds(120);
    private static final String TUNNEL = "websocket_tunnel";
    /** How long close() lets the callback and fallback pools run what they hold, in all. */
    private static final Duration POOLS_DRAIN = Duration.ofSeconds(1);
    /** How long close() waits for the timer threads to end. */
    private static final Duration TIMERS_AWAIT = Duration.ofSeconds(2);
    private static final Component.Action NOTHING = () -> { };

    /** Where the runtime is in its life: made, started (or starting), closed. */
    private enum Phase { NEW, STARTED, CLOSED }

    private final GatewayConfig config;
    private final List<DefaultSubagentRuntime.LocalAgent> localAgents;
    private final ClassLoader classLoader;
    /** The application's listener, or {@code null}. */
    private final GatewayEvents listener;
    /** The application's synchronous observers ({@code Gateway.Observer}), added and removed at any time. */
    private final Probes probes = new Probes();
    /** What {@code GET /metrics} serves, or {@code null}. */
    private final java.util.function.Supplier<String> metricsText;
    /** The application's thread factory for every pool, or {@code null} for the library's named daemon threads. */
    private final ThreadFactory threadFactory;
    /** Wall-clock time of what the gateway records; durations are measured with {@link System#nanoTime()}. */
    private final Clock clock;
    /** Holds the parts as beans, in start order. */
    private final Assembly assembly = new Assembly();
    private volatile Phase phase = Phase.NEW;

    private ScheduledExecutorService scheduler;
    private NodeRegistry registry;
    private NodeAudit nodeAudit;
    private ClusterMember cluster;
    /** Set once every component started; {@code /ready} answers 503 before. */
    private volatile boolean started;
    private Router router;
    private ControlHub hub;
    private GatewayTransport relay;
    private GatewayTransport p2p;
    private GatewayTransport tunnelFallback;
    private JsonlAudit dispatchAudit;
    private JsonlAudit taskAudit;
    private NodeDispatcher dispatcher;
    /** Runs what callers of {@link #dispatchForCaller} attach to its futures without an executor. */
    private ThreadPoolExecutor callbacks;
    private DefaultSubagentRuntime subagents;
    private NodesView view;
    private Server server;
    private ServerConnector connector;
    /** The TLS context started before the transports (so a bad key store fails first), or {@code null}. */
    private SslContextFactory.Server ssl;
    /** Jetty's scheduler's executor when the application gave a thread factory, else {@code null} (Jetty's own). */
    private ScheduledThreadPoolExecutor jettyTimers;
    private int port;

    /**
     * A runtime with the library's own threads and the system clock.
     *
     * @param listener    told of node liveness and finished dispatches on a thread of its own, or {@code null}
     * @param metricsText what {@code GET /metrics} serves when {@code gateway.metrics.enabled}, or {@code null}
     * @throws ConfigException when metrics are enabled and {@code metricsText} is {@code null}
     */
    public GatewayRuntime(GatewayConfig config, List<DefaultSubagentRuntime.LocalAgent> localAgents,
                          ClassLoader classLoader, GatewayEvents listener,
                          java.util.function.Supplier<String> metricsText) {
        this(config, localAgents, classLoader, listener, metricsText, null, Clock.systemUTC());
    }

    /**
     * @param listener      told of node liveness and finished dispatches on a thread of its own, or {@code null}
     * @param metricsText   what {@code GET /metrics} serves when {@code gateway.metrics.enabled}, or {@code null}
     * @param threadFactory makes the threads of every pool the gateway starts, or {@code null} for daemon threads
     *                      named {@code clawgo-*}
     * @param clock         the wall-clock time of registrations, {@code last_seen_at}, audit lines and records
     * @throws ConfigException when metrics are enabled and {@code metricsText} is {@code null}
     */
    public GatewayRuntime(GatewayConfig config, List<DefaultSubagentRuntime.LocalAgent> localAgents,
                          ClassLoader classLoader, GatewayEvents listener,
                          java.util.function.Supplier<String> metricsText, ThreadFactory threadFactory, Clock clock) {
        this.config = config.validate();
        requireTokenOrLoopback(this.config);
        if (this.config.metrics().enabled() && metricsText == null) {
            throw new ConfigException("gateway.metrics.enabled is set, but nothing makes the metrics text: add "
                    + "io.clawgo:clawgo-micrometer and give the gateway a Prometheus registry's scrape "
                    + "(Gateway.builder().metricsText(registry::scrape), then ClawgoMetrics.bind(gateway, registry); "
                    + "the clawgo CLI does this), or turn gateway.metrics off");
        }
        this.metricsText = this.config.metrics().enabled() ? metricsText : null;
        this.localAgents = List.copyOf(localAgents);
        this.classLoader = classLoader;
        this.listener = listener;
        this.threadFactory = threadFactory;
        this.clock = java.util.Objects.requireNonNull(clock, "clock");
    }

    /**
     * Secure by default: without a gateway token, the gateway starts only on a loopback address, unless the
     * application allowed it explicitly ({@link AccessPolicy#allowUnauthenticated()}). Per-node tokens alone do not
     * count: they leave the REST API (dispatch to every node) and the web UI open.
     *
     * @throws ConfigException saying how to fix it
     */
    static void requireTokenOrLoopback(GatewayConfig config) {
        if (!config.token().isEmpty() || config.access().allowUnauthenticated() || isLoopback(config.host())) {
            return;
        }
        throw new ConfigException("refusing to start without a gateway token on " + config.host() + ", which is not "
                + "a loopback address: anyone who can reach port " + config.port() + " could register nodes and "
                + "dispatch tasks to them" + (config.nodeTokens().isEmpty() ? "" : " (per-node tokens guard only "
                + "/nodes/*; the REST API and the web UI would be open)") + ". Set a token (gateway.token, "
                + "Gateway.builder().token(...)), listen on 127.0.0.1 (gateway.host), or allow it explicitly "
                + "(gateway.auth: \"none\", Gateway.builder().allowUnauthenticated(true), "
                + "AccessPolicy.builder().allowUnauthenticated(true))");
    }

    /** Whether {@code host} is a loopback address or a name that resolves to loopback addresses only. */
    static boolean isLoopback(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.isEmpty()) {
            return false;
        }
        try {
            InetAddress[] all = InetAddress.getAllByName(h);
            for (InetAddress a : all) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return all.length > 0;
        } catch (UnknownHostException | SecurityException e) {
            return false;
        }
    }

    /**
     * Starts every part, in order; on failure, stops what was started (in reverse) and rethrows. Calling it again
     * while the gateway runs does nothing.
     *
     * @throws IllegalStateException after {@link #close()} or a failed start: a runtime starts once
     */
    public synchronized void start() throws Exception {
        if (phase == Phase.CLOSED) {
            throw new IllegalStateException("the gateway is closed (or failed to start): build a new one");
        }
        if (phase == Phase.STARTED) {
            return;
        }
        phase = Phase.STARTED;
        try {
            assembly.start();
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /** Whether {@link #close} ran (also after a failed start): the runtime cannot start again. */
    public boolean isClosed() {
        return phase == Phase.CLOSED;
    }

    /** The parts as beans of one container; see the class comment for their order. */
    private final class Assembly extends ContainerLifeCycle {
        @Override
        protected void doStart() throws Exception {
            assemble(); // adds the parts as managed beans, starting each as it is added
            super.doStart(); // nothing left to start: every bean runs
        }

        @Override
        public String toString() {
            return "clawgo gateway";
        }
    }

    /** Adds {@code bean} to the container, to be stopped with it (in reverse order), and starts it. */
    private void startBean(Component bean) throws Exception {
        assembly.addBean(bean, true); // the container is starting, not yet started: the bean is not started here
        bean.start();
    }

    /** The application's factory, else daemon threads named {@code <prefix>N}. */
    private ThreadFactory threads(String prefix) {
        return threadFactory != null ? threadFactory : new NamedThreadFactory(prefix);
    }

    private void assemble() throws Exception {
        TransportCatalog catalog = TransportCatalog.load(classLoader);
        TransportProvider relayProvider = catalog.require(TransportCatalog.HTTP_RELAY);
        TransportProvider p2pProvider = null;
        P2pConfig p2pConfig = config.p2p();
        if (p2pConfig.enabled()) {
            p2pProvider = p2pConfig.transport().isEmpty()
                    ? catalog.bestP2p().orElse(null) : catalog.require(p2pConfig.transport());
            if (p2pProvider == null) {
                LOG.warn("P2P is enabled but no P2P transport is on the class path (found: {}); dispatching over "
                        + "the HTTP relay only. Add io.clawgo:clawgo-transport-ws for websocket_tunnel.",
                        String.join(", ", catalog.names()));
            }
        }

        // every step that can fail for reasons outside the program (the port is taken, the key store will not open)
        // comes before the transports: a failed start then never loads a transport's native library (webrtc), whose
        // threads print "VM attach current thread failed" when the JVM exits
        startBean(Component.of("http port", this::bindServer, this::releasePort));

        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(2, threads("clawgo-gateway-timer-"));
        // per-request timers are cancelled by the thousands: drop them from the queue at once
        timers.setRemoveOnCancelPolicy(true);
        scheduler = timers;
        startBean(Component.interrupting("timers", TIMERS_AWAIT, timers));
        ScheduledExecutorService auditFlusher = Executors.newSingleThreadScheduledExecutor(
                threadFactory != null ? threadFactory : r -> {
                    Thread t = new Thread(r, "clawgo-audit");
                    t.setDaemon(true);
                    return t;
                });
        startBean(Component.interrupting("audit writer", Duration.ZERO, auditFlusher));

        // the registry and the dispatcher tell one fan-out; the application's listener and the web UI subscribe to it
        EventFanOut fanOut = new EventFanOut();
        if (listener != null) {
            EventThread events = new EventThread(listener, EventThread.CAPACITY, threads("clawgo-gateway-events-"));
            fanOut.subscribe(events);
            startBean(Component.closing("listener events", events)); // delivers what is queued, for a bounded time
        }

        Path dataDir = config.dataDir();
        dispatchAudit = new JsonlAudit(dataDir.resolve("nodes-dispatch-audit.jsonl"), config.auditMaxBytes(), 500,
                auditFlusher);
        taskAudit = new JsonlAudit(dataDir.resolve("subagent-tasks.jsonl"), config.auditMaxBytes(), 200, auditFlusher);
        // stopped in reverse: the dispatch audit writes what is pending, then the task audit
        startBean(Component.closing("task audit", taskAudit));
        startBean(Component.closing("dispatch audit", dispatchAudit));

        // fallbacks are rare and bounded by the dispatches in flight: two threads, unbounded queue
        ThreadPoolExecutor fallbacks = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                threads("clawgo-fallback-"));
        fallbacks.allowCoreThreadTimeOut(true);
        if (!config.p2p().directCallbacks()) {
            int cbThreads = Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors()));
            // unbounded queue, yet bounded work: at most one task per dispatch in flight, and dispatches in flight
            // are bounded per node by the transports (the relay: 256 per node, 4096 in all)
            callbacks = new ThreadPoolExecutor(cbThreads, cbThreads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                    threads("clawgo-callback-"));
            callbacks.allowCoreThreadTimeOut(true);
        }
        // a continuation attached later runs on the completing thread; transports are closed by then, so a later
        // fallback attempt runs at once and fails fast; what is queued gets up to a second in all
        startBean(Component.draining("callback and fallback pools", POOLS_DRAIN,
                callbacks == null ? List.of(fallbacks) : List.of(callbacks, fallbacks)));

        nodeAudit = new NodeAudit(dataDir, config.auditMaxBytes(), clock);
        startBean(Component.closing("node audit", nodeAudit));
        registry = new NodeRegistry(dataDir, config.nodeTtl(), config.offlineRetention(), config.maxNodes(),
                new RegistrationRules(config.nodeTokens().keySet(), config.nodePolicy().maxRegisterChangesPerMinute()),
                clock, threadFactory);
        registry.addListener(nodeAudit); // first: its line is on disk before anyone else hears of the event
        startBean(Component.of("node registry", registry::start, registry::close)); // writes the state when stopped
        AccessPolicy access = config.access();
        long partialMax = access.partialMessagesMaxBytes() > 0 ? access.partialMessagesMaxBytes()
                : Math.max(Runtime.getRuntime().maxMemory() / 4,
                        (long) config.maxMessageBytes() + ControlSocket.TEXT_SLACK_BYTES);
        hub = new ControlHub(registry, new ControlHub.Limits(access.registerTimeout(), access.maxSocketsPerNodeToken(),
                access.maxSocketsPerAddress(), new PartialBudget(partialMax), scheduler));
        registry.addListener(hub);
        hub.setP2p(config.p2p());
        registry.addListener(fanOut);
        fanOut.subscribe(probes);
        DispatchStats dispatchStats = new DispatchStats(clock::millis);
        fanOut.subscribe(dispatchStats);

        cluster = new ClusterMember(config, registry, scheduler, this::url);

        GatewayContext context = new Context();
        relay = relayProvider.createGatewayTransport(context);
        startBean(Component.closing("transport " + relay.name(), relay));
        List<GatewayTransport> p2pChain = new ArrayList<>();
        if (p2pProvider != null) {
            p2p = p2pProvider.createGatewayTransport(context);
            startBean(Component.closing("transport " + p2p.name(), p2p));
            p2pChain.add(p2p);
            // behind another P2P transport (webrtc), the tunnel is the first fallback when it is on the class path
            Optional<TransportProvider> tunnel = catalog.find(TUNNEL);
            if (!p2pProvider.name().equals(TUNNEL) && tunnel.isPresent()) {
                tunnelFallback = tunnel.get().createGatewayTransport(context);
                startBean(Component.closing("transport " + tunnelFallback.name(), tunnelFallback));
                p2pChain.add(tunnelFallback);
            }
        }
        List<GatewayTransport> transports = new ArrayList<>(p2pChain);
        transports.add(relay);
        hub.setTransports(transports);

        router = new Router(p2pChain, relay, config.dispatch(), scheduler, fallbacks);
        startBean(Component.closing("router", router));
        dispatcher = new NodeDispatcher(registry, router, dispatchAudit, fanOut,
                config.nodePolicy().maxStoredTextChars(), cluster, clock);
        NodesView[] viewRef = new NodesView[1];
        subagents = new DefaultSubagentRuntime(cluster.fleet(), dispatcher, id -> viewRef[0].sessionOf(id), localAgents,
                taskAudit, scheduler, 1000, 256, config.nodePolicy().maxStoredTextChars(), threads("clawgo-agent-"),
                clock);
        startBean(Component.closing("subagent runtime", subagents));
        view = new NodesView(config, cluster, dispatcher, p2p, subagents, dispatchStats, clock);
        viewRef[0] = view;
        // nothing to start: sockets come once the server runs; stopped after the server, when no new one can come
        startBean(Component.of("control sockets", NOTHING, hub::closeAll));

        EventStreams streams = new EventStreams(server.getThreadPool(), scheduler, EventStreams.MAX_STREAMS,
                EventStreams.QUEUE_CAPACITY, EventStreams.KEEP_ALIVE_MILLIS);
        UiEvents uiEvents = new UiEvents(streams, p2p, scheduler);
        fanOut.subscribe(uiEvents);
        ApiHandler api = new ApiHandler(registry, dispatcher, subagents, view, new HttpIo.BodyLimits(
                config.maxMessageBytes(), access.minRequestDataRate(), access.requestBodyGrace().toNanos()),
                this::readiness, metricsText, streams);
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, container -> {
            container.setIdleTimeout(WS_IDLE_TIMEOUT);
            // a little headroom so that a frame just above the limit gets a clear error ack, not a 1009 close; the
            // control socket takes raw frames and enforces the same limits itself
            container.setMaxTextMessageSize(config.maxMessageBytes() + (long) ControlSocket.TEXT_SLACK_BYTES);
            container.setMaxBinaryMessageSize(ControlSocket.MAX_BINARY_BYTES);
            container.addMapping("/nodes/connect", (req, resp, cb) -> {
                // no permessage-deflate: JSON control traffic on a LAN costs more CPU to compress than it saves
                resp.setExtensions(List.of());
                return new ControlSocket(hub, config.maxMessageBytes(), AuthHandler.nodePrincipal(req));
            });
        });
        ws.setHandler(api);
        Set<String> origins = new HashSet<>(access.allowedOrigins());
        boolean checkHost = config.token().isEmpty(); // a token defeats DNS rebinding by itself
        server.setHandler(new EdgeHandler(checkHost, checkHost ? hostNames(config) : Set.of(), origins,
                config.tls() == null ? "http" : "https", probes,
                new AuthHandler(config.token(), config.nodeTokens(), config.metrics().open(), ws)));
        startBean(Component.of("http server", server::start, () -> {
            // before the server stops: a graceful stop would wait for the open event streams
            closeQuietly(uiEvents);
            closeQuietly(streams);
            server.stop(); // stops accepting, then ends the open connections
        }));
        port = connector.getLocalPort();
        if (!config.controlPingInterval().isZero()) {
            ControlPinger pinger = new ControlPinger(hub, scheduler, config.controlPingInterval());
            startBean(Component.of("control pinger", pinger::start, pinger::close));
        }
        // after the server listens (its URL is what the cluster advertises); nodes that registered meanwhile are
        // claimed by start(). Stopped first: the other gateways learn at once that this one's nodes go offline.
        startBean(Component.of("cluster member", () -> cluster.start(classLoader, dispatcher::dispatchLocal,
                (nodeId, gw) -> hub.evict(nodeId, gw, ClusterMember.REASON_MOVED)), cluster::close));
        started = true;
        LOG.info("clawgo gateway listening on {}://{}:{} (p2p: {}, relay: {}, auth: {}, data: {})",
                config.tls() == null ? "http" : "https", config.host(), port,
                p2p == null ? "off" : p2p.name(), relay.name(), config.token().isEmpty() ? "OFF" : "bearer token",
                dataDir.toAbsolutePath());
        LOG.debug("limits: {} nodes at most, control sockets pinged {}, {} connections, {} bytes of incomplete "
                + "messages", config.maxNodes(), config.controlPingInterval().isZero() ? "never" : "every "
                + config.controlPingInterval().toMillis() + " ms", maxConnections(config), partialMax);
        if (config.token().isEmpty() && config.nodeTokens().isEmpty()) {
            LOG.warn("no gateway token set: every route is open to anyone who can reach port {}", port);
        } else if (config.token().isEmpty()) {
            LOG.warn("no gateway token set: node tokens guard only /nodes/*; the REST API and the web UI are open to "
                    + "anyone who can reach port {}", port);
        }
    }

    /**
     * Creates the Jetty server and binds its port, before anything else is started: the port being taken is the most
     * common start failure. No server version in the {@code Server} header or in error pages, a connection limit.
     */
    private void bindServer() throws Exception {
        // with the application's factory, the factory names the threads; else Jetty names them clawgo-http-N
        QueuedThreadPool threads = new QueuedThreadPool(200, 8, 60_000, -1, null, null, threadFactory);
        threads.setName("clawgo-http");
        threads.setDaemon(true);
        if (threadFactory != null) {
            // Jetty's scheduler (idle timeouts) on a thread of the application's factory too
            jettyTimers = new ScheduledThreadPoolExecutor(1, threadFactory);
            jettyTimers.setRemoveOnCancelPolicy(true);
            server = new Server(threads, new ScheduledExecutorScheduler(jettyTimers), null);
        } else {
            server = new Server(threads);
        }
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        HttpConnectionFactory h1 = new HttpConnectionFactory(http);
        if (config.tls() != null) {
            ssl = new SslContextFactory.Server();
            ssl.setKeyStorePath(config.tls().keyStore().toAbsolutePath().toString());
            ssl.setKeyStorePassword(config.tls().keyStorePassword());
            ssl.start(); // reads the key store now: a wrong password fails before the transports start
            connector = new ServerConnector(server, ssl, h1);
        } else {
            connector = new ServerConnector(server, h1);
        }
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setIdleTimeout(HTTP_IDLE_TIMEOUT.toMillis());
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(maxConnections(config), connector));
        server.setErrorHandler(new JsonErrorHandler());
        server.setStopTimeout(3000);
        connector.open();
    }

    /**
     * Closes the port (the server's stop closed it already, unless the start failed before the server started), the
     * TLS context and Jetty's scheduler of the application's threads.
     */
    private void releasePort() {
        if (connector != null) {
            connector.close(); // harmless when already closed
        }
        if (ssl != null) {
            try {
                ssl.stop();
            } catch (Exception e) {
                LOG.debug("stopping the TLS context failed: {}", e.toString());
            }
        }
        if (jettyTimers != null) {
            jettyTimers.shutdownNow();
        }
    }

    /** {@code gateway.max_connections}, or {@code max_nodes} + 1024 when it is 0. */
    static int maxConnections(GatewayConfig config) {
        int v = config.access().maxConnections();
        return v > 0 ? v : (int) Math.min(Integer.MAX_VALUE,
                (long) config.maxNodes() + AccessPolicy.CONNECTIONS_ABOVE_MAX_NODES);
    }

    /**
     * The host names a request's {@code Host} may name without a gateway token, besides IP literals and
     * {@code localhost}: {@code gateway.allowed_hosts}, {@code gateway.host} and this machine's host name (also its
     * first label).
     */
    static Set<String> hostNames(GatewayConfig config) {
        Set<String> out = new HashSet<>(config.access().allowedHosts());
        out.add(config.host().toLowerCase(Locale.ROOT));
        try {
            String name = InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
            out.add(name);
            int dot = name.indexOf('.');
            if (dot > 0) {
                out.add(name.substring(0, dot));
            }
        } catch (UnknownHostException | SecurityException e) {
            LOG.debug("this machine's host name is unknown ({}); set gateway.allowed_hosts to name it", e.toString());
        }
        return out;
    }

    /** The bound port; before {@link #start}, the configured one (0: a free port is picked at start). */
    public int port() {
        return phase == Phase.NEW ? config.port() : port;
    }

    /**
     * The base URL a local client can use: {@code http(s)://<host>:<port>}, a wildcard host as {@code 127.0.0.1}, an
     * IPv6 host in brackets, the bound port.
     */
    public String url() {
        String host = config.host();
        if (host.equals("0.0.0.0") || host.equals("::") || host.isEmpty()) {
            host = "127.0.0.1";
        }
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return (config.tls() == null ? "http://" : "https://") + host + ":" + port;
    }

    /**
     * What {@code GET /ready} answers: {@code ready} is true only once the gateway listens, its registry is loaded,
     * its transports started and (in a cluster) the cluster works as its backend proved through the engine;
     * {@code reason} says what is missing otherwise.
     */
    public java.util.Map<String, Object> readiness() {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        String reason = null;
        if (!started) {
            reason = "starting: not all components are up yet";
        }
        ClusterMember c = cluster;
        if (c != null && c.enabled()) {
            io.clawgo.spi.cluster.ClusterHealth h = c.health();
            java.util.Map<String, Object> cl = new java.util.LinkedHashMap<>();
            cl.put("ready", h.ready());
            cl.put("detail", h.detail());
            out.put("cluster", cl);
            if (reason == null && !h.ready()) {
                reason = "cluster not ready: " + h.detail();
            }
        }
        out.put("ok", reason == null);
        out.put("ready", reason == null);
        if (reason != null) {
            out.put("reason", reason);
        }
        return out;
    }

    /**
     * This gateway as a member of its cluster (the {@code local} provider when it has none).
     *
     * @throws IllegalStateException before {@link #start}
     */
    public ClusterMember cluster() {
        requireStarted();
        return cluster;
    }

    public GatewayConfig config() {
        return config;
    }

    /**
     * The node registry; {@code null} after {@link #close}.
     *
     * @throws IllegalStateException before {@link #start}
     */
    public NodeRegistry registry() {
        requireStarted();
        return registry;
    }

    /** Nodes online now; 0 before start and after close. */
    public int nodesOnline() {
        NodeRegistry r = registry;
        return r == null ? 0 : r.onlineCount();
    }

    /** Nodes registered, online and offline; 0 before start and after close. */
    public int nodesTotal() {
        NodeRegistry r = registry;
        return r == null ? 0 : r.size();
    }

    /** @throws IllegalStateException before {@link #start} */
    public NodeDispatcher dispatcher() {
        requireStarted();
        return dispatcher;
    }

    private void requireStarted() {
        if (phase == Phase.NEW) {
            throw new IllegalStateException("the gateway is not started: call start() first");
        }
    }

    /**
     * {@link NodeDispatcher#dispatch} for code outside the library: the future may be completed on a socket reader (a
     * node's answer) or a timer, so unless {@code direct_callbacks} is on, the continuations a caller attaches without
     * an executor run on the gateway's callback pool ({@code clawgo-callback-N}); a thread waiting in {@code get} or
     * {@code join} is woken directly.
     */
    public CompletableFuture<Response> dispatchForCaller(Request request, DispatchMode mode, Duration timeout) {
        requireStarted();
        CompletableFuture<Response> f = dispatcher.dispatch(request, mode, timeout);
        ThreadPoolExecutor pool = callbacks;
        return pool == null ? f : HandOffFuture.of(f, pool);
    }

    /** @throws IllegalStateException before {@link #start} */
    public SubagentRuntime subagents() {
        requireStarted();
        return subagents;
    }

    /** Name of the active P2P transport, or {@code null}. */
    public String p2pTransportName() {
        return p2p == null ? null : p2p.name();
    }

    /** Adds a synchronous observer (see {@code Gateway.Observer}); adding one twice keeps one. */
    public void addProbe(GatewayProbe p) {
        probes.add(p);
    }

    /** Removes a synchronous observer; nothing happens when it was not added. */
    public void removeProbe(GatewayProbe p) {
        probes.remove(p);
    }

    /** Requests in flight per transport (see {@link Router#inFlight()}); empty before start and after close. */
    public java.util.Map<String, Integer> inFlight() {
        Router r = router;
        return r == null ? java.util.Map.of() : r.inFlight();
    }

    /** Control sockets closed (4004) because their send queue overflowed. */
    public long controlSendQueueOverflows() {
        ControlHub h = hub;
        return h == null ? 0 : h.sendQueueOverflows();
    }

    /** Audit lines waiting to be written: the dispatch and task audits (the node audit is written at once). */
    public int auditPending() {
        JsonlAudit d = dispatchAudit;
        JsonlAudit t = taskAudit;
        return (d == null ? 0 : d.pendingLines()) + (t == null ? 0 : t.pendingLines());
    }

    /** Audit lines lost to I/O errors, of the dispatch, task and node audits. */
    public long auditDropped() {
        JsonlAudit d = dispatchAudit;
        JsonlAudit t = taskAudit;
        NodeAudit n = nodeAudit;
        return (d == null ? 0 : d.droppedLines()) + (t == null ? 0 : t.droppedLines())
                + (n == null ? 0 : n.droppedLines());
    }

    /**
     * The configured P2P transport's sessions, as {@code /webui/api/nodes} shows them; an empty status when there is
     * none or it failed.
     */
    public io.clawgo.spi.TransportStatus p2pStatus() {
        GatewayTransport t = p2p;
        if (t == null) {
            return io.clawgo.spi.TransportStatus.empty("");
        }
        try {
            io.clawgo.spi.TransportStatus s = t.status();
            return s == null ? io.clawgo.spi.TransportStatus.empty(t.name()) : s;
        } catch (RuntimeException e) {
            LOG.debug("status of transport {} failed: {}", t.name(), e.toString());
            return io.clawgo.spi.TransportStatus.empty(t.name());
        }
    }

    /** The {@code /webui/api/nodes} payload. */
    public java.util.Map<String, Object> nodesPayload() {
        requireStarted();
        return view.payload();
    }

    /**
     * Stops every part, in the reverse of their start order (see the class comment); a part that fails to stop is
     * logged and the next one stops all the same. Idempotent; the runtime cannot be started again.
     */
    @Override
    public synchronized void close() {
        started = false;
        phase = Phase.CLOSED;
        try {
            assembly.stop();
        } catch (Exception e) {
            LOG.warn("closing the gateway failed: {}", e.toString());
        }
        subagents = null;
        p2p = null;
        tunnelFallback = null;
        relay = null;
        registry = null;
        router = null;
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("closing {} failed: {}", c.getClass().getSimpleName(), e.toString());
        }
    }

    private final class Context implements GatewayContext {
        @Override
        public Optional<NodeInfo> node(String nodeId) {
            return nodeId == null ? Optional.empty() : registry.get(nodeId);
        }

        @Override
        public Optional<ControlChannel> controlChannel(String nodeId) {
            return hub.channel(nodeId);
        }

        @Override
        public P2pConfig p2p() {
            return config.p2p();
        }

        @Override
        public int maxMessageBytes() {
            return config.maxMessageBytes();
        }

        @Override
        public ScheduledExecutorService scheduler() {
            return scheduler;
        }

        @Override
        public NodePolicy nodePolicy() {
            return config.nodePolicy();
        }

        @Override
        public Optional<ThreadFactory> threadFactory() {
            return Optional.ofNullable(threadFactory);
        }
    }
}
