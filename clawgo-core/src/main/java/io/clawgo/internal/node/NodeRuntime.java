package io.clawgo.internal.node;

import io.clawgo.config.ClientTls;
import io.clawgo.internal.concurrent.Backoff;
import io.clawgo.internal.concurrent.NamedThreadFactory;
import io.clawgo.internal.http.EndpointClient;
import io.clawgo.internal.http.NoDelaySocketFactory;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.spi.NodeContext;
import io.clawgo.spi.NodeTransport;
import io.clawgo.spi.TransportProvider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.SocketFactory;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node role: registers with the gateway, keeps the control WebSocket open with heartbeats, reconnects with
 * jittered exponential backoff, and hands gateway messages to the node transports found on the class path.
 *
 * <p>This class holds the node's lifecycle ({@link #start()}, {@link #close()}), its executors and HTTP client, and the
 * reconnect loop; the pieces it drives each do one job: {@link ConnectAttempt} (one attempt to connect and register,
 * returning its outcome), {@link GatewayConnection} (one control socket, its heartbeats and acks),
 * {@link FrameRouter} (frames from the gateway to the connection or the transports), {@link NodeTransports} (the
 * node transports and their {@link NodeContext}) and {@link RequestExecutor} (running requests).
 *
 * <p>Threads (all daemon unless a caller's {@link Options#threadFactory() thread factory} makes them otherwise):
 * {@code clawgo-node-<id>} runs the connection loop and every {@link NodeEvents} callback; {@code clawgo-node-io-N}
 * run HTTP calls and the socket reader; {@code clawgo-node-timer} runs heartbeats and deadlines;
 * {@code clawgo-node-exec-N} run requests. The reader never blocks: acks complete futures or flip flags.
 */
public final class NodeRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeRuntime.class);

    /** The error of the {@code p2p_unavailable} answer to a {@code node_request} that no transport consumed. */
    public static final String NO_TRANSPORT_ERROR = FrameRouter.NO_TRANSPORT_ERROR;

    private static final Duration REST_TIMEOUT = Duration.ofSeconds(20);
    private static final long CLOSE_JOIN_MILLIS = 1500;
    private static final long SOCKET_CLOSE_GRACE_MILLIS = 500;

    /**
     * What a caller may supply to a node runtime besides its settings; {@code null} components mean the default.
     *
     * @param tls           what to trust for an {@code https://} gateway, or {@code null} for the JVM default (or, with
     *                      {@code httpClient}, that client's TLS settings)
     * @param httpClient    a client to derive the node's client from ({@link OkHttpClient#newBuilder()}: its
     *                      connection pool, interceptors, proxy, DNS and TLS settings are shared; the node's own
     *                      dispatcher, timeouts and {@code TCP_NODELAY} sockets apply), or {@code null} for a client of
     *                      the node's own
     * @param threadFactory makes every thread of the node's pools and its connection loop, or {@code null} for daemon
     *                      threads named {@code clawgo-node-*}
     * @param clock         the wall clock of the timestamps the node records, or {@code null} for the system clock
     *                      (UTC); timing (deadlines, intervals, durations) uses {@link System#nanoTime()} regardless
     */
    public record Options(ClientTls tls, OkHttpClient httpClient, ThreadFactory threadFactory, Clock clock) {
        /** Every default. */
        public static final Options DEFAULT = new Options(null, null, null, null);

        /** Normalises {@code clock}: {@code null} becomes the system clock in UTC. */
        public Options {
            clock = clock == null ? Clock.systemUTC() : clock;
        }
    }

    private final NodeSettings settings;
    private final NodeEvents events;
    private final String nodeId;
    private final Options options;
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
    private final NodeTransports transports;
    private final FrameRouter router;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final Object stateLock = new Object();
    private final AtomicLong generations = new AtomicLong();
    /** The registered connection (transports may send on it), or null. */
    private volatile GatewayConnection active;
    /** The registered connection after the onConnected callbacks ran (what isConnected reports), or null. */
    private volatile GatewayConnection announced;
    /** The connection being opened or in use, or null. */
    private volatile GatewayConnection current;
    private volatile Thread loopThread;
    /**
     * Registered connections so far, the time spent in ended ones, when the active one began (nanoTime) and when by
     * the wall clock (null while not connected). Guarded by stateLock.
     */
    private long connections;
    private long connectedNanos;
    private long connectedSince;
    private Instant connectedAt;
    /** Told of every request this node ran (see {@code NodeAgent.Observer}). */
    private final CopyOnWriteArrayList<NodeProbe> probes = new CopyOnWriteArrayList<>();
    /** Last failure text, to log each distinct failure once (loop thread only). */
    private String lastFailure;

    /**
     * @param settings      validated settings
     * @param events        lifecycle callbacks
     * @param serviceLoader where to look for {@link TransportProvider}s ({@code null}: this class's loader)
     */
    public NodeRuntime(NodeSettings settings, NodeEvents events, ClassLoader serviceLoader) {
        this(settings, events, serviceLoader, Options.DEFAULT);
    }

    /**
     * @param tls what to trust for an {@code https://} gateway, or {@code null} for the JVM default
     */
    public NodeRuntime(NodeSettings settings, NodeEvents events, ClassLoader serviceLoader, ClientTls tls) {
        this(settings, events, serviceLoader, new Options(tls, null, null, null));
    }

    /**
     * @param settings      validated settings
     * @param events        lifecycle callbacks
     * @param serviceLoader where to look for {@link TransportProvider}s ({@code null}: this class's loader)
     * @param options       what the caller supplies: TLS, a base HTTP client, a thread factory, a clock
     */
    public NodeRuntime(NodeSettings settings, NodeEvents events, ClassLoader serviceLoader, Options options) {
        this.settings = settings;
        this.events = events == null ? NodeEvents.NONE : events;
        this.nodeId = settings.nodeId();
        this.options = options == null ? Options.DEFAULT : options;
        ThreadFactory tf = this.options.threadFactory();
        this.ioExecutor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                tf != null ? tf : new NamedThreadFactory("clawgo-node-io-"));
        Dispatcher dispatcher = new Dispatcher(ioExecutor);
        dispatcher.setMaxRequests(Math.max(64, settings.maxConcurrentRequests() + 8));
        dispatcher.setMaxRequestsPerHost(Math.max(5, settings.maxConcurrentRequests() + 4));
        this.http = httpClient(this.options.httpClient(), dispatcher, this.options.tls());
        List<GatewayRestClient> clients = new ArrayList<>();
        for (String url : settings.gatewayUrls()) {
            clients.add(new GatewayRestClient(http, url, settings.gatewayToken(), settings.maxMessageBytes(),
                    REST_TIMEOUT));
        }
        this.rests = List.copyOf(clients);
        this.sockets = new ControlSocketClient(http, settings.pingInterval());
        this.scheduler = new ScheduledThreadPoolExecutor(1,
                tf != null ? tf : new NamedThreadFactory("clawgo-node-timer-"));
        this.scheduler.setRemoveOnCancelPolicy(true);
        this.scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.executor = new RequestExecutor(nodeId, settings.handler(),
                new EndpointClient(http, settings.maxMessageBytes(), scheduler), settings.info().endpoint(),
                settings.info().token(), settings.maxConcurrentRequests(), settings.maxQueuedRequests(),
                settings.requestTimeout(), settings.maxMessageBytes(), scheduler, settings.directHandler(),
                tf != null ? tf : new NamedThreadFactory("clawgo-node-exec-"));
        this.backoff = new Backoff(settings.backoffMin(), settings.backoffMax());
        this.transports = new NodeTransports(settings,
                serviceLoader != null ? serviceLoader : NodeRuntime.class.getClassLoader(), () -> active,
                this::execute, scheduler);
        this.router = new FrameRouter(nodeId, settings.maxMessageBytes(), transports::list, c -> c == current);
    }

    /**
     * The node's HTTP client: a new one, or one derived from the caller's {@code base} (its pool, interceptors, proxy,
     * DNS and TLS settings shared), either way with the node's dispatcher and timeouts; plain sockets get
     * {@code TCP_NODELAY} unless the caller's client has a socket factory of its own.
     */
    static OkHttpClient httpClient(OkHttpClient base, Dispatcher dispatcher, ClientTls tls) {
        OkHttpClient.Builder hb = base == null ? new OkHttpClient.Builder() : base.newBuilder();
        hb.dispatcher(dispatcher);
        if (base == null || base.socketFactory() == SocketFactory.getDefault()) {
            hb.socketFactory(new NoDelaySocketFactory());
        }
        hb.connectTimeout(Duration.ofSeconds(10))
                .readTimeout(Duration.ofSeconds(30))
                .writeTimeout(Duration.ofSeconds(30))
                .callTimeout(Duration.ZERO); // each REST call has its own deadline (GatewayRestClient)
        if (tls != null) {
            hb.sslSocketFactory(tls.socketFactory(), tls.trustManager());
        }
        return hb.build();
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

    /**
     * When the current connection registered, by the {@link Options#clock() clock} of the options.
     *
     * @return the instant, or {@code null} while not connected and registered
     */
    public Instant connectedSince() {
        synchronized (stateLock) {
            return active == null ? null : connectedAt;
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
        return transports.context();
    }

    /** The node transports created at {@link #start()}. */
    public List<NodeTransport> transports() {
        return transports.list();
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
        transports.create();
        Thread t = loopThread(this::loop);
        loopThread = t;
        t.start();
    }

    /** The connection loop's thread: {@code clawgo-node-<id>}, or one of the caller's thread factory. */
    private Thread loopThread(Runnable loop) {
        ThreadFactory tf = options.threadFactory();
        Thread t;
        if (tf == null) {
            t = new Thread(loop, "clawgo-node-" + nodeId);
            t.setDaemon(true);
        } else {
            t = tf.newThread(loop);
            if (t == null) {
                throw new IllegalStateException("node " + nodeId + ": the thread factory made no thread for the "
                        + "connection loop");
            }
        }
        if (t.getUncaughtExceptionHandler() == t.getThreadGroup()) { // none of its own
            t.setUncaughtExceptionHandler((th, e) -> LOG.error("node {}: connection loop died", nodeId, e));
        }
        return t;
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
        GatewayConnection c = announced;
        return c != null && !c.isEnded();
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

    // ------------------------------------------------------------------------------------------------------ loop

    /**
     * How one round of the loop ended: an attempt that failed, or a registered connection that ended.
     *
     * @param reason           why
     * @param refusal          how the gateway refused the attempt ({@code NONE} after a registered connection)
     * @param registeredMillis how long the connection was registered (0 when it never was)
     * @param wasRegistered    whether the round had a registered connection
     */
    private record Round(String reason, ConnectAttempt.Refusal refusal, long registeredMillis,
                         boolean wasRegistered) {
    }

    private void loop() {
        int attempt = 0;
        try {
            while (!closed.get()) {
                Round r = connectOnce();
                if (closed.get()) {
                    break;
                }
                if (r.registeredMillis >= settings.stableAfter().toMillis()) {
                    attempt = 0;
                }
                attempt++;
                long delay = r.refusal == ConnectAttempt.Refusal.UNAUTHORIZED ? backoff.maxMillis()
                        : backoff.delayMillis(attempt);
                String from = gatewayUrl();
                nextGateway();
                if (r.wasRegistered) {
                    LOG.info("node {} disconnected from {} ({}); reconnecting{} in {} ms", nodeId, from, r.reason,
                            from.equals(gatewayUrl()) ? "" : " to " + gatewayUrl(), delay);
                } else {
                    logFailure(r, from, delay);
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

    private void logFailure(Round r, String url, long delay) {
        boolean repeat = r.reason.equals(lastFailure);
        lastFailure = r.reason;
        if (repeat) {
            LOG.debug("node {}: still failing ({}); retrying in {} ms", nodeId, r.reason, delay);
            return;
        }
        switch (r.refusal) {
            case GATEWAY_FULL -> LOG.warn("node {}: the gateway {} is full (too_many_nodes) and refused this new node "
                    + "({}); retrying in {} ms", nodeId, url, r.reason, delay);
            case UNAUTHORIZED -> LOG.error("node {}: the gateway rejected the token ({}); check the gateway token; "
                    + "retrying every {} ms", nodeId, r.reason, delay);
            case REJECTED -> LOG.error("node {}: the gateway {} refused the registration ({}); retrying in {} ms",
                    nodeId, url, r.reason, delay);
            case NONE -> LOG.warn("node {}: cannot connect to {} ({}); retrying in {} ms", nodeId, url,
                    r.reason, delay);
        }
    }

    /** One round: an attempt to connect and register, then, when registered, the connection until it ends. */
    private Round connectOnce() throws InterruptedException {
        ConnectAttempt.Outcome outcome = new ConnectAttempt(settings, rest(), sockets, gatewayUrl(),
                transports::registration, new AttemptHost()).run();
        if (outcome instanceof ConnectAttempt.Failed f) {
            if (f.rejected()) {
                fireRegistrationFailed(f.reason());
            }
            return new Round(f.reason(), f.refusal(), 0, false);
        }
        return serve(((ConnectAttempt.Connected) outcome).connection());
    }

    /** What the attempts of this runtime open their connections with, and tell when they give one up. */
    private final class AttemptHost implements ConnectAttempt.Node {
        @Override
        public GatewayConnection newConnection() {
            GatewayConnection c = new GatewayConnection(generations.incrementAndGet(), settings, scheduler,
                    transports::registration, router);
            current = c;
            return c;
        }

        @Override
        public void abandoned(GatewayConnection connection) {
            clearActive(connection);
        }

        @Override
        public boolean closing() {
            return closed.get();
        }
    }

    /** A registered connection: heartbeats, transports and listener told, until the socket ends. */
    private Round serve(GatewayConnection conn) throws InterruptedException {
        long registeredAt = System.nanoTime();
        String endReason = null;
        try {
            lastFailure = null;
            markActive(conn);
            LOG.info("node {} connected to {} and registered", nodeId, NodeSettings.connectUrl(gatewayUrl()));
            conn.startHeartbeats();
            transports.connected(true);
            fire(events::onConnected, "onConnected");
            markAnnounced(conn);
            endReason = conn.ended.get();
            if (conn.rejection != null) {
                fireRegistrationFailed(conn.rejection);
            }
            return new Round(endReason, ConnectAttempt.Refusal.NONE,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - registeredAt), true);
        } catch (InterruptedException e) {
            endReason = "node closing";
            throw e;
        } catch (ExecutionException e) {
            endReason = "connection error: " + e.getCause();
            return new Round(endReason, ConnectAttempt.Refusal.NONE, 0, true);
        } catch (RuntimeException e) {
            endReason = "connection error: " + e;
            LOG.warn("node {}: unexpected error on the control connection", nodeId, e);
            conn.fail(endReason);
            return new Round(endReason, ConnectAttempt.Refusal.NONE, 0, true);
        } finally {
            conn.stopHeartbeats();
            if (closed.get()) {
                conn.closeGracefully("node closing");
            } else if (!conn.isEnded()) {
                conn.fail(endReason == null ? "connection abandoned" : endReason);
            }
            clearActive(conn);
            transports.connected(false);
            String reason = closed.get() ? "node closed" : endReason == null ? "closed" : endReason;
            fire(() -> events.onDisconnected(reason), "onDisconnected");
        }
    }

    private void markActive(GatewayConnection c) {
        synchronized (stateLock) {
            active = c;
            connections++;
            connectedSince = System.nanoTime();
            connectedAt = options.clock().instant();
            stateLock.notifyAll();
        }
    }

    private void markAnnounced(GatewayConnection c) {
        synchronized (stateLock) {
            if (active == c) {
                announced = c;
            }
            stateLock.notifyAll();
        }
    }

    private void clearActive(GatewayConnection c) {
        synchronized (stateLock) {
            if (active == c) {
                active = null;
                connectedNanos += System.nanoTime() - connectedSince;
                connectedAt = null;
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

    // -------------------------------------------------------------------------------------------------- requests

    /** Runs {@code request} on the executor; tells the probes when it completes (only when there are probes). */
    private CompletionStage<Response> execute(Request request) {
        if (probes.isEmpty()) {
            return executor.execute(request);
        }
        long begun = System.nanoTime();
        CompletableFuture<Response> f = executor.execute(request);
        f.whenComplete((r, e) -> observed(request, r, System.nanoTime() - begun));
        return f;
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

    // ----------------------------------------------------------------------------------------------------- close

    /**
     * Stops the loop, closes the socket with code 1000, closes the transports, fails pending requests and shuts the
     * executors down, each wait bounded. Idempotent. A caller's HTTP client ({@link Options#httpClient()}) is left
     * as it was: its connection pool is not emptied.
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
        GatewayConnection c = current;
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
        transports.closeAll();
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
        if (options.httpClient() == null) {
            http.connectionPool().evictAll();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        LOG.info("node {} closed", nodeId);
    }
}
