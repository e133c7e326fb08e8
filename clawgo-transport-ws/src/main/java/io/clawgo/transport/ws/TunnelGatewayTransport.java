package io.clawgo.transport.ws;

import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.MessageTypes;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireSizes;
import io.clawgo.protocol.WireMessage;
import io.clawgo.spi.ControlChannel;
import io.clawgo.spi.GatewayContext;
import io.clawgo.spi.GatewayTransport;
import io.clawgo.spi.SessionStatus;
import io.clawgo.spi.TransportStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway side of {@code websocket_tunnel}.
 *
 * <p><b>Correlation.</b> Every request gets a fresh 128-bit random id and waits in the pending map of the control
 * connection (identified by its generation) it was written to. A {@code node_response} completes a request only when
 * it arrives on that same connection; a response for an unknown id, or from another connection, completes nothing.
 * A late (after the deadline) or duplicate response is ignored with a DEBUG line and never answered with an error
 * ack: a late one is recognised here, anything else is left to core, which drops it the same way.
 *
 * <p><b>Bounds.</b> At most {@link io.clawgo.config.P2pConfig#maxInFlightPerNode()} requests are in flight per node:
 * one more is rejected at once with {@code p2p_busy} (we reject, we do not queue; the router may then use the relay).
 * Every request has a deadline, swept every 20 ms on the gateway's shared scheduler: when it passes, the caller gets
 * {@code timeout} and the entry is removed. When a connection closes or is replaced, every request in flight on it fails at once with
 * {@code p2p_unavailable}. The per-node session table is bounded to {@link #MAX_SESSIONS} entries.
 *
 * <p><b>Threads.</b> An answer completes its future on the thread that has it (the socket reader, the deadline sweep,
 * the sender): what runs there is core's bookkeeping, quick and non-blocking; core runs callers' continuations on its
 * callback pool and starts a fallback attempt on its own pool.
 */
final class TunnelGatewayTransport implements GatewayTransport {
    private static final Logger LOG = LoggerFactory.getLogger(TunnelGatewayTransport.class);

    /** Largest number of nodes whose session status is kept. */
    static final int MAX_SESSIONS = 10_000;
    /** Ids of timed-out requests remembered per connection, to tell their late answers from foreign ones. */
    static final int RECENT_IDS = 256;
    /** Period of the request deadline sweep, in milliseconds. */
    static final long SWEEP_MILLIS = 20;

    private final GatewayContext context;
    private final int maxInFlight;
    private final CorrelationIds ids = new CorrelationIds();
    /** Connection state by {@link ControlChannel#generation()}. */
    private final ConcurrentHashMap<Long, Conn> conns = new ConcurrentHashMap<>();
    private final Sessions sessions = new Sessions(MAX_SESSIONS);
    /** Requests whose deadline {@link #sweep} watches, with their connection. */
    private final ConcurrentHashMap<Pending, Conn> timed = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> sweeper;
    private volatile boolean closed;

    TunnelGatewayTransport(GatewayContext context) {
        this.context = context;
        this.maxInFlight = Math.max(1, context.p2p().maxInFlightPerNode());
        this.sweeper = context.scheduler().scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    @Override
    public String name() {
        return WebSocketTunnelProvider.NAME;
    }

    // ------------------------------------------------------------------------------------------------------ send

    @Override
    public CompletionStage<Response> send(Request request, Duration timeout) {
        if (request == null) {
            return done(Response.error(ErrorCodes.INVALID_REQUEST, "request required"));
        }
        String node = request.node();
        if (node == null || node.isBlank()) {
            return done(Response.error(request, ErrorCodes.INVALID_REQUEST, "node id required"));
        }
        if (closed) {
            return done(Response.error(request, ErrorCodes.P2P_UNAVAILABLE, "websocket_tunnel is closed"));
        }
        NodeInfo info = context.node(node).orElse(null);
        if (info != null && !info.mayOffer(name())) {
            return done(Response.error(request, ErrorCodes.P2P_UNAVAILABLE, "node " + node
                    + " does not offer websocket_tunnel (its transports: " + info.transports() + ")"));
        }
        ControlChannel ch = context.controlChannel(node).orElse(null);
        if (ch == null || !ch.isOpen()) {
            return done(Response.error(request, ErrorCodes.P2P_UNAVAILABLE,
                    "node " + node + " has no open control connection"));
        }
        // none given: gateway.nodes.p2p.request_timeout_sec
        Duration budget = timeout != null ? timeout : context.p2p().requestTimeout();
        if (budget.isNegative() || budget.isZero()) {
            return done(Response.error(request, ErrorCodes.P2P_TIMEOUT,
                    "no time left to send the request to node " + node));
        }
        Conn c = connFor(ch);
        if (!c.tryAcquire()) {
            return done(Response.error(request, ErrorCodes.P2P_BUSY, "node " + node + " already has " + maxInFlight
                    + " requests in flight on websocket_tunnel (the limit); this one was rejected, not queued"));
        }
        Pending p = new Pending(ids.next(), request);
        while (c.pending.putIfAbsent(p.id, p) != null) {
            p = new Pending(ids.next(), request); // a collision of 128 random bits: never in practice
        }
        if (c.closed || closed) {
            // the connection closed (or the transport was closed) between lookup and registration
            finish(c, p, Response.error(request, ErrorCodes.P2P_UNAVAILABLE, closed ? "websocket_tunnel is closed"
                    : "control connection to node " + node + " closed"));
            return p.future;
        }
        String id = p.id;
        long nanos;
        try {
            nanos = budget.toNanos();
        } catch (ArithmeticException e) {
            nanos = Long.MAX_VALUE / 4;
        }
        p.timeout = budget;
        p.deadlineAt = System.nanoTime() + Math.min(nanos, Long.MAX_VALUE / 4);
        timed.put(p, c);
        if (p.finished) {
            timed.remove(p); // finished (connection closed) before it was tracked
        }
        WireMessage msg = WireMessage.nodeRequest(id, node, request);
        CompletionStage<Boolean> sent;
        try {
            // beyond half a send queue the request waits for the node to read (backpressure), within its budget
            sent = ch.sendWhenRoom(msg, budget);
        } catch (RuntimeException e) {
            LOG.warn("sending a node_request to node {} failed: {}", node, e.toString());
            sent = CompletableFuture.completedFuture(false);
        }
        Pending pending = p;
        sent.whenComplete((queued, err) -> {
            if (err == null && Boolean.TRUE.equals(queued)) {
                return;
            }
            finish(c, pending, notSent(ch, request, msg));
            if (!ch.isOpen()) {
                forget(ch, "control connection closed");
            }
        });
        return p.future;
    }

    /** Why {@link ControlChannel#sendWhenRoom} refused: closed, too large, or no room in time. */
    private static Response notSent(ControlChannel ch, Request request, WireMessage msg) {
        if (!ch.isOpen()) {
            return Response.error(request, ErrorCodes.P2P_UNAVAILABLE,
                    "control connection to node " + request.node() + " closed");
        }
        long size = WireSizes.utf8Length(WireCodec.get().toJson(msg));
        if (size > ch.maxMessageBytes()) {
            return Response.error(request, ErrorCodes.PAYLOAD_TOO_LARGE, "request of " + size
                    + " bytes exceeds the message limit of " + ch.maxMessageBytes() + " bytes");
        }
        return Response.error(request, ErrorCodes.P2P_SEND_FAILED, "the control connection to node " + request.node()
                + " did not accept the request: its send queue stayed full (the node reads slower than requests come)");
    }

    private void expire(Conn c, String id, Duration timeout) {
        Pending p = c.pending.get(id);
        if (p != null && finish(c, p, Response.error(p.request, ErrorCodes.TIMEOUT, "node " + c.nodeId
                + " did not answer within " + timeout.toMillis() + " ms over websocket_tunnel"))) {
            c.remember(id); // its answer may still come: recognise it as late, not foreign
            LOG.debug("request {} to node {} timed out after {} ms", id, c.nodeId, timeout.toMillis());
        }
    }

    /** Completes {@code p} once: whoever removes it from the pending map wins. */
    private boolean finish(Conn c, Pending p, Response r) {
        if (!c.pending.remove(p.id, p)) {
            return false;
        }
        c.release();
        p.finished = true;
        timed.remove(p);
        p.future.complete(r);
        return true;
    }

    /**
     * Expires request deadlines; runs every {@link #SWEEP_MILLIS} ms on the shared scheduler. One sweep instead of a
     * scheduled task per request: scheduling and cancelling a timer per request woke the timer thread on every
     * request (precision: the sweep period).
     */
    private void sweep() {
        if (timed.isEmpty()) {
            return;
        }
        try {
            long now = System.nanoTime();
            timed.forEach((p, c) -> {
                if (now - p.deadlineAt >= 0 && timed.remove(p, c)) {
                    expire(c, p.id, p.timeout);
                }
            });
        } catch (RuntimeException e) {
            // a periodic task that throws is never run again: keep sweeping
            LOG.warn("websocket_tunnel deadline sweep failed: {}", e.toString());
        }
    }

    private static CompletableFuture<Response> done(Response r) {
        return CompletableFuture.completedFuture(r);
    }

    /** The state of {@code ch}; a generation is unique per binding, so it names one connection. */
    private Conn connFor(ControlChannel ch) {
        return conns.computeIfAbsent(ch.generation(), g -> new Conn(ch));
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    @Override
    public void onNodeConnected(ControlChannel channel) {
        if (closed || channel.nodeId() == null) {
            return;
        }
        connFor(channel);
        sessions.connected(channel);
    }

    @Override
    public void onNodeDisconnected(ControlChannel channel) {
        if (channel.nodeId() == null) {
            return;
        }
        Optional<ControlChannel> now = context.controlChannel(channel.nodeId());
        boolean replaced = now.isPresent() && now.get() != channel;
        forget(channel, replaced ? "control connection replaced by a newer one" : "control connection closed");
    }

    /** Fails everything in flight on {@code channel} and drops its state. */
    private void forget(ControlChannel channel, String why) {
        Conn c = conns.remove(channel.generation());
        if (c == null) {
            sessions.disconnected(channel, why);
            return;
        }
        int failed = failAll(c, "control connection to node " + c.nodeId + " closed"
                + (why.contains("replaced") ? " (replaced by a newer connection)" : "") + " while the request was in flight");
        sessions.disconnected(channel, why);
        if (failed > 0) {
            LOG.info("node {}: {}; failed {} request(s) in flight with p2p_unavailable", c.nodeId, why, failed);
        }
    }

    private int failAll(Conn c, String error) {
        c.closed = true;
        int n = 0;
        for (Pending p : List.copyOf(c.pending.values())) {
            if (finish(c, p, Response.error(p.request, ErrorCodes.P2P_UNAVAILABLE, error))) {
                n++;
            }
        }
        return n;
    }

    // ---------------------------------------------------------------------------------------------- responses

    @Override
    public boolean onControlMessage(ControlChannel from, WireMessage message) {
        if (!MessageTypes.NODE_RESPONSE.equals(message.normalizedType())) {
            return false;
        }
        String id = message.id();
        Conn c = conns.get(from.generation());
        if (id == null || c == null || c.channel != from) {
            return false;
        }
        Pending p = c.pending.get(id);
        if (p == null) {
            if (c.recentlyTimedOut(id)) {
                LOG.debug("ignoring a late node_response {} from node {} (its request timed out)", id, c.nodeId);
                return true;
            }
            return false;
        }
        Response r = message.response();
        Response out;
        if (r == null) {
            out = Response.error(p.request, ErrorCodes.INVALID_RESPONSE,
                    "node " + c.nodeId + " sent a node_response without a response");
        } else if (r.node() != null && !r.node().isBlank() && !r.node().equals(c.nodeId)) {
            // the connection says who answered, not the frame
            out = new Response(r.ok(), r.code(), r.error(), c.nodeId, r.action(), r.payload());
        } else {
            out = r;
        }
        if (!finish(c, p, out)) {
            LOG.debug("ignoring a node_response {} from node {} that lost a race with its deadline", id, c.nodeId);
        }
        return true;
    }

    // --------------------------------------------------------------------------------------------------- status

    @Override
    public TransportStatus status() {
        List<SessionStatus> list = sessions.snapshot(gen -> {
            Conn c = conns.get(gen);
            return c == null ? 0 : c.inFlight.get();
        });
        int active = 0;
        for (SessionStatus s : list) {
            if ("open".equals(s.status())) {
                active++;
            }
        }
        return new TransportStatus(name(), active, 0, list);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        sweeper.cancel(false);
        int failed = 0;
        for (Conn c : List.copyOf(conns.values())) {
            failed += failAll(c, "websocket_tunnel closed (gateway shutting down) while the request was in flight");
        }
        conns.clear();
        sessions.closeAll();
        if (failed > 0) {
            LOG.info("websocket_tunnel closed; failed {} request(s) in flight with p2p_unavailable", failed);
        }
    }

    // ---------------------------------------------------------------------------------------------------- state

    /** One request waiting for its answer. */
    private static final class Pending {
        final String id;
        final Request request;
        final CompletableFuture<Response> future = new CompletableFuture<>();
        volatile long deadlineAt;
        volatile Duration timeout;
        volatile boolean finished;

        Pending(String id, Request request) {
            this.id = id;
            this.request = request;
        }
    }

    /** One control connection: its pending requests, in-flight count and recently timed-out ids. */
    private final class Conn {
        final ControlChannel channel;
        final String nodeId;
        final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
        final AtomicInteger inFlight = new AtomicInteger();
        private final ArrayDeque<String> recentOrder = new ArrayDeque<>();
        private final Set<String> recent = new HashSet<>();
        volatile boolean closed;

        Conn(ControlChannel channel) {
            this.channel = channel;
            this.nodeId = channel.nodeId();
        }

        boolean tryAcquire() {
            while (true) {
                int n = inFlight.get();
                if (n >= maxInFlight) {
                    return false;
                }
                if (inFlight.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
        }

        void release() {
            inFlight.decrementAndGet();
        }

        synchronized void remember(String id) {
            if (recent.add(id)) {
                recentOrder.addLast(id);
                if (recentOrder.size() > RECENT_IDS) {
                    recent.remove(recentOrder.pollFirst());
                }
            }
        }

        synchronized boolean recentlyTimedOut(String id) {
            return recent.contains(id);
        }
    }

    /** Per-node session rows for {@code /webui/api/nodes}, bounded; the oldest disconnected rows go first. */
    static final class Sessions {
        private final int max;
        private final LinkedHashMap<String, Row> rows = new LinkedHashMap<>();

        Sessions(int max) {
            this.max = max;
        }

        private static final class Row {
            final String node;
            final Instant createdAt;
            String status = "open";
            int connections;
            String lastError;
            Instant lastAttempt;
            Instant lastReadyAt;
            long generation = -1;

            Row(String node, Instant createdAt) {
                this.node = node;
                this.createdAt = createdAt;
            }
        }

        synchronized void connected(ControlChannel ch) {
            Row r = rows.get(ch.nodeId());
            if (r == null) {
                evictIfFull();
                r = new Row(ch.nodeId(), Instant.now());
                rows.put(ch.nodeId(), r);
            }
            if (r.generation == ch.generation()) {
                return;
            }
            Instant now = Instant.now();
            r.generation = ch.generation();
            r.connections++;
            r.status = "open";
            r.lastAttempt = now;
            r.lastReadyAt = now;
        }

        synchronized void disconnected(ControlChannel ch, String why) {
            Row r = rows.get(ch.nodeId());
            if (r == null || r.generation != ch.generation()) {
                return;
            }
            r.status = "disconnected";
            r.lastError = why;
        }

        synchronized void closeAll() {
            for (Row r : rows.values()) {
                if ("open".equals(r.status)) {
                    r.status = "closed";
                    r.lastError = "gateway shutting down";
                }
            }
        }

        private void evictIfFull() {
            if (rows.size() < max) {
                return;
            }
            Iterator<Map.Entry<String, Row>> it = rows.entrySet().iterator();
            while (it.hasNext()) {
                if (!"open".equals(it.next().getValue().status)) {
                    it.remove();
                    return;
                }
            }
            // every row is open: drop the oldest row (its node keeps working; only its status row is lost)
            it = rows.entrySet().iterator();
            it.next();
            it.remove();
        }

        synchronized List<SessionStatus> snapshot(java.util.function.LongToIntFunction inFlight) {
            List<SessionStatus> out = new ArrayList<>(rows.size());
            for (Row r : rows.values()) {
                boolean open = "open".equals(r.status);
                out.add(new SessionStatus(r.node, r.status, Math.max(0, r.connections - 1), r.lastError,
                        r.createdAt, r.lastAttempt, r.lastReadyAt, open ? inFlight.applyAsInt(r.generation) : 0));
            }
            return out;
        }
    }
}
