package io.clawgo.internal.gateway;

import io.clawgo.config.P2pConfig;
import io.clawgo.internal.registry.NodeLimitException;
import io.clawgo.internal.registry.RegistrationRefusedException;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Frame;
import io.clawgo.protocol.MessageTypes;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.WireAck;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireMessage;
import io.clawgo.protocol.WireSizes;
import io.clawgo.spi.ControlChannel;
import io.clawgo.spi.GatewayTransport;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's control WebSocket on the gateway. It is bound to the node id of its first {@code register}; {@code from}
 * fields of what it relays are taken from that binding, never from the frame. Writes go through a bounded queue with a
 * single writer. A bad message gets an error ack and the connection stays up; only what a client library never sends
 * closes it: invalid UTF-8 (1007) and a message far above the size limit (1009).
 *
 * <p>Two clocks of liveness: every message (a valid text frame that is not an ack) of a registered node refreshes its
 * registry entry (the node TTL), and every frame at all, pongs and pings included, refreshes
 * {@link #lastHeardNanos()}, which the {@link ControlPinger} uses to find half-open sockets. A pong proves the socket,
 * not the node program: it does not refresh the TTL.
 *
 * <p>Lifecycle: a socket counts against the cap of its principal from its upgrade (closed with 4008 above it), must
 * register within the register timeout (else 4006), and, once retired by the gateway (replaced, TTL, half-open,
 * removed, closed), never changes the registry again: a registry update caused by one of its frames runs under
 * {@link #lifecycle} only while the socket is live, and retiring takes the same lock.
 */
public final class ControlSocket implements Session.Listener.AutoDemanding, ControlChannel {
    private static final Logger LOG = LoggerFactory.getLogger(ControlSocket.class);
    private static final int MAX_QUEUED_FRAMES = 4096;
    /** Binary messages are refused, but only after they end: larger ones close the connection (1009). */
    static final int MAX_BINARY_BYTES = 64 * 1024;
    /** Text messages up to this much above {@code maxMessageBytes} get a {@code payload_too_large} ack; larger, 1009. */
    static final int TEXT_SLACK_BYTES = 64 * 1024;

    private final ControlHub hub;
    private final int maxMessageBytes;
    private final SendQueue out;
    /** Joins text frames; used only from Jetty's frame callbacks, which are serialised per connection. */
    private final TextMessageAssembler assembler;
    /** Whether a binary message is in progress, and its size so far (frame callbacks only). */
    private boolean inBinary;
    private long binaryBytes;
    private volatile Session session;
    private volatile String nodeId;
    private volatile long generation;
    private volatile boolean retired;
    /** Guards {@link #retired} against a registry update of one of this socket's frames; see {@link #live()}. */
    private final Object lifecycle = new Object();
    /** The principal slot this socket holds ({@link ControlHub#takeSlot}), {@code null} once given back. */
    private final java.util.concurrent.atomic.AtomicReference<String> slot =
            new java.util.concurrent.atomic.AtomicReference<>();
    /** nanoTime of the last frame of any kind from the peer (or of the upgrade). */
    private volatile long lastHeard = System.nanoTime();

    private final String principal;

    /** The text of the frame being handled (frame callbacks only), for the size check of signals. */
    private String frameText;
    /** Token bucket of the signals this node sends (frame callbacks only); -1 until the first signal. */
    private double signalTokens = -1;
    private long signalRefilledNanos;
    private boolean warnedSignalRate;

    /**
     * @param principal the node id a per-node token limits this connection to, or {@code null} (gateway token)
     */
    ControlSocket(ControlHub hub, int maxMessageBytes, String principal) {
        this.hub = hub;
        this.maxMessageBytes = maxMessageBytes;
        this.principal = principal;
        // queued text per connection: two full frames and some room
        this.out = new SendQueue(2L * maxMessageBytes + 1024 * 1024, MAX_QUEUED_FRAMES, this::write);
        this.assembler = new TextMessageAssembler((long) maxMessageBytes + TEXT_SLACK_BYTES, hub.partialBudget());
    }

    // ---- ControlChannel ----

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public long generation() {
        return generation;
    }

    @Override
    public boolean isOpen() {
        Session s = session;
        return !retired && s != null && s.isOpen();
    }

    @Override
    public boolean send(WireMessage message) {
        return enqueue(WireCodec.get().toJson(message));
    }

    @Override
    public boolean sendAck(WireAck ack) {
        return enqueue(WireCodec.get().toJson(ack));
    }

    /**
     * Queues a request with backpressure ({@link SendQueue#offerWhenRoom}): beyond half of the send queue it waits,
     * without a thread, for the node to read, never overflowing the queue into a 4004 close.
     */
    @Override
    public java.util.concurrent.CompletionStage<Boolean> sendWhenRoom(WireMessage message, Duration maxWait) {
        String text = WireCodec.get().toJson(message);
        if (!WireSizes.fits(text, maxMessageBytes)) {
            LOG.warn("not sending a {}-byte frame to {}: above the limit of {} bytes", WireSizes.utf8Length(text),
                    nodeId, maxMessageBytes);
            return java.util.concurrent.CompletableFuture.completedFuture(false);
        }
        Session s = session;
        if (retired || s == null || !s.isOpen()) {
            return java.util.concurrent.CompletableFuture.completedFuture(false);
        }
        long wait;
        try {
            wait = maxWait.toNanos();
        } catch (ArithmeticException e) {
            wait = Long.MAX_VALUE / 4;
        }
        java.util.concurrent.CompletableFuture<Boolean> queued =
                out.offerWhenRoom(text, System.nanoTime() + Math.min(wait, Long.MAX_VALUE / 4));
        if (queued == null) {
            overflowed("send queue full: the node does not read its socket");
            return java.util.concurrent.CompletableFuture.completedFuture(false);
        }
        return queued;
    }

    /**
     * How long requests have waited for room in this socket's send queue while nothing was written
     * ({@link SendQueue#stalledNanos}); the {@link ControlPinger} closes a socket stalled for too long.
     */
    long sendStalledNanos(long now) {
        return out.stalledNanos(now);
    }

    /**
     * Closes the connection of a node that does not read its socket (4004), once, and lets the node go at once
     * (offline, its requests in flight failed) instead of when the stuck socket finally closes.
     */
    void overflowed(String reason) {
        if (!retired) {
            LOG.warn("send queue of node {} is full; closing its connection", nodeId);
            hub.countSendQueueOverflow();
            retire(4004, reason);
            hub.unbind(this, "disconnected");
        }
    }

    @Override
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    String remote() {
        Session s = session;
        SocketAddress a = s == null ? null : s.getRemoteSocketAddress();
        return a == null ? "?" : a.toString();
    }

    // ---- Jetty listener ----

    @Override
    public void onWebSocketOpen(Session s) {
        this.session = s;
        heard();
        LOG.debug("control connection opened from {}", remote());
        String key = hub.takeSlot(principal, remoteHost());
        if (key == null) {
            LOG.info("closing the control connection from {}: too many open for {}", remote(),
                    principal != null ? "the token of node " + principal : "its address");
            retire(ControlHub.CLOSE_TOO_MANY_SOCKETS, "too many control connections for "
                    + (principal != null ? "this node's token" : "this address"));
            return;
        }
        slot.set(key);
        if (retired) {
            releaseSlot(); // retired while it opened
            return;
        }
        hub.registerDeadline(this);
    }

    /** The remote IP address, without the port, or {@code "?"}. */
    private String remoteHost() {
        Session s = session;
        SocketAddress a = s == null ? null : s.getRemoteSocketAddress();
        if (a instanceof java.net.InetSocketAddress i) {
            return i.getAddress() != null ? i.getAddress().getHostAddress() : i.getHostString();
        }
        return "?";
    }

    private void releaseSlot() {
        hub.releaseSlot(slot.getAndSet(null));
    }

    /**
     * Marks the socket retired: from now on no frame of it changes the registry. Waits for a registry update of a
     * frame that is running; gives back the principal slot and the socket's share of the partial message budget.
     */
    void markRetired() {
        synchronized (lifecycle) {
            retired = true;
        }
        releaseSlot();
        assembler.release();
    }

    /** Whether the gateway retired the socket or it closed. */
    boolean isRetired() {
        return retired;
    }

    /**
     * Whether a frame of this socket may still change the registry: not retired and, once bound, still its node's
     * current socket. Call with {@link #lifecycle} held, together with the update.
     */
    private boolean live() {
        return !retired && (nodeId == null || hub.isCurrent(this));
    }

    /**
     * Refreshes this socket's node in the registry, while the socket is live; never marks an offline node online (an
     * offline node with a live socket is one the gateway is about to retire at the TTL).
     *
     * @return the node, or empty when the socket is retired, or the node is offline or unknown
     */
    private Optional<NodeInfo> refreshWhileLive(String id) {
        synchronized (lifecycle) {
            return live() ? hub.registry().touch(id) : Optional.empty();
        }
    }

    /**
     * Every frame arrives here, unassembled: text messages are joined and decoded by {@link TextMessageAssembler}
     * (Jetty's own text path decodes UTF-8 byte by byte, the largest cost of a large message), pings are answered,
     * pongs only count as a sign of life, binary messages get an error ack. Jetty still runs the close handshake and
     * then calls {@link #onWebSocketClose}.
     */
    @Override
    public void onWebSocketFrame(org.eclipse.jetty.websocket.api.Frame frame, Callback callback) {
        heard();
        try {
            switch (frame.getType()) {
                case TEXT, BINARY, CONTINUATION -> onData(frame);
                case PING -> {
                    Session s = session;
                    if (s != null && s.isOpen()) {
                        s.sendPong(copy(frame.getPayload()), Callback.NOOP);
                    }
                }
                default -> {
                    // PONG: a sign of life, counted above; CLOSE: handled by Jetty
                }
            }
        } finally {
            callback.succeed();
        }
    }

    private void onData(org.eclipse.jetty.websocket.api.Frame frame) {
        boolean text = frame.getType() == org.eclipse.jetty.websocket.api.Frame.Type.TEXT
                || (frame.getType() == org.eclipse.jetty.websocket.api.Frame.Type.CONTINUATION && !inBinary);
        if (!text) {
            // a binary message: counted, not kept, refused with an ack when complete
            inBinary = !frame.isFin();
            binaryBytes += frame.getPayloadLength();
            if (binaryBytes > MAX_BINARY_BYTES) {
                close(TextMessageAssembler.MESSAGE_TOO_BIG, "binary message larger than " + MAX_BINARY_BYTES + " bytes");
            } else if (frame.isFin()) {
                binaryBytes = 0;
                sendAck(WireAck.error("error", null, "binary frames are not supported; send JSON text frames"));
            }
            return;
        }
        String message;
        try {
            message = assembler.add(frame.getPayload(), frame.isFin());
        } catch (TextMessageAssembler.Refused e) {
            LOG.debug("closing the control connection of {}: {}", nodeId == null ? remote() : nodeId, e.getMessage());
            close(e.closeCode(), e.getMessage());
            return;
        }
        if (message != null) {
            onText(message);
        }
    }

    private void close(int code, String reason) {
        Session s = session;
        if (s != null) {
            s.close(code, reason, Callback.NOOP);
        }
    }

    private static ByteBuffer copy(ByteBuffer b) {
        if (b == null) {
            return ByteBuffer.allocate(0);
        }
        ByteBuffer c = ByteBuffer.allocate(b.remaining());
        c.put(b.slice()).flip();
        return c;
    }

    /** One whole text message: a frame of the control protocol. */
    private void onText(String text) {
        if (retired) {
            // closed by the gateway (replaced, TTL, removed): a frame still in flight must not revive the node
            return;
        }
        Frame frame;
        try {
            frame = WireCodec.get().decodeFrame(text, maxMessageBytes);
        } catch (ProtocolException e) {
            LOG.debug("bad frame from {} ({}): {}", nodeId == null ? remote() : nodeId, e.code(), e.getMessage());
            sendAck(WireAck.error(e.code().equals(ErrorCodes.PAYLOAD_TOO_LARGE) ? ErrorCodes.PAYLOAD_TOO_LARGE
                    : "error", null, e.getMessage()));
            return;
        }
        if (frame instanceof Frame.Ack ack) {
            LOG.debug("ignoring an ack from node {}: {}", nodeId, ack.ack());
            return;
        }
        touch();
        frameText = text;
        try {
            handle(((Frame.Message) frame).message());
        } catch (RuntimeException e) {
            LOG.warn("failed to handle a frame from {}: {}", nodeId == null ? remote() : nodeId, e.toString(), e);
            sendAck(WireAck.error("error", null, "internal error: " + e.getClass().getSimpleName()));
        } finally {
            frameText = null;
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        try {
            LOG.info("control connection of {} closed: {} {}", nodeId == null ? remote() : "node " + nodeId,
                    statusCode, reason == null ? "" : reason);
            markRetired();
            out.close();
            hub.unbind(this, "disconnected");
        } finally {
            callback.succeed(); // Jetty may now release the connection
        }
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        LOG.debug("control connection error ({}): {}", nodeId == null ? remote() : nodeId, cause.toString());
    }

    // ---- message handling ----

    private volatile long lastTouch;

    /**
     * Any frame from a registered node proves it alive, not only heartbeats: a node busy answering tunnel requests is
     * not taken offline at the TTL. Refreshed at most once a second.
     */
    private void touch() {
        String id = nodeId;
        long now = System.nanoTime();
        if (id != null && now - lastTouch > 1_000_000_000L) {
            lastTouch = now;
            refreshWhileLive(id);
        }
    }

    private void handle(WireMessage msg) {
        String type = msg.normalizedType();
        switch (type) {
            case MessageTypes.REGISTER -> register(msg);
            case MessageTypes.HEARTBEAT -> heartbeat(msg);
            case MessageTypes.NODE_RESPONSE -> nodeResponse(msg);
            default -> {
                if (MessageTypes.isSignal(type)) {
                    signal(msg, type);
                } else if (nodeId == null || !offer(msg.withFrom(nodeId))) {
                    sendAck(WireAck.error(msg.type(), msg.id(), "unsupported message type"));
                }
            }
        }
    }

    private void register(WireMessage msg) {
        NodeInfo node = msg.node();
        if (node == null || node.id() == null || node.id().isBlank()) {
            sendAck(WireAck.error(MessageTypes.REGISTER, null, "node.id required"));
            return;
        }
        String id = node.id().trim();
        if (principal != null && !principal.equals(id)) {
            sendAck(WireAck.error(MessageTypes.REGISTER, id, "this connection's token belongs to node " + principal
                    + "; it cannot register as node " + id));
            return;
        }
        if (nodeId != null && !nodeId.equals(id)) {
            sendAck(WireAck.error(MessageTypes.REGISTER, id,
                    "this connection is registered as node " + nodeId + "; open a new connection for another node"));
            return;
        }
        boolean first;
        synchronized (lifecycle) {
            if (!live()) {
                return; // retired while this frame was on its way: a late register changes nothing
            }
            try {
                hub.registry().upsert(node, principal);
            } catch (IllegalArgumentException e) {
                sendAck(WireAck.error(MessageTypes.REGISTER, id, e.getMessage()));
                return;
            } catch (RegistrationRefusedException e) {
                // as for too_many_nodes: the error starts with the code
                sendAck(WireAck.error(MessageTypes.REGISTER, id, e.code() + ": " + e.getMessage()));
                return;
            } catch (NodeLimitException e) {
                // an ack has no code field: the error starts with the code; the connection stays open, as for any
                // refused register (the node agent closes it and retries with its backoff)
                sendAck(WireAck.error(MessageTypes.REGISTER, id, e.code() + ": " + e.getMessage()));
                return;
            }
            first = nodeId == null;
            if (first) {
                nodeId = id;
                generation = hub.nextGeneration();
            }
        }
        if (first) {
            hub.bind(id, this); // checks, once bound, that the socket did not close meanwhile
            LOG.info("node {} registered over its control connection from {}", id, remote());
        }
        sendAck(WireAck.ok(MessageTypes.REGISTERED, id));
    }

    private void heartbeat(WireMessage msg) {
        String claimed = msg.id() == null || msg.id().isBlank() ? nodeId : msg.id().trim();
        if (nodeId == null) {
            sendAck(WireAck.error(MessageTypes.HEARTBEAT, claimed, "node not registered"));
            return;
        }
        if (!nodeId.equals(claimed)) {
            sendAck(WireAck.error(MessageTypes.HEARTBEAT, claimed,
                    "heartbeat id does not match this connection's node " + nodeId));
            return;
        }
        if (refreshWhileLive(nodeId).isEmpty()) {
            sendAck(WireAck.error(MessageTypes.HEARTBEAT, nodeId, "node not registered"));
            return;
        }
        sendAck(WireAck.ok(MessageTypes.HEARTBEAT, nodeId));
    }

    private void nodeResponse(WireMessage msg) {
        if (nodeId == null) {
            sendAck(WireAck.error(msg.type(), msg.id(), "node not registered"));
            return;
        }
        if (!offer(msg.withFrom(nodeId))) {
            // late or unknown responses are dropped without an error ack: acks must not disturb the node
            LOG.debug("dropping node_response {} from {}: no request waits for it", msg.id(), nodeId);
        }
    }

    /**
     * A {@code signal_*} frame: checked against the signal limits of {@code gateway.nodes.p2p} (size, then the
     * sender's token bucket), then handed to the gateway's P2P transport, or forwarded to another node when
     * node-to-node signals are on. A refused signal gets an error ack that starts with its code and goes nowhere.
     */
    private void signal(WireMessage msg, String type) {
        if (nodeId == null) {
            sendAck(WireAck.error(msg.type(), msg.id(), "node not registered"));
            return;
        }
        P2pConfig limits = hub.p2p();
        String text = frameText;
        if (text != null && !WireSizes.fits(text, limits.signalMaxBytes())) {
            LOG.debug("refused a {}-byte {} from node {}: above signal_max_bytes", WireSizes.utf8Length(text), type,
                    nodeId);
            sendAck(WireAck.error(msg.type(), msg.id(), ErrorCodes.SIGNAL_TOO_LARGE + ": a " + type + " of "
                    + WireSizes.utf8Length(text) + " bytes exceeds the signal limit of " + limits.signalMaxBytes()
                    + " bytes (gateway.nodes.p2p.signal_max_bytes); dropped"));
            return;
        }
        if (!takeSignalToken(limits)) {
            if (!warnedSignalRate) {
                warnedSignalRate = true;
                LOG.warn("node {} sends more than {} signals a second (burst {}); dropping the excess (further drops "
                        + "on this connection are logged at DEBUG)", nodeId, limits.signalRatePerSec(),
                        limits.signalBurst());
            } else {
                LOG.debug("dropped a {} from node {}: signal rate limit", type, nodeId);
            }
            sendAck(WireAck.error(msg.type(), msg.id(), ErrorCodes.SIGNAL_RATE_LIMITED + ": node " + nodeId
                    + " sent more than " + limits.signalRatePerSec() + " signals a second (burst "
                    + limits.signalBurst() + "; gateway.nodes.p2p.signal_rate_per_sec); dropped"));
            return;
        }
        WireMessage fromHere = msg.withFrom(nodeId);
        String to = msg.to() == null ? "" : msg.to().trim();
        if (to.isEmpty() || to.equalsIgnoreCase(MessageTypes.GATEWAY)) {
            if (!offer(fromHere)) {
                sendAck(WireAck.error(msg.type(), msg.id(), "the gateway has no P2P transport that takes " + type));
            }
            return;
        }
        if (!limits.nodeToNodeSignals()) {
            sendAck(WireAck.error(msg.type(), msg.id(), ErrorCodes.SIGNAL_RELAY_DISABLED + ": signals go only between "
                    + "the gateway and a node; forwarding them to another node is off "
                    + "(gateway.nodes.p2p.node_to_node_signals)"));
            return;
        }
        Optional<io.clawgo.spi.ControlChannel> target = hub.channel(to);
        if (target.isEmpty()) {
            sendAck(WireAck.error(msg.type(), msg.id(), "node " + to + " not connected"));
        } else if (target.get() instanceof ControlSocket s ? s.relay(fromHere) : target.get().send(fromHere)) {
            sendAck(WireAck.ok(MessageTypes.RELAYED, msg.id()));
        } else {
            sendAck(WireAck.error(msg.type(), msg.id(), ErrorCodes.SIGNAL_DROPPED + ": node " + to
                    + " cannot take more signals now; dropped"));
        }
    }

    /** Takes one token from this node's signal bucket, refilled at the configured rate up to the burst size. */
    private boolean takeSignalToken(P2pConfig limits) {
        long now = System.nanoTime();
        int burst = limits.signalBurst();
        if (signalTokens < 0) {
            signalTokens = burst;
        } else {
            double refill = (now - signalRefilledNanos) / 1e9 * limits.signalRatePerSec();
            signalTokens = Math.min(burst, signalTokens + refill);
        }
        signalRefilledNanos = now;
        if (signalTokens < 1) {
            return false;
        }
        signalTokens -= 1;
        return true;
    }

    /**
     * Queues a signal forwarded from another node, only while this socket's send queue is less than half full (in
     * frames and in bytes): forwarded signals never fill the queue, so they can never get this node closed (4004);
     * what does not fit is dropped and its sender told.
     *
     * @return whether it was queued
     */
    boolean relay(WireMessage msg) {
        String text = WireCodec.get().toJson(msg);
        Session s = session;
        if (!WireSizes.fits(text, maxMessageBytes) || retired || s == null || !s.isOpen()) {
            return false;
        }
        return out.offerUnderHalf(text);
    }

    private boolean offer(WireMessage msg) {
        for (GatewayTransport t : hub.transports()) {
            try {
                if (t.onControlMessage(this, msg)) {
                    return true;
                }
            } catch (RuntimeException e) {
                LOG.warn("transport {} failed on a {} from {}: {}", t.name(), msg.type(), nodeId, e.toString());
                return true;
            }
        }
        return false;
    }

    // ---- single writer ----

    private boolean enqueue(String text) {
        if (!WireSizes.fits(text, maxMessageBytes)) {
            LOG.warn("not sending a {}-byte frame to {}: above the limit of {} bytes", WireSizes.utf8Length(text),
                    nodeId, maxMessageBytes);
            return false;
        }
        Session s = session;
        if (retired || s == null || !s.isOpen()) {
            return false;
        }
        SendQueue.Offer offered = out.offer(text);
        if (offered == SendQueue.Offer.FULL) {
            // a node that does not read its socket: close it rather than queue or log without end
            overflowed("send queue full: the node does not read its socket");
            return false;
        }
        return offered == SendQueue.Offer.QUEUED;
    }

    /** Hands one frame to Jetty ({@link SendQueue.Writer}). */
    private boolean write(String text, Runnable written, java.util.function.Consumer<Throwable> failed) {
        Session s = session;
        if (s == null) {
            return false;
        }
        s.sendText(text, Callback.from(written, failure -> {
            LOG.debug("write to {} failed: {}", nodeId, failure.toString());
            failed.accept(failure);
        }));
        return true;
    }

    // ---- liveness ----

    private void heard() {
        lastHeard = System.nanoTime();
    }

    /** {@link System#nanoTime()} of the last frame of any kind from the peer, or of the upgrade. */
    long lastHeardNanos() {
        return lastHeard;
    }

    /**
     * Sends an empty WebSocket ping, straight to Jetty (not through the send queue). Skipped when the socket is
     * retired or closed, or when frames wait in the send queue: pings never add to a backlog, and a socket that does
     * not drain its queue is judged by what is heard from it all the same.
     *
     * @return whether a ping was sent
     */
    boolean ping() {
        Session s = session;
        if (retired || s == null || !s.isOpen()) {
            return false;
        }
        if (out.hasQueued()) {
            return false;
        }
        try {
            s.sendPing(ByteBuffer.allocate(0), Callback.from(() -> {
            }, failure -> LOG.debug("ping to {} failed: {}", nodeId, failure.toString())));
            return true;
        } catch (RuntimeException e) {
            LOG.debug("ping to {} failed: {}", nodeId, e.toString());
            return false;
        }
    }

    /**
     * Retires the socket of a peer that is gone without a word: sends the close frame for the record, then drops the
     * TCP connection once it is written, without waiting for a close frame that will not come.
     */
    void retireHalfOpen(int code, String reason) {
        markRetired();
        Session s = session;
        if (s != null && s.isOpen()) {
            s.close(code, reason, Callback.from(s::disconnect, failure -> s.disconnect()));
        }
    }

    /** Drops the TCP connection at once (no close handshake); harmless when already closed. */
    void disconnect() {
        Session s = session;
        if (s != null) {
            try {
                s.disconnect();
            } catch (RuntimeException e) {
                LOG.debug("disconnecting {} failed: {}", nodeId, e.toString());
            }
        }
    }

    /**
     * Closes the connection and stops it from counting as its node's channel. Frames still queued are dropped at once:
     * the close frame may wait behind a write that a node which does not read never lets finish.
     */
    void retire(int code, String reason) {
        markRetired();
        out.close();
        Session s = session;
        if (s != null && s.isOpen()) {
            s.close(code, reason, Callback.NOOP);
        }
    }
}
