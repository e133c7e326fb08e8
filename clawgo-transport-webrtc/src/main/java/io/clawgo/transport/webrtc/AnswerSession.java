package io.clawgo.transport.webrtc;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCSessionDescription;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.MessageTypes;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireMessage;
import io.clawgo.spi.NodeContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's side of one peer connection (the answerer), made for one {@code signal_offer}: it answers, trickles its
 * candidates to the gateway, accepts the {@code clawgo} DataChannel and runs the requests that arrive on it
 * concurrently through {@link NodeContext#execute}, answering on the same channel.
 */
final class AnswerSession implements PeerLink.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(AnswerSession.class);

    final String attempt;
    private final NodeContext ctx;
    private final Executor pool;
    private final Executor drains;
    private final Executor offCallback;
    private final WebRtcSettings settings;
    private final String session;
    private final int outboundLimit;
    private final Consumer<AnswerSession> onEnd;
    private final List<RTCIceCandidate> earlyLocal = new ArrayList<>();
    private volatile PeerLink link;
    private volatile boolean closed;
    private boolean answered;

    /**
     * @param pool           the node transport's bounded pool
     * @param drains         where the session's writer waits for a busy channel
     * @param attempt        the offer's attempt id (echoed in every signal), or {@code null}
     * @param session        the offer's {@code session} field, echoed
     * @param outboundLimit  the largest message the gateway takes
     * @param onEnd          told once when this session ends by itself (channel or connection closed)
     */
    AnswerSession(NodeContext ctx, Executor pool, Executor drains, WebRtcSettings settings, String attempt,
                  String session, int outboundLimit, Consumer<AnswerSession> onEnd) {
        this.ctx = ctx;
        this.pool = pool;
        this.drains = drains;
        this.offCallback = PeerLink.offCallback(pool);
        this.settings = settings;
        this.attempt = attempt;
        this.session = session;
        this.outboundLimit = outboundLimit;
        this.onEnd = onEnd;
    }

    /** Creates the peer connection, applies the offer and held-back candidates, and sends the answer. */
    void start(PeerConnectionFactory factory, RTCConfiguration config, RTCSessionDescription offer,
               List<RTCIceCandidate> early) {
        PeerLink l = PeerLink.create(factory, config, pool, drains, this, settings, ctx.maxMessageBytes(), true,
                PeerLink.INLINE_LIMIT);
        link = l;
        if (closed) {
            l.close();
            return;
        }
        early.forEach(l::addRemoteCandidate);
        l.setRemote(offer)
                .thenCompose(v -> l.createAnswer())
                .thenCompose(answer -> l.setLocal(answer).thenApply(v -> answer))
                .whenComplete((answer, err) -> {
                    if (err != null) {
                        LOG.warn("node {}: answering the webrtc offer failed: {}", ctx.nodeId(),
                                OfferAttempt.rootMessage(err));
                        endByItself();
                    } else {
                        sendAnswer(answer);
                    }
                });
    }

    void addRemoteCandidate(RTCIceCandidate c) {
        PeerLink l = link;
        if (l != null) {
            l.addRemoteCandidate(c);
        }
    }

    private void sendAnswer(RTCSessionDescription answer) {
        if (closed) {
            return;
        }
        WireMessage m = WireMessage.signal(MessageTypes.SIGNAL_ANSWER, ctx.nodeId(), MessageTypes.GATEWAY, session,
                Signals.answer(answer.sdp, attempt, ctx.maxMessageBytes()));
        if (!ctx.send(m)) {
            LOG.warn("node {}: could not send the webrtc answer (control socket closed)", ctx.nodeId());
            endByItself();
            return;
        }
        List<RTCIceCandidate> early;
        synchronized (this) {
            answered = true;
            early = new ArrayList<>(earlyLocal);
            earlyLocal.clear();
        }
        early.forEach(this::sendCandidate);
        LOG.debug("node {}: answered a webrtc offer (attempt {})", ctx.nodeId(), attempt);
    }

    @Override
    public void onLocalCandidate(RTCIceCandidate candidate) {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (!answered) {
                earlyLocal.add(candidate);
                return;
            }
        }
        sendCandidate(candidate);
    }

    private void sendCandidate(RTCIceCandidate c) {
        ctx.send(WireMessage.signal(MessageTypes.SIGNAL_CANDIDATE, ctx.nodeId(), MessageTypes.GATEWAY, session,
                Signals.candidate(c, attempt)));
    }

    @Override
    public void onChannelOpen() {
        LOG.debug("node {}: webrtc channel open (attempt {})", ctx.nodeId(), attempt);
    }

    @Override
    public void onChannelClosed() {
        endByItself();
    }

    @Override
    public void onConnectionState(RTCPeerConnectionState state) {
        if (state == RTCPeerConnectionState.FAILED || state == RTCPeerConnectionState.DISCONNECTED
                || state == RTCPeerConnectionState.CLOSED) {
            LOG.debug("node {}: webrtc peer connection {}", ctx.nodeId(), state);
            endByItself();
        }
    }

    /**
     * A request from the gateway: run it concurrently, answer on the channel. Small requests arrive here on the native
     * callback thread (see {@link PeerLink#INLINE_LIMIT}): parse, hand to the executor, return. A result that is there
     * at once (a direct handler, {@code node_busy}) is answered from this thread when it is small, like a raw echo.
     */
    @Override
    public void onMessage(byte[] utf8) {
        WireMessage msg;
        try {
            msg = WireCodec.get().decode(new String(utf8, StandardCharsets.UTF_8), WireMessage.class,
                    ctx.maxMessageBytes());
        } catch (ProtocolException e) {
            LOG.warn("node {}: dropping an invalid DataChannel message: {}", ctx.nodeId(), e.getMessage());
            return;
        }
        if (!MessageTypes.NODE_REQUEST.equals(msg.normalizedType()) || msg.id() == null) {
            LOG.debug("node {}: ignoring a {} on the DataChannel", ctx.nodeId(), msg.type());
            return;
        }
        Request req = msg.request();
        if (req == null) {
            offCallback.execute(() -> reply(msg.id(), Response.error(ErrorCodes.INVALID_REQUEST,
                    "node_request without a request")));
            return;
        }
        CompletableFuture<Response> result = ctx.execute(req).toCompletableFuture();
        if (result.isDone()) {
            // answered at once (a direct handler, node_busy): reply from this thread, as a raw echo would. The writer
            // never waits here: when the channel is busy it carries on from its drain pool
            reply(msg.id(), outcome(req, result));
            return;
        }
        result.whenCompleteAsync((resp, err) -> reply(msg.id(), outcome(req, resp, err)), offCallback);
    }

    private static Response outcome(Request req, CompletableFuture<Response> done) {
        try {
            return outcome(req, done.getNow(null), null);
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            return outcome(req, null, e);
        }
    }

    private static Response outcome(Request req, Response resp, Throwable err) {
        return err != null || resp == null
                ? Response.error(req, ErrorCodes.TRANSPORT_ERROR, "the node failed to run the request: " + err)
                : resp;
    }

    private void reply(String id, Response response) {
        PeerLink l = link;
        if (l == null || closed) {
            LOG.debug("node {}: dropping the response to {}: the webrtc session closed", ctx.nodeId(), id);
            return;
        }
        byte[] json = WireCodec.get().toJsonBytes(new WireMessage(MessageTypes.NODE_RESPONSE, id, ctx.nodeId(),
                MessageTypes.GATEWAY, session, null, null, response, null));
        if (json.length > outboundLimit) {
            Response tooLarge = new Response(false, ErrorCodes.PAYLOAD_TOO_LARGE, "response of " + json.length
                    + " bytes exceeds the limit of " + outboundLimit + " bytes", response.node(), response.action(),
                    null);
            json = WireCodec.get().toJsonBytes(new WireMessage(MessageTypes.NODE_RESPONSE, id, ctx.nodeId(),
                    MessageTypes.GATEWAY, session, null, null, tooLarge, null));
        }
        byte[] out = json;
        Runnable write = () -> l.send(out).whenComplete((v, err) -> {
            if (err != null) {
                LOG.debug("node {}: could not send the response to {}: {}", ctx.nodeId(), id, err.getMessage());
            }
        });
        if (out.length > PeerLink.INLINE_LIMIT) {
            offCallback.execute(write); // a large answer is chunked and written from the pool, not a callback thread
        } else {
            write.run();
        }
    }

    @Override
    public void onFrameError(String error) {
        LOG.warn("node {}: dropped a DataChannel message: {}", ctx.nodeId(), error);
    }

    @Override
    public void onStall(String error) {
        LOG.warn("node {}: {}", ctx.nodeId(), error);
        endByItself();
    }

    private void endByItself() {
        if (!closed) {
            onEnd.accept(this);
        }
    }

    /** Releases the peer connection. Idempotent; not on a callback thread. */
    void close() {
        PeerLink l;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            earlyLocal.clear();
            l = link;
        }
        if (l != null) {
            l.close();
        }
    }
}
