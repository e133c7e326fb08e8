package io.clawgo.transport.webrtc;

import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.MessageTypes;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireMessage;
import io.clawgo.spi.ControlChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's side of one peer connection to a node (the offerer): it creates the {@code clawgo} DataChannel, sends
 * the offer and its candidates over the node's control channel, applies the answer, and carries the requests of its
 * {@link GatewaySession} once the channel is open. It ends once (timeout, failure, close) and is then discarded; the
 * session makes a new one for the next request.
 */
final class OfferAttempt implements PeerLink.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(OfferAttempt.class);

    final String id = Ids.attemptId();
    final ControlChannel channel;
    private final GatewaySession session;
    private final GatewayEnv env;
    private final String nodeId;
    private final long readyDeadline;
    private final Map<String, PendingRequest> sent = new ConcurrentHashMap<>();
    private final List<PendingRequest> waiting = new ArrayList<>();
    private final List<RTCIceCandidate> earlyLocal = new ArrayList<>();
    private volatile PeerLink link;
    private volatile boolean ended;
    private volatile int peerMaxMessageBytes;
    /** The offer is on its way: an answer may be accepted. */
    private boolean offerOut;
    /** The offer was queued on the control channel: local candidates may follow it. */
    private boolean offerSent;
    private boolean gatheringDone;
    private boolean answered;
    /** Remote candidates taken from the node for this attempt, before and after its answer. */
    private int remoteCandidates;
    private boolean open;
    private ScheduledFuture<?> readyTimer;

    OfferAttempt(GatewaySession session, GatewayEnv env, ControlChannel channel) {
        this.session = session;
        this.env = env;
        this.channel = channel;
        this.nodeId = session.nodeId;
        this.readyDeadline = System.nanoTime() + env.settings.readyTimeout().toNanos();
    }

    /** Creates the peer connection and sends the offer. Runs on the pool. */
    void start() {
        synchronized (this) {
            if (ended) {
                return;
            }
            readyTimer = env.later(env.settings.readyTimeout().toMillis(), () -> end("timeout",
                    "webrtc session not ready within " + env.settings.readyTimeout().toMillis() + " ms", true));
        }
        PeerLink l;
        try {
            l = PeerLink.create(env.factory(), env.rtcConfig(), env.pool, env.drains, this, env.settings,
                    env.ctx.maxMessageBytes(), false, PeerLink.INLINE_LIMIT);
            link = l;
            if (ended) {
                l.close();
                return;
            }
            l.createChannel();
        } catch (RuntimeException | Error e) {
            end("failed", "creating the peer connection failed: " + e.getMessage(), true);
            return;
        }
        l.createOffer()
                .thenCompose(offer -> l.setLocal(offer).thenApply(v -> offer))
                .whenComplete((offer, err) -> {
                    if (err != null) {
                        end("failed", "creating the offer failed: " + rootMessage(err), true);
                    } else {
                        sendOffer(offer);
                    }
                });
    }

    private void sendOffer(RTCSessionDescription offer) {
        if (ended) {
            return;
        }
        WireMessage m = WireMessage.signal(MessageTypes.SIGNAL_OFFER, MessageTypes.GATEWAY, nodeId, nodeId,
                Signals.offer(offer.sdp, env.iceServers, env.settings.relayOnly(), id, env.ctx.maxMessageBytes()));
        synchronized (this) {
            offerOut = true; // the answer may come back before send() returns
        }
        if (!channel.isOpen() || !channel.send(m)) {
            end("failed", "could not send the offer: the node's control connection is closed or full", true);
            return;
        }
        List<RTCIceCandidate> early;
        boolean eoc;
        synchronized (this) {
            offerSent = true;
            early = new ArrayList<>(earlyLocal);
            earlyLocal.clear();
            eoc = gatheringDone;
        }
        early.forEach(this::sendCandidate);
        if (eoc) {
            sendEndOfCandidates();
        }
        LOG.debug("sent a webrtc offer to node {} (attempt {})", nodeId, id);
    }

    // ------------------------------------------------------------------------------------------- signals from node

    /** Handles an answer or candidate from the node; returns an error text for the ack, or {@code null}. */
    String onSignal(String type, Map<String, Object> payload) {
        String attempt = Signals.attempt(payload);
        if (attempt != null && !attempt.equals(id)) {
            return "stale " + type + " for an older webrtc session attempt";
        }
        PeerLink l = link;
        if (l == null || ended) {
            return "no webrtc session is waiting for signals from node " + nodeId;
        }
        if (MessageTypes.SIGNAL_ANSWER.equals(type)) {
            RTCSessionDescription answer;
            try {
                answer = Signals.description(payload, RTCSdpType.ANSWER);
            } catch (IllegalArgumentException e) {
                return "invalid answer: " + e.getMessage();
            }
            synchronized (this) {
                if (!offerOut) {
                    return "no offer was sent yet";
                }
                if (answered) {
                    return "an answer was already applied to this session";
                }
                answered = true;
            }
            int max = Signals.maxMessageBytes(payload);
            peerMaxMessageBytes = max;
            env.run(() -> l.setRemote(answer).whenComplete((v, err) -> {
                if (err != null) {
                    end("failed", "applying the answer failed: " + rootMessage(err), true);
                }
            }));
            return null;
        }
        RTCIceCandidate c;
        try {
            c = Signals.candidate(payload);
        } catch (IllegalArgumentException e) {
            return "invalid candidate: " + e.getMessage();
        }
        if (c != null) {
            synchronized (this) {
                // the whole attempt, not only what comes before the answer: a node that goes on sending candidates
                // after it is refused here, before the candidate costs a task and connectivity checks
                if (remoteCandidates >= PeerLink.MAX_REMOTE_CANDIDATES) {
                    return "too many ICE candidates for this webrtc session attempt (at most "
                            + PeerLink.MAX_REMOTE_CANDIDATES + ")";
                }
                remoteCandidates++;
            }
            env.run(() -> l.addRemoteCandidate(c));
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------- requests

    /** Takes a request of the session: sends it now when open, else waits (bounded) for the channel. */
    void enqueue(PendingRequest p) {
        boolean now;
        synchronized (this) {
            if (ended) {
                now = false;
            } else if (open) {
                now = true;
            } else {
                waiting.add(p);
                long readyLeft = (readyDeadline - System.nanoTime()) / 1_000_000;
                long half = p.timeoutMillis / 2;
                if (half < readyLeft) {
                    // leave the router half of the caller's budget for a fallback; otherwise the attempt's own
                    // ready timer ends the wait (and marks the session timeout)
                    p.readyWaitMillis = Math.max(1, half);
                    p.readyWaitAt = System.nanoTime() + p.readyWaitMillis * 1_000_000L;
                }
                env.track(p, this);
                return;
            }
        }
        if (now) {
            env.track(p, this);
            write(p);
        } else {
            p.fail(ErrorCodes.P2P_UNAVAILABLE, "the webrtc session to node " + nodeId + " ended");
        }
    }

    private void write(PendingRequest p) {
        PeerLink l = link;
        byte[] json = WireCodec.get().toJsonBytes(WireMessage.nodeRequest(p.id, nodeId, p.request));
        int limit = outboundLimit();
        if (json.length > limit) {
            p.fail(ErrorCodes.PAYLOAD_TOO_LARGE, "request of " + json.length + " bytes exceeds the limit of " + limit
                    + " bytes");
            return;
        }
        p.state(PendingRequest.State.WRITING);
        sent.put(p.id, p);
        l.send(json).whenComplete((v, err) -> {
            if (err != null) {
                if (sent.remove(p.id, p)) {
                    p.fail(ErrorCodes.P2P_SEND_FAILED, "sending over the webrtc DataChannel failed: "
                            + rootMessage(err));
                }
                return;
            }
            p.state(PendingRequest.State.SENT);
            if (ended && sent.remove(p.id, p)) {
                p.fail(ErrorCodes.TRANSPORT_ERROR, endedWhileSent());
            }
        });
    }

    private int outboundLimit() {
        int mine = env.ctx.maxMessageBytes();
        int peer = peerMaxMessageBytes;
        return peer > 0 ? Math.min(mine, peer) : mine;
    }

    void requestTimedOut(PendingRequest p) {
        boolean wasWaiting;
        synchronized (this) {
            wasWaiting = waiting.remove(p);
        }
        if (wasWaiting) {
            p.fail(ErrorCodes.P2P_TIMEOUT, "webrtc channel to node " + nodeId + " did not open within "
                    + p.timeoutMillis + " ms");
        } else if (sent.remove(p.id, p)) {
            p.fail(ErrorCodes.TIMEOUT, "node " + nodeId + " did not answer over webrtc within " + p.timeoutMillis
                    + " ms");
        }
    }

    void readyWaitExpired(PendingRequest p) {
        stopWaiting(p, ErrorCodes.P2P_TIMEOUT, "webrtc session not ready: the channel to node " + nodeId
                + " did not open within " + p.readyWaitMillis + " ms");
    }

    /** The node registered again without webrtc (its natives failed): a request waiting for the channel gives up. */
    void nodeWithdrew(PendingRequest p) {
        stopWaiting(p, ErrorCodes.P2P_UNAVAILABLE, "node " + nodeId + " no longer offers webrtc");
    }

    private void stopWaiting(PendingRequest p, String code, String message) {
        boolean wasWaiting;
        synchronized (this) {
            wasWaiting = waiting.remove(p);
        }
        if (wasWaiting) {
            p.fail(code, message);
        }
    }

    String nodeId() {
        return nodeId;
    }

    // --------------------------------------------------------------------------------------------- link events

    @Override
    public void onLocalCandidate(RTCIceCandidate candidate) {
        synchronized (this) {
            if (ended) {
                return;
            }
            if (!offerSent) {
                earlyLocal.add(candidate);
                return;
            }
        }
        sendCandidate(candidate);
    }

    @Override
    public void onGatheringComplete() {
        synchronized (this) {
            if (ended) {
                return;
            }
            if (!offerSent) {
                gatheringDone = true;
                return;
            }
        }
        sendEndOfCandidates();
    }

    @Override
    public void onChannelOpen() {
        List<PendingRequest> flush;
        synchronized (this) {
            if (ended) {
                return;
            }
            open = true;
            if (readyTimer != null) {
                readyTimer.cancel(false);
            }
            flush = new ArrayList<>(waiting);
            waiting.clear();
        }
        session.attemptOpened(this);
        LOG.debug("webrtc channel to node {} open (attempt {})", nodeId, id);
        for (PendingRequest p : flush) {
            if (!p.result.isDone()) {
                write(p);
            }
        }
    }

    @Override
    public void onChannelClosed() {
        end("closed", "the webrtc data channel closed", true);
    }

    @Override
    public void onConnectionState(RTCPeerConnectionState state) {
        switch (state) {
            case FAILED -> end("failed", "peer connection state: failed", true);
            case DISCONNECTED -> end("disconnected", "peer connection state: disconnected", true);
            case CLOSED -> end("closed", "peer connection state: closed", true);
            default -> {
            }
        }
    }

    /**
     * A node's answer. Small ones arrive here on the native callback thread (see {@link PeerLink#INLINE_LIMIT}):
     * decode, complete the pending request, return. What runs on completion is core's quick bookkeeping (the SPI's
     * contract: callers' continuations go to the gateway's callback pool, a fallback attempt to a pool of its own),
     * so a waiting caller is woken without a thread hop.
     */
    @Override
    public void onMessage(byte[] utf8) {
        WireMessage msg;
        try {
            msg = WireCodec.get().decode(new String(utf8, java.nio.charset.StandardCharsets.UTF_8), WireMessage.class,
                    env.ctx.maxMessageBytes());
        } catch (ProtocolException e) {
            LOG.warn("dropping an invalid DataChannel message from node {}: {}", nodeId, e.getMessage());
            return;
        }
        if (!MessageTypes.NODE_RESPONSE.equals(msg.normalizedType()) || msg.id() == null) {
            LOG.debug("ignoring a {} from node {} on the DataChannel", msg.type(), nodeId);
            return;
        }
        PendingRequest p = sent.remove(msg.id());
        if (p == null) {
            LOG.debug("dropping node_response {} from node {}: no request waits for it", msg.id(), nodeId);
            return;
        }
        if (msg.response() == null) {
            p.fail(ErrorCodes.INVALID_RESPONSE, "node " + nodeId + " sent a node_response without a response");
            return;
        }
        p.complete(msg.response());
    }

    @Override
    public void onFrameError(String error) {
        LOG.warn("dropped a DataChannel message from node {}: {}", nodeId, error);
    }

    @Override
    public void onStall(String error) {
        end("failed", error, true);
    }

    // ------------------------------------------------------------------------------------------------- teardown

    boolean isOpen() {
        PeerLink l = link;
        return !ended && l != null && l.isOpen();
    }

    boolean isEnded() {
        return ended;
    }

    /**
     * Ends this attempt once: records {@code status} on the session, fails what waits ({@code p2p_timeout} after a
     * timeout, else {@code p2p_unavailable}) and what was sent ({@code transport_error}: the node may have run it),
     * and releases the peer connection on the pool.
     *
     * @param failure whether it counts for the re-establishment backoff
     */
    void end(String status, String error, boolean failure) {
        List<PendingRequest> unsent;
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            if (readyTimer != null) {
                readyTimer.cancel(false);
            }
            unsent = new ArrayList<>(waiting);
            waiting.clear();
            earlyLocal.clear();
        }
        session.attemptEnded(this, status, error, failure);
        if (failure) {
            LOG.info("webrtc session to node {} ended: {} ({})", nodeId, status, error);
        } else {
            LOG.debug("webrtc session to node {} ended: {} ({})", nodeId, status, error);
        }
        String code = status.equals("timeout") ? ErrorCodes.P2P_TIMEOUT : ErrorCodes.P2P_UNAVAILABLE;
        for (PendingRequest p : unsent) {
            p.fail(code, status.equals("timeout") ? error : "webrtc session to node " + nodeId + " " + status + ": "
                    + error);
        }
        for (PendingRequest p : new ArrayList<>(sent.values())) {
            if (p.state() == PendingRequest.State.SENT && sent.remove(p.id, p)) {
                p.fail(ErrorCodes.TRANSPORT_ERROR, endedWhileSent() + " (" + error + ")");
            }
        }
        PeerLink l = link;
        if (l != null && !env.run(l::close)) {
            l.close();
        }
    }

    private String endedWhileSent() {
        return "the webrtc session to node " + nodeId + " ended while the request was in flight; the node may have "
                + "run it";
    }

    private void sendCandidate(RTCIceCandidate c) {
        if (!channel.send(WireMessage.signal(MessageTypes.SIGNAL_CANDIDATE, MessageTypes.GATEWAY, nodeId, nodeId,
                Signals.candidate(c, id)))) {
            LOG.debug("could not send a candidate to node {}", nodeId);
        }
    }

    private void sendEndOfCandidates() {
        channel.send(WireMessage.signal(MessageTypes.SIGNAL_CANDIDATE, MessageTypes.GATEWAY, nodeId, nodeId,
                Signals.endOfCandidates("0", id)));
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException
                || c instanceof java.util.concurrent.ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof java.util.concurrent.TimeoutException) {
            return "timed out";
        }
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }
}
