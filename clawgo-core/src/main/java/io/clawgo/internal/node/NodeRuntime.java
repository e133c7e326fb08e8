package io.clawgo.internal.node;

import io.clawgo.internal.concurrent.Backoff;
import io.clawgo.internal.concurrent.NamedThreadFactory;
import io.clawgo.internal.http.EndpointClient;
import io.clawgo.internal.http.NoDelaySocketFactory;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Frame;
import io.clawgo.protocol.MessageTypes;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireAck;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireMessage;
import io.clawgo.spi.NodeContext;
import io.clawgo.spi.NodeTransport;
import io.clawgo.spi.TransportProvider;
import io.clawgo.internal.transport.TransportCatalog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node role: registers with the gateway, keeps the control WebSocket open with heartbeats, reconnects with
 * jittered exponential backoff, and hands gateway messages to the node transports found on the class path.
 *
 * <p>Threads (all daemon): {@code clawgo-node-<id>} runs the connection loop and every {@link NodeEvents} callback;
 * {@code clawgo-node-io-N} run HTTP calls and the socket reader; {@code clawgo-node-timer} runs heartbeats and
 * deadlines; {@code clawgo-node-exec-N} run requests. The reader never blocks: acks complete futures or flip flags.
 */
public final class NodeRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeRuntime.class);

    /** The error of the {@code p2p_unavailable} answer to a {@code node_request} that no transport consumed. */
    public static final String NO_TRANSPORT_ERROR =
            "this node has no transport for node_request on its class path (add io.clawgo:clawgo-transport-ws)";

    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration REST_TIMEOUT = Duration.ofSeconds(20);
    private static final long CLOSE_JOIN_MILLIS = 1500;
    private static final long SOCKET_CLOSE_GRACE_MILLIS = 500;
    /**
     * How long a connection whose socket refused a frame waits for the socket's own end callback before it ends
     * itself: OkHttp refuses sends once the socket is failing or closing, a moment before its listener says why (a
     * missed pong, a close by the gateway), and that reason is the one worth reporting.
     */
    private static final long REFUSED_SEND_GRACE_MILLIS = 1000;

    private final NodeSettings settings;
    private final NodeEvents events;
    private final String nodeId;
    private final ClassLoader serviceLoader;
    private final WireCodec codec = WireCodec.get();
    private final ThreadPoolExecutor ioExecutor;
    private final OkHttpClient http;
    /** One REST client per gateway URL of the settings, in their order. */
    private final List<GatewayRestClient> rests;
    /** Which of the gateway URLs the next (or current) attempt uses. */
    private volatile int gatewayIndex;
    private final ControlSocketClient sockets;
    private final ScheduledThreadPoolExecutor scheduler;
    private final RequestExecutor executor;
    private final Backoff backoff;
    private final Context context = new Context();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final Object stateLock = new Object();
    private final AtomicLong generations = new AtomicLong();
    private volatile List<NodeTransport> transports = List.of();
    /** Transports that withdrew themselves ({@link NodeContext#withdraw}): no longer registered. */
    private final Set<String> withdrawn = ConcurrentHashMap.newKeySet();
    /** The registered connection (transports may send on it), or null. */
    private volatile Connection active;
    /** The registered connection after the onConnected callbacks ran (what isConnected reports), or null. */
    private volatile Connection announced;
    /** The connection being opened or in use, or null. */
    private volatile Connection current;
    private volatile Thread loopThread;
    /** Registered connections so far, the time spent in ended ones, and when the active one began. Guarded by stateLock. */
    private long connections;
    private long connectedNanos;
    private long connectedSince;
    /** Told of every request this node ran (see {@code NodeAgent.Observer}). */
    private final java.util.concurrent.CopyOnWriteArrayList<NodeProbe> probes =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Last failure text, to log each distinct failure once (loop thread only). */
    private String lastFailure;

    /**
     * @param settings      validated settings
     * @param events        lifecycle callbacks
     * @param serviceLoader where to look for {@link TransportProvider}s ({@code null}: this class's loader)
     */
    public NodeRuntime(NodeSettings settings, NodeEvents events, ClassLoader serviceLoader) {
        this(settings, events, serviceLoader, null);
    }

    /**
     * @param tls what to trust for an {@code https://} gateway, or {@code null} for the JVM default
     */
    public NodeRuntime(NodeSettings settings, NodeEvents events, ClassLoader serviceLoader,
                       io.clawgo.config.ClientTls tls) {
        this.settings = settings;
        this.events = events == null ? NodeEvents.NONE : events;
        this.nodeId = settings.nodeId();
        this.serviceLoader = serviceLoader != null ? serviceLoader : NodeRuntime.class.getClassLoader();
        this.ioExecutor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                new NamedThreadFactory("clawgo-node-io-"));
        Dispatcher dispatcher = new Dispatcher(ioExecutor);
        dispatcher.setMaxRequests(Math.max(64, settings.maxConcurrentRequests() + 8));
        dispatcher.setMaxRequestsPerHost(Math.max(5, settings.maxConcurrentRequests() + 4));
        OkHttpClient.Builder hb = new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .socketFactory(new NoDelaySocketFactory())
                .connectTimeout(Duration.ofSeconds(10))
                .readTimeout(Duration.ofSeconds(30))
                .writeTimeout(Duration.ofSeconds(30));
        if (tls != null) {
            hb.sslSocketFactory(tls.socketFactory(), tls.trustManager());
        }
        this.http = hb.build();
        List<GatewayRestClient> clients = new ArrayList<>();
        for (String url : settings.gatewayUrls()) {
            clients.add(new GatewayRestClient(http, url, settings.gatewayToken(), settings.maxMessageBytes(),
                    REST_TIMEOUT));
        }
        this.rests = List.copyOf(clients);
        this.sockets = new ControlSocketClient(http, settings.pingInterval());
        this.scheduler = new ScheduledThreadPoolExecutor(1, new NamedThreadFactory("clawgo-node-timer-"));
        this.scheduler.setRemoveOnCancelPolicy(true);
        this.scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.executor = new RequestExecutor(nodeId, settings.handler(),
                new EndpointClient(http, settings.maxMessageBytes(), scheduler), settings.info().endpoint(),
                settings.info().token(), settings.maxConcurrentRequests(), settings.maxQueuedRequests(),
                settings.requestTimeout(), settings.maxMessageBytes(), scheduler, settings.directHandler());
        this.backoff = new Backoff(settings.backoffMin(), settings.backoffMax());
    }

    /** What this node registers. */
    public NodeInfo info() {
        return settings.info();
    }

    public NodeSettings settings() {
        return settings;
    }

    /** Adds a synchronous observer of the requests this node runs; adding one twice keeps one. */
    public void addProbe(NodeProbe p) {
        probes.addIfAbsent(p);
    }

    /** Removes an observer added with {@link #addProbe}. */
    public void removeProbe(NodeProbe p) {
        probes.remove(p);
    }

    /** Registered connections after the first one: how often this node reconnected. */
    public long reconnects() {
        synchronized (stateLock) {
            return Math.max(0, connections - 1);
        }
    }

    /** Time spent connected and registered since start, the current connection included. */
    public Duration connectedTime() {
        synchronized (stateLock) {
            return Duration.ofNanos(connectedNanos + (active == null ? 0 : System.nanoTime() - connectedSince));
        }
    }

    /** Requests waiting for an executor thread. */
    public int queuedRequests() {
        return executor.queued();
    }

    /** Requests running on the executor now. */
    public int runningRequests() {
        return executor.running();
    }

    /** Requests refused with {@code node_busy} (executor and queue full) since start. */
    public long rejectedRequests() {
        return executor.rejected();
    }

    /** The context given to node transports. */
    public NodeContext context() {
        return context;
    }

    /** The node transports created at {@link #start()}. */
    public List<NodeTransport> transports() {
        return transports;
    }

    /** Creates the node transports and starts the connection loop on its own daemon thread. Idempotent. */
    public void start() {
        if (closed.get()) {
            throw new IllegalStateException("node agent " + nodeId + " is closed");
        }
        if (!started.compareAndSet(false, true)) {
            return;
        }
        if (settings.heartbeatInterval().compareTo(Duration.ofSeconds(30)) > 0) {
            LOG.warn("node {}: heartbeat interval {} s is long; a gateway marks nodes offline after its TTL "
                    + "(60 s by default)", nodeId, settings.heartbeatInterval().toSeconds());
        }
        transports = createTransports();
        Thread t = new Thread(this::loop, "clawgo-node-" + nodeId);
        t.setDaemon(true);
        t.setUncaughtExceptionHandler((th, e) -> LOG.error("node {}: connection loop died", nodeId, e));
        loopThread = t;
        t.start();
    }

    /**
     * One blocking {@code POST /nodes/register}.
     *
     * @throws GatewayHttpException when the gateway refuses or cannot be reached
     */
    public void registerOnce() {
        if (closed.get()) {
            throw new IllegalStateException("node agent " + nodeId + " is closed");
        }
        rest().post("/nodes/register", settings.info());
        LOG.info("node {} registered with {}", nodeId, gatewayUrl());
    }

    /** Whether the control socket is open and registered. */
    public boolean isConnected() {
        Connection c = announced;
        return c != null && !c.ended.isDone();
    }

    /** Waits until connected and registered, up to {@code timeout}. */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (stateLock) {
            while (!isConnected() && !closed.get()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(stateLock, left);
            }
            return isConnected();
        }
    }

    // ------------------------------------------------------------------------------------------------ transports

    private List<NodeTransport> createTransports() {
        TransportCatalog catalog = TransportCatalog.load(serviceLoader);
        List<String> only = settings.transports();
        List<NodeTransport> out = new ArrayList<>();
        for (TransportProvider p : catalog.bestAvailable()) {
            if (only != null && !only.contains(p.name())) {
                LOG.debug("node {}: transport {} left out (not in the node's transports {})", nodeId, p.name(), only);
                continue;
            }
            try {
                NodeTransport t = p.createNodeTransport(context);
                if (t != null) {
                    out.add(t);
                    LOG.debug("node {}: node transport {} ready", nodeId, p.name());
                }
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("node {}: transport {} failed to start on the node: {}", nodeId, p.name(), e.toString());
            }
        }
        return List.copyOf(out);
    }

    /**
     * What the node registers: its info plus the names of the node transports it runs, so that a gateway does not
     * wait for a P2P session the node cannot answer (for example webrtc on a node without its natives).
     */
    private NodeInfo registration() {
        List<NodeTransport> ts = transports;
        List<String> given = settings.info().transports();
        if (ts.isEmpty() && given.isEmpty()) {
            if (settings.transports() != null) {
                // limited to no P2P transport: an empty list would mean "did not say", so name the relay
                return settings.info().toBuilder().transports(List.of(RELAY_ONLY)).build();
            }
            return settings.info(); // no list: gateways try every transport, as with nodes that send none
        }
        List<String> names = new ArrayList<>();
        if (given.isEmpty()) {
            for (NodeTransport t : ts) {
                names.add(t.name());
            }
        } else {
            names.addAll(given);
        }
        if (!withdrawn.isEmpty() && names.removeAll(withdrawn) && names.isEmpty()) {
            // an empty list would mean "did not say": name the relay, the one way left to reach this node
            names.add(RELAY_ONLY);
        }
        return settings.info().toBuilder().transports(names).build();
    }

    /** What a node that withdrew all its P2P transports registers as its list. */
    static final String RELAY_ONLY = TransportCatalog.HTTP_RELAY;

    private void notifyTransports(boolean connected) {
        for (NodeTransport t : transports) {
            try {
                if (connected) {
                    t.onConnected();
                } else {
                    t.onDisconnected();
                }
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("node {}: transport {} failed in {}: {}", nodeId, safeName(t),
                        connected ? "onConnected" : "onDisconnected", e.toString());
            }
        }
    }

    private static String safeName(NodeTransport t) {
        try {
            return t.name();
        } catch (RuntimeException e) {
            return t.getClass().getName();
        }
    }

    // ------------------------------------------------------------------------------------------------------ loop

    /**
     * How one connection attempt ended. {@code full}: the gateway refused a new node with {@code too_many_nodes}, a
     * transient refusal retried with the same backoff as any other failure.
     */
    private record Outcome(String reason, boolean rejected, boolean unauthorized, long registeredMillis,
                           boolean wasRegistered, boolean full) {
        Outcome(String reason, boolean rejected, boolean unauthorized, long registeredMillis, boolean wasRegistered) {
            this(reason, rejected, unauthorized, registeredMillis, wasRegistered, false);
        }

        static Outcome failed(String reason, boolean rejected, boolean unauthorized) {
            return new Outcome(reason, rejected, unauthorized, 0, false);
        }

        static Outcome gatewayFull(String reason) {
            return new Outcome(reason, true, false, 0, false, true);
        }
    }

    private void loop() {
        int attempt = 0;
        try {
            while (!closed.get()) {
                Outcome o = connectOnce();
                if (closed.get()) {
                    break;
                }
                if (o.registeredMillis >= settings.stableAfter().toMillis()) {
                    attempt = 0;
                }
                attempt++;
                long delay = o.unauthorized ? backoff.maxMillis() : backoff.delayMillis(attempt);
                String from = gatewayUrl();
                nextGateway();
                if (o.wasRegistered) {
                    LOG.info("node {} disconnected from {} ({}); reconnecting{} in {} ms", nodeId, from, o.reason,
                            from.equals(gatewayUrl()) ? "" : " to " + gatewayUrl(), delay);
                } else {
                    logFailure(o, from, delay);
                }
                if (stopSignal.await(delay, TimeUnit.MILLISECONDS)) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            // close() interrupts the loop
        } finally {
            LOG.debug("node {}: connection loop stopped", nodeId);
        }
    }

    /** The gateway URL the current (or next) attempt uses. */
    public String gatewayUrl() {
        return settings.gatewayUrls().get(gatewayIndex);
    }

    private GatewayRestClient rest() {
        return rests.get(gatewayIndex);
    }

    /** After a failed attempt or a lost connection: the next gateway of the list (the same one when alone). */
    private void nextGateway() {
        gatewayIndex = (gatewayIndex + 1) % rests.size();
    }

    private void logFailure(Outcome o, String url, long delay) {
        boolean repeat = o.reason.equals(lastFailure);
        lastFailure = o.reason;
        if (repeat) {
            LOG.debug("node {}: still failing ({}); retrying in {} ms", nodeId, o.reason, delay);
        } else if (o.full) {
            LOG.warn("node {}: the gateway {} is full (too_many_nodes) and refused this new node ({}); retrying in "
                    + "{} ms", nodeId, url, o.reason, delay);
        } else if (o.unauthorized) {
            LOG.error("node {}: the gateway rejected the token ({}); check the gateway token; retrying every {} ms",
                    nodeId, o.reason, delay);
        } else if (o.rejected) {
            LOG.error("node {}: the gateway {} refused the registration ({}); retrying in {} ms", nodeId,
                    url, o.reason, delay);
        } else {
            LOG.warn("node {}: cannot connect to {} ({}); retrying in {} ms", nodeId, url,
                    o.reason, delay);
        }
    }

    /** One attempt: HTTP register, open the socket, register on it, then stay until it ends. */
    private Outcome connectOnce() throws InterruptedException {
        // 1. HTTP registration.
        CompletableFuture<Map<String, Object>> reg = rest().postJsonAsync("/nodes/register", registration());
        try {
            // the call has its own deadline; this bound also covers a call stuck in the dispatcher's queue
            reg.get(REST_TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            reg.cancel(true);
            throw e;
        } catch (java.util.concurrent.TimeoutException e) {
            reg.cancel(true);
            return Outcome.failed("registration: no answer from the gateway within " + REST_TIMEOUT.toSeconds()
                    + " s", false, false);
        } catch (ExecutionException | CancellationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof GatewayHttpException ge) {
                boolean rejected = ge.status() != 0;
                if (rejected) {
                    fireRegistrationFailed(ge.getMessage());
                }
                if (ErrorCodes.TOO_MANY_NODES.equals(ge.code())) {
                    return Outcome.gatewayFull(ge.getMessage());
                }
                return Outcome.failed(ge.getMessage(), rejected, ge.unauthorized());
            }
            return Outcome.failed("registration failed: " + cause, false, false);
        }

        // 2. Control socket.
        Connection conn = new Connection(generations.incrementAndGet());
        current = conn;
        boolean registered = false;
        long registeredAt = 0;
        String endReason = null;
        try {
            conn.socket = sockets.connect(NodeSettings.connectUrl(gatewayUrl()), settings.gatewayToken(), conn);
            if (!waitFor(conn.opened, conn, OPEN_TIMEOUT)) {
                conn.fail("websocket not open within " + OPEN_TIMEOUT.toSeconds() + " s");
            }
            if (conn.ended.isDone()) {
                String reason = conn.ended.getNow("closed");
                boolean rejected = conn.endStatus != 0;
                if (rejected) {
                    fireRegistrationFailed(reason);
                }
                return Outcome.failed(reason, rejected, conn.endStatus == 401);
            }

            // 3. Register on the socket.
            if (!conn.send(codec.toJson(WireMessage.register(registration())))) {
                refused(conn, "register frame");
                try {
                    conn.ended.get(REFUSED_SEND_GRACE_MILLIS + 1000, TimeUnit.MILLISECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    // the reason below says what is known
                }
                return Outcome.failed(conn.ended.getNow("register frame could not be queued"), false, false);
            }
            if (!waitFor(conn.registerAck, conn, settings.registerTimeout())) {
                conn.fail("no registered ack within " + settings.registerTimeout().toMillis() + " ms");
            }
            WireAck ack = conn.registerAck.getNow(null);
            if (ack != null && !ack.ok()) {
                String error = "registration rejected by the gateway: " + blankTo(ack.error(), "unknown error");
                conn.rejectAndClose(error);
                fireRegistrationFailed(error);
                if (ack.error() != null && ack.error().startsWith(ErrorCodes.TOO_MANY_NODES + ":")) {
                    return Outcome.gatewayFull(error);
                }
                return Outcome.failed(error, true, false);
            }
            if (ack == null || conn.ended.isDone()) {
                return Outcome.failed(conn.ended.getNow("closed"), false, false);
            }

            // 4. Registered: heartbeats until the socket ends.
            registered = true;
            registeredAt = System.nanoTime();
            lastFailure = null;
            markActive(conn);
            LOG.info("node {} connected to {} and registered", nodeId, NodeSettings.connectUrl(gatewayUrl()));
            long hb = settings.heartbeatInterval().toMillis();
            conn.heartbeatTask = scheduler.scheduleAtFixedRate(() -> heartbeatTick(conn), hb, hb,
                    TimeUnit.MILLISECONDS);
            notifyTransports(true);
            fire(events::onConnected, "onConnected");
            markAnnounced(conn);
            endReason = conn.ended.get();
            if (conn.rejection != null) {
                fireRegistrationFailed(conn.rejection);
            }
            return new Outcome(endReason, conn.rejection != null, false,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - registeredAt), true);
        } catch (InterruptedException e) {
            endReason = "node closing";
            throw e;
        } catch (ExecutionException e) {
            endReason = "connection error: " + e.getCause();
            return new Outcome(endReason, false, false, 0, registered);
        } catch (RuntimeException e) {
            endReason = "connection error: " + e;
            LOG.warn("node {}: unexpected error on the control connection", nodeId, e);
            conn.fail(endReason);
            return new Outcome(endReason, false, false, 0, registered);
        } finally {
            ScheduledFuture<?> hbTask = conn.heartbeatTask;
            if (hbTask != null) {
                hbTask.cancel(false);
            }
            if (closed.get()) {
                conn.closeGracefully("node closing");
            } else if (!conn.ended.isDone()) {
                conn.fail(endReason == null ? "connection abandoned" : endReason);
            }
            clearActive(conn);
            if (registered) {
                notifyTransports(false);
                String reason = closed.get() ? "node closed" : endReason == null ? "closed" : endReason;
                fire(() -> events.onDisconnected(reason), "onDisconnected");
            }
        }
    }

    /** Waits for {@code f} or the end of {@code conn}; {@code false} on timeout. */
    private static boolean waitFor(CompletableFuture<?> f, Connection conn, Duration timeout)
            throws InterruptedException {
        try {
            CompletableFuture.anyOf(f, conn.ended).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }

    private void markActive(Connection c) {
        synchronized (stateLock) {
            active = c;
            connections++;
            connectedSince = System.nanoTime();
            stateLock.notifyAll();
        }
    }

    private void markAnnounced(Connection c) {
        synchronized (stateLock) {
            if (active == c) {
                announced = c;
            }
            stateLock.notifyAll();
        }
    }

    private void clearActive(Connection c) {
        synchronized (stateLock) {
            if (active == c) {
                active = null;
                connectedNanos += System.nanoTime() - connectedSince;
            }
            if (announced == c) {
                announced = null;
            }
            if (current == c && closed.get()) {
                // keep `current` so close() can wait for the socket to be released
                stateLock.notifyAll();
                return;
            }
            if (current == c) {
                current = null;
            }
            stateLock.notifyAll();
        }
    }

    /** Tells the probes of a request this node answered; a probe that throws is logged at debug. */
    private void observed(Request request, Response response, long nanos) {
        if (response == null) {
            return; // the executor's futures always complete normally
        }
        for (NodeProbe p : probes) {
            try {
                p.onRequest(request, response, nanos);
            } catch (RuntimeException e) {
                LOG.debug("node {}: request observer {} failed: {}", nodeId, p, e.toString());
            }
        }
    }

    private void fireRegistrationFailed(String error) {
        fire(() -> events.onRegistrationFailed(error), "onRegistrationFailed");
    }

    private void fire(Runnable callback, String name) {
        try {
            callback.run();
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("node {}: listener {} threw: {}", nodeId, name, e.toString());
        }
    }

    // ------------------------------------------------------------------------------------------------ heartbeats

    /**
     * The socket of {@code c} refused {@code what}: it is closing or failed (its end callback, with the real reason,
     * follows) or its send queue is full. Ends {@code c} after {@link #REFUSED_SEND_GRACE_MILLIS} unless the callback
     * ended it first.
     */
    private void refused(Connection c, String what) {
        schedule(() -> c.fail(what + " could not be queued (socket closed or send queue full)"),
                REFUSED_SEND_GRACE_MILLIS);
    }

    private void heartbeatTick(Connection c) {
        if (c.ended.isDone() || c.reRegistering.get()) {
            return;
        }
        long now = System.nanoTime() | 1L;
        // mark the outstanding heartbeat BEFORE sending it: under load the ack can arrive before send() returns,
        // and a mark set after the ack would never be cleared
        if (c.heartbeatSince.compareAndSet(0, now)) {
            long ackMs = settings.ackTimeout().toMillis();
            schedule(() -> {
                if (c.heartbeatSince.get() == now && !c.ended.isDone()) {
                    LOG.warn("node {}: no heartbeat ack within {} ms; dropping the half-open connection", nodeId,
                            ackMs);
                    c.fail("no heartbeat ack within " + ackMs + " ms (half-open connection)");
                }
            }, ackMs);
        }
        if (!c.send(codec.toJson(WireMessage.heartbeat(nodeId)))) {
            refused(c, "heartbeat");
        }
    }

    private void schedule(Runnable task, long delayMs) {
        try {
            scheduler.schedule(task, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    // ---------------------------------------------------------------------------------------------------- reader

    private void onText(Connection c, String text) {
        Frame frame;
        try {
            frame = codec.decodeFrame(text, settings.maxMessageBytes());
        } catch (ProtocolException e) {
            LOG.warn("node {}: skipping an invalid frame from the gateway ({}): {}", nodeId, e.code(),
                    e.getMessage());
            return;
        } catch (RuntimeException e) {
            LOG.warn("node {}: skipping an undecodable frame from the gateway: {}", nodeId, e.toString());
            return;
        }
        try {
            if (frame instanceof Frame.Ack a) {
                onAck(c, a.ack());
            } else if (frame instanceof Frame.Message m) {
                onMessage(c, m.message());
            }
        } catch (RuntimeException e) {
            LOG.warn("node {}: error while handling a frame from the gateway", nodeId, e);
        }
    }

    private void onAck(Connection c, WireAck ack) {
        String type = ack.type() == null ? "" : ack.type().trim().toLowerCase(Locale.ROOT);
        String id = ack.id() == null ? "" : ack.id().trim();
        boolean mine = id.isEmpty() || id.equals(nodeId);
        if (ack.ok()) {
            switch (type) {
                case MessageTypes.REGISTERED -> {
                    if (mine) {
                        c.onRegistered(ack);
                    } else {
                        LOG.warn("node {}: ignoring a registered ack for another id '{}'", nodeId, id);
                    }
                }
                case MessageTypes.HEARTBEAT -> {
                    if (mine) {
                        c.heartbeatSince.set(0);
                    }
                }
                default -> LOG.debug("node {}: ack {} {}", nodeId, type, id);
            }
            return;
        }
        String error = blankTo(ack.error(), "unknown error");
        switch (type) {
            case MessageTypes.REGISTER, MessageTypes.REGISTERED -> c.onRegisterRejected(ack, error);
            case MessageTypes.HEARTBEAT -> {
                LOG.info("node {}: the gateway refused a heartbeat ({}); registering again on the same socket",
                        nodeId, error);
                c.reRegister();
            }
            default -> LOG.warn("node {}: the gateway rejected a {} message{}: {}", nodeId,
                    type.isEmpty() ? "(untyped)" : type, id.isEmpty() ? "" : " (id " + id + ")", error);
        }
    }

    private void onMessage(Connection c, WireMessage msg) {
        if (c != current) {
            LOG.debug("node {}: dropping a {} from a replaced connection", nodeId, msg.normalizedType());
            return;
        }
        for (NodeTransport t : transports) {
            try {
                if (t.onControlMessage(msg)) {
                    return;
                }
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("node {}: transport {} failed on a {} message: {}", nodeId, safeName(t),
                        msg.normalizedType(), e.toString());
            }
        }
        String type = msg.normalizedType();
        if (MessageTypes.NODE_REQUEST.equals(type)) {
            Request req = msg.request();
            String action = req == null ? null : req.action();
            Response resp = new Response(false, ErrorCodes.P2P_UNAVAILABLE, NO_TRANSPORT_ERROR, nodeId, action, null);
            if (!c.send(codec.toJson(WireMessage.nodeResponse(msg.id(), nodeId, resp)))) {
                LOG.warn("node {}: could not answer node_request {} (socket closed)", nodeId, msg.id());
            } else {
                LOG.debug("node {}: node_request {} answered p2p_unavailable (no node transport)", nodeId, msg.id());
            }
        } else if (MessageTypes.isSignal(type)) {
            LOG.debug("node {}: ignoring {} (no transport handles signalling)", nodeId, type);
        } else {
            LOG.debug("node {}: ignoring unsupported message type '{}'", nodeId, type);
        }
    }

    private static String blankTo(String s, String fallback) {
        return s == null || s.isBlank() ? fallback : s;
    }

    // ----------------------------------------------------------------------------------------------------- close

    /**
     * Stops the loop, closes the socket with code 1000, closes the transports, fails pending requests and shuts the
     * executors down, each wait bounded. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopSignal.countDown();
        synchronized (stateLock) {
            stateLock.notifyAll();
        }
        boolean interrupted = false;
        Thread t = loopThread;
        if (t != null && t != Thread.currentThread()) {
            t.interrupt();
            try {
                t.join(CLOSE_JOIN_MILLIS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            if (t.isAlive()) {
                LOG.warn("node {}: connection loop did not stop within {} ms", nodeId, CLOSE_JOIN_MILLIS);
            }
        }
        Connection c = current;
        if (c != null) {
            c.closeGracefully("node closing");
            try {
                c.terminated.get(SOCKET_CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException | TimeoutException e) {
                // fall through to cancel
            }
            c.cancel();
        }
        for (NodeTransport nt : transports) {
            try {
                nt.close();
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("node {}: transport {} failed to close: {}", nodeId, safeName(nt), e.toString());
            }
        }
        executor.close();
        scheduler.shutdownNow();
        ioExecutor.shutdown();
        try {
            if (!ioExecutor.awaitTermination(500, TimeUnit.MILLISECONDS)) {
                ioExecutor.shutdownNow();
            }
            executor.awaitTermination(500);
            scheduler.awaitTermination(200, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        http.connectionPool().evictAll();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        LOG.info("node {} closed", nodeId);
    }

    // ------------------------------------------------------------------------------------------------ connection

    /** One control socket and its state. Reader callbacks only complete futures and flip flags. */
    private final class Connection implements ControlSocketClient.Listener {
        final long generation;
        final CompletableFuture<Void> opened = new CompletableFuture<>();
        final CompletableFuture<WireAck> registerAck = new CompletableFuture<>();
        final CompletableFuture<String> ended = new CompletableFuture<>();
        final CompletableFuture<Void> terminated = new CompletableFuture<>();
        /** nanoTime of the oldest unacked heartbeat, 0 when none. */
        final AtomicLong heartbeatSince = new AtomicLong();
        final AtomicBoolean reRegistering = new AtomicBoolean();
        final AtomicInteger reRegisterSeq = new AtomicInteger();
        volatile ControlSocketClient.Connection socket;
        volatile ScheduledFuture<?> heartbeatTask;
        volatile int endStatus;
        volatile String rejection;

        Connection(long generation) {
            this.generation = generation;
        }

        boolean send(String json) {
            ControlSocketClient.Connection s = socket;
            return s != null && !ended.isDone() && s.send(json);
        }

        /** Ends the connection now (no close handshake: the socket may be half-open). */
        void fail(String reason) {
            ended.complete(reason);
            cancel();
        }

        void cancel() {
            ControlSocketClient.Connection s = socket;
            if (s != null) {
                s.cancel();
            }
            terminated.complete(null);
        }

        void closeGracefully(String reason) {
            ControlSocketClient.Connection s = socket;
            ended.complete(reason);
            if (s != null) {
                s.close(1000, reason);
            }
        }

        void rejectAndClose(String error) {
            rejection = error;
            closeGracefully("registration rejected");
        }

        void onRegistered(WireAck ack) {
            if (registerAck.complete(ack)) {
                return;
            }
            if (reRegistering.compareAndSet(true, false)) {
                heartbeatSince.set(0);
                LOG.info("node {} registered again on the same connection", nodeId);
            }
        }

        void onRegisterRejected(WireAck ack, String error) {
            if (registerAck.complete(ack)) {
                return;
            }
            LOG.error("node {}: the gateway rejected the registration: {}", nodeId, error);
            rejection = "registration rejected by the gateway: " + error;
            closeGracefully("registration rejected");
        }

        void reRegister() {
            if (!reRegistering.compareAndSet(false, true)) {
                return;
            }
            heartbeatSince.set(0);
            int seq = reRegisterSeq.incrementAndGet();
            if (!send(codec.toJson(WireMessage.register(registration())))) {
                refused(this, "register frame");
                return;
            }
            long ms = settings.registerTimeout().toMillis();
            schedule(() -> {
                if (reRegistering.get() && reRegisterSeq.get() == seq && !ended.isDone()) {
                    fail("no registered ack within " + ms + " ms after registering again");
                }
            }, ms);
        }

        @Override
        public void onOpen() {
            opened.complete(null);
        }

        @Override
        public void onText(String text) {
            NodeRuntime.this.onText(this, text);
        }

        @Override
        public void onEnded(String reason, int httpStatus, boolean remote) {
            endStatus = httpStatus;
            ended.complete(reason);
        }

        @Override
        public void onTerminated() {
            terminated.complete(null);
        }
    }

    // --------------------------------------------------------------------------------------------------- context

    /** The {@link NodeContext} given to node transports. */
    private final class Context implements NodeContext {
        @Override
        public String nodeId() {
            return nodeId;
        }

        @Override
        public boolean send(WireMessage message) {
            Connection c = active;
            if (message == null || c == null || c.ended.isDone()) {
                return false;
            }
            String json = codec.toJson(message);
            if (!WireCodec.fits(json, settings.maxMessageBytes())) {
                LOG.warn("node {}: not sending a {} of {} bytes (limit {} bytes)", nodeId, message.normalizedType(),
                        WireCodec.utf8Length(json), settings.maxMessageBytes());
                return false;
            }
            return c.send(json);
        }

        @Override
        public CompletionStage<Response> execute(Request request) {
            if (probes.isEmpty()) {
                return executor.execute(request);
            }
            long started = System.nanoTime();
            CompletableFuture<Response> f = executor.execute(request);
            f.whenComplete((r, e) -> observed(request, r, System.nanoTime() - started));
            return f;
        }

        @Override
        public int maxMessageBytes() {
            return settings.maxMessageBytes();
        }

        @Override
        public ScheduledExecutorService scheduler() {
            return scheduler;
        }

        @Override
        public void withdraw(String transport, String reason) {
            if (transport == null || transport.isBlank() || !withdrawn.add(transport)) {
                return;
            }
            LOG.warn("node {}: no longer offers the {} transport: {}", nodeId, transport, reason);
            Connection c = active;
            if (c != null && !c.ended.isDone()) {
                c.reRegister(); // the gateway learns it now, not at the next reconnect
            }
        }
    }
}
