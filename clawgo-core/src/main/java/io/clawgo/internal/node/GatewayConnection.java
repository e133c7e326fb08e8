package io.clawgo.internal.node;

import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.WireAck;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireMessage;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One control WebSocket of a node to one gateway, and its state: whether it opened, the {@code registered} ack, why
 * it ended, the outstanding heartbeat and a registration again on the same socket.
 *
 * <p>Threads: the socket's reader thread calls the {@link ControlSocketClient.Listener} methods, which only complete
 * futures, flip flags and hand text frames to the {@link FrameRouter} (never block); the node's timer thread runs
 * {@link #heartbeatTick()} and the deadlines scheduled here; the connection loop waits on the futures. Every field is
 * safe to read from any thread.
 *
 * <p>Failure modes: a heartbeat not acked within the ack timeout, a registration again not acked within the register
 * timeout, or a frame the socket refused (after {@link #REFUSED_SEND_GRACE_MILLIS}) end the connection with a reason
 * in {@link #ended}; a close by either side or a socket failure ends it with the socket's own reason.
 */
final class GatewayConnection implements ControlSocketClient.Listener {
    /** The node runtime's logger: the node's log lines keep the category they had before the split. */
    private static final Logger LOG = LoggerFactory.getLogger(NodeRuntime.class);

    /**
     * How long a connection whose socket refused a frame waits for the socket's own end callback before it ends
     * itself: OkHttp refuses sends once the socket is failing or closing, a moment before its listener says why (a
     * missed pong, a close by the gateway), and that reason is the one worth reporting.
     */
    static final long REFUSED_SEND_GRACE_MILLIS = 1000;

    /** The count of connections of this node before this one, plus one. */
    final long generation;
    /** Completes when the WebSocket upgrade succeeded. */
    final CompletableFuture<Void> opened = new CompletableFuture<>();
    /** Completes with the first answer to the {@code register} frame, {@code ok} or not. */
    final CompletableFuture<WireAck> registerAck = new CompletableFuture<>();
    /** Completes (normally, once) with why the connection ended. */
    final CompletableFuture<String> ended = new CompletableFuture<>();
    /** Completes when the socket is fully released (its reader has stopped). */
    final CompletableFuture<Void> terminated = new CompletableFuture<>();
    /** nanoTime of the oldest unacked heartbeat, 0 when none. */
    final AtomicLong heartbeatSince = new AtomicLong();
    final AtomicBoolean reRegistering = new AtomicBoolean();
    private final AtomicInteger reRegisterSeq = new AtomicInteger();
    private volatile ControlSocketClient.Connection socket;
    private volatile ScheduledFuture<?> heartbeatTask;
    /** The HTTP status of a refused upgrade (for example 401), else 0. */
    volatile int endStatus;
    /** Why the gateway refused a registration on this socket after it had been accepted, or null. */
    volatile String rejection;

    private final String nodeId;
    private final NodeSettings settings;
    private final ScheduledExecutorService scheduler;
    private final Supplier<NodeInfo> registration;
    private final FrameRouter router;
    private final WireCodec codec = WireCodec.get();

    /**
     * @param generation   which connection of the node this is
     * @param settings     the node's settings (node id, heartbeat, ack and register timeouts)
     * @param scheduler    the node's timer, for heartbeats and deadlines
     * @param registration what a registration again sends (the node's current transports)
     * @param router       where text frames from the gateway go
     */
    GatewayConnection(long generation, NodeSettings settings, ScheduledExecutorService scheduler,
                      Supplier<NodeInfo> registration, FrameRouter router) {
        this.generation = generation;
        this.settings = settings;
        this.nodeId = settings.nodeId();
        this.scheduler = scheduler;
        this.registration = registration;
        this.router = router;
    }

    /** Opens the socket to {@code url} with {@code token} through {@code sockets}; this object hears its events. */
    void open(ControlSocketClient sockets, String url, String token) {
        socket = sockets.connect(url, token, this);
    }

    /** Queues {@code json}; {@code false} when there is no socket, the connection ended or the socket refused it. */
    boolean send(String json) {
        ControlSocketClient.Connection s = socket;
        return s != null && !ended.isDone() && s.send(json);
    }

    /**
     * Queues {@code json} when the socket's queue has room for it under its bulk mark, waiting up to {@code maxWait}
     * ({@link ControlSocketClient.Connection#sendWhenRoom}); {@code false} as {@link #send}, or when no room was made.
     */
    boolean sendWhenRoom(String json, Duration maxWait) {
        ControlSocketClient.Connection s = socket;
        return s != null && !ended.isDone() && s.sendWhenRoom(json, maxWait);
    }

    /** Bytes queued on the socket and not yet written. */
    long queuedBytes() {
        ControlSocketClient.Connection s = socket;
        return s == null ? 0 : s.queuedBytes();
    }

    /** Whether the connection ended (for any reason). */
    boolean isEnded() {
        return ended.isDone();
    }

    /** Ends the connection now (no close handshake: the socket may be half-open). */
    void fail(String reason) {
        ended.complete(reason);
        cancel();
    }

    /** Drops the socket at once and counts it as released. */
    void cancel() {
        ControlSocketClient.Connection s = socket;
        if (s != null) {
            s.cancel();
        }
        terminated.complete(null);
    }

    /** Ends the connection with {@code reason} and starts a close handshake with code 1000. */
    void closeGracefully(String reason) {
        ControlSocketClient.Connection s = socket;
        ended.complete(reason);
        if (s != null) {
            s.close(1000, reason);
        }
    }

    /** The gateway refused the registration ({@code error}): remembered, and the socket closed. */
    void rejectAndClose(String error) {
        rejection = error;
        closeGracefully("registration rejected");
    }

    /** A {@code registered} ack: the first one answers the register frame, a later one a registration again. */
    void onRegistered(WireAck ack) {
        if (registerAck.complete(ack)) {
            return;
        }
        if (reRegistering.compareAndSet(true, false)) {
            heartbeatSince.set(0);
            LOG.info("node {} registered again on the same connection", nodeId);
        }
    }

    /** An error ack to a {@code register}: the answer to the register frame, or a refusal after it was accepted. */
    void onRegisterRejected(WireAck ack, String error) {
        if (registerAck.complete(ack)) {
            return;
        }
        LOG.error("node {}: the gateway rejected the registration: {}", nodeId, error);
        rejection = "registration rejected by the gateway: " + error;
        closeGracefully("registration rejected");
    }

    /** The ack of the outstanding heartbeat came. */
    void onHeartbeatAck() {
        heartbeatSince.set(0);
    }

    /**
     * Sends the registration again on this socket (the gateway refused a heartbeat, or a transport withdrew itself);
     * ends the connection when no {@code registered} ack comes within the register timeout. One at a time.
     */
    void reRegister() {
        if (!reRegistering.compareAndSet(false, true)) {
            return;
        }
        heartbeatSince.set(0);
        int seq = reRegisterSeq.incrementAndGet();
        if (!send(codec.toJson(WireMessage.register(registration.get())))) {
            refused("register frame");
            return;
        }
        long ms = settings.registerTimeout().toMillis();
        schedule(() -> {
            if (reRegistering.get() && reRegisterSeq.get() == seq && !ended.isDone()) {
                fail("no registered ack within " + ms + " ms after registering again");
            }
        }, ms);
    }

    /** Starts the heartbeats at the node's interval, the first one an interval from now. */
    void startHeartbeats() {
        long hb = settings.heartbeatInterval().toMillis();
        heartbeatTask = scheduler.scheduleAtFixedRate(this::heartbeatTick, hb, hb, TimeUnit.MILLISECONDS);
    }

    /** Stops the heartbeats (no-op when they were never started). */
    void stopHeartbeats() {
        ScheduledFuture<?> task = heartbeatTask;
        if (task != null) {
            task.cancel(false);
        }
    }

    /**
     * Sends one heartbeat and arms its ack deadline, unless one is outstanding (then only sends). Skipped while a
     * registration again is pending.
     */
    void heartbeatTick() {
        if (ended.isDone() || reRegistering.get()) {
            return;
        }
        long now = System.nanoTime() | 1L;
        // mark the outstanding heartbeat BEFORE sending it: under load the ack can arrive before send() returns,
        // and a mark set after the ack would never be cleared
        if (heartbeatSince.compareAndSet(0, now)) {
            long ackMs = settings.ackTimeout().toMillis();
            schedule(() -> {
                if (heartbeatSince.get() == now && !ended.isDone()) {
                    LOG.warn("node {}: no heartbeat ack within {} ms; dropping the half-open connection", nodeId,
                            ackMs);
                    fail("no heartbeat ack within " + ackMs + " ms (half-open connection)");
                }
            }, ackMs);
        }
        if (!send(codec.toJson(WireMessage.heartbeat(nodeId)))) {
            refused("heartbeat");
        }
    }

    /**
     * The socket refused {@code what}: it is closing or failed (its end callback, with the real reason, follows) or
     * its send queue is full. Ends the connection after {@link #REFUSED_SEND_GRACE_MILLIS} unless the callback ended
     * it first.
     */
    void refused(String what) {
        schedule(() -> fail(what + " could not be queued (socket closed or send queue full)"),
                REFUSED_SEND_GRACE_MILLIS);
    }

    private void schedule(Runnable task, long delayMs) {
        try {
            scheduler.schedule(task, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    // ------------------------------------------------------------------------------- ControlSocketClient.Listener

    @Override
    public void onOpen() {
        opened.complete(null);
    }

    @Override
    public void onText(String text) {
        router.onText(this, text);
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

    @Override
    public String toString() {
        return "GatewayConnection[" + nodeId + " #" + generation + (ended.isDone() ? ", ended" : "") + "]";
    }
}
