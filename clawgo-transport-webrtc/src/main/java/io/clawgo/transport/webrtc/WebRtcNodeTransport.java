package io.clawgo.transport.webrtc;

import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import io.clawgo.protocol.MessageTypes;
import io.clawgo.protocol.WireMessage;
import io.clawgo.spi.NodeContext;
import io.clawgo.spi.NodeTransport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node side of the {@code webrtc} transport. It takes {@code signal_offer} and {@code signal_candidate} from the
 * gateway (nothing else: {@code node_request}s over the control socket belong to the tunnel). Every offer starts a new
 * {@link AnswerSession} and closes the previous one; gateway candidates that arrive before their offer are held
 * (bounded). Signals are handled in order on a serial executor, never on the control socket's reader thread. All
 * sessions close when the control socket disconnects.
 */
final class WebRtcNodeTransport implements NodeTransport {
    private static final Logger LOG = LoggerFactory.getLogger(WebRtcNodeTransport.class);
    private static final int MAX_EARLY_CANDIDATES = 64;

    private record Early(String attempt, RTCIceCandidate candidate) {
    }

    private final NodeContext ctx;
    private final WebRtcSettings settings;
    private final ExecutorService pool;
    /** Where the DataChannel writers wait for a busy channel to drain (at most one per session at a time). */
    private final ExecutorService drains;
    private final SerialExecutor signals;
    private final List<Early> early = new ArrayList<>();
    private SharedFactory.Lease lease;
    private AnswerSession current;
    private boolean closed;

    WebRtcNodeTransport(NodeContext ctx, WebRtcSettings settings) {
        this.ctx = ctx;
        this.settings = settings;
        this.pool = Pools.fixed("clawgo-webrtc-node");
        this.drains = Pools.cached("clawgo-webrtc-node-drain");
        this.signals = new SerialExecutor(pool);
    }

    @Override
    public String name() {
        return WebRtcProvider.NAME;
    }

    @Override
    public boolean onControlMessage(WireMessage message) {
        String type = message.normalizedType();
        boolean offer = MessageTypes.SIGNAL_OFFER.equals(type);
        if (!offer && !MessageTypes.SIGNAL_CANDIDATE.equals(type)) {
            return false;
        }
        String from = message.from() == null ? "" : message.from().trim();
        if (!from.isEmpty() && !from.equalsIgnoreCase(MessageTypes.GATEWAY)) {
            return false; // node-to-node signalling is not supported by this transport
        }
        signals.execute(() -> {
            if (offer) {
                handleOffer(message);
            } else {
                handleCandidate(message);
            }
        });
        return true;
    }

    @Override
    public void onDisconnected() {
        signals.execute(() -> {
            synchronized (this) {
                early.clear();
            }
            replace(null, "the control socket disconnected");
        });
    }

    @Override
    public void close() {
        AnswerSession s;
        SharedFactory.Lease l;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            s = current;
            current = null;
            l = lease;
            lease = null;
            early.clear();
        }
        if (s != null) {
            s.close();
        }
        Pools.shutdown(pool, 3000);
        Pools.shutdown(drains, 1000);
        if (l != null) {
            l.close();
        }
    }

    // ----------------------------------------------------------------------------------------- on the serial executor

    private void handleOffer(WireMessage msg) {
        Map<String, Object> payload = msg.payload();
        RTCSessionDescription offer;
        try {
            offer = Signals.description(payload, RTCSdpType.OFFER);
        } catch (IllegalArgumentException e) {
            LOG.warn("node {}: ignoring an invalid webrtc offer: {}", ctx.nodeId(), e.getMessage());
            return;
        }
        String attempt = Signals.attempt(payload);
        int peerMax = Signals.maxMessageBytes(payload);
        int outbound = peerMax > 0 ? Math.min(ctx.maxMessageBytes(), peerMax) : ctx.maxMessageBytes();
        AnswerSession s = new AnswerSession(ctx, pool, drains, settings, attempt, msg.session() == null
                ? ctx.nodeId() : msg.session(), outbound, this::ended);
        List<RTCIceCandidate> held = new ArrayList<>();
        SharedFactory.Lease l;
        synchronized (this) {
            if (closed) {
                return;
            }
            for (Early e : early) {
                if (Objects.equals(e.attempt(), attempt)) {
                    held.add(e.candidate());
                }
            }
            early.clear();
            try {
                if (lease == null) {
                    lease = SharedFactory.acquire();
                }
            } catch (RuntimeException | Error e) {
                LOG.warn("node {}: cannot answer a webrtc offer: {}", ctx.nodeId(), e.getMessage());
                if (!NativeLibrary.probe().loaded()) {
                    // the library is on the class path but does not load: it never will in this JVM
                    ctx.withdraw(WebRtcProvider.NAME, String.valueOf(e.getMessage()));
                }
                return;
            }
            l = lease;
        }
        replace(s, "a new offer arrived");
        RTCConfiguration config = RtcConfigs.build(Signals.iceServers(payload), Signals.relayOnly(payload), settings);
        try {
            s.start(l.factory(), config, offer, held);
        } catch (RuntimeException | Error e) {
            LOG.warn("node {}: cannot answer a webrtc offer: {}", ctx.nodeId(), e.toString());
            replace(null, "the answer failed");
        }
    }

    private void handleCandidate(WireMessage msg) {
        RTCIceCandidate c;
        try {
            c = Signals.candidate(msg.payload());
        } catch (IllegalArgumentException e) {
            LOG.debug("node {}: ignoring an invalid candidate: {}", ctx.nodeId(), e.getMessage());
            return;
        }
        if (c == null) {
            return; // end of candidates
        }
        String attempt = Signals.attempt(msg.payload());
        AnswerSession s;
        synchronized (this) {
            if (closed) {
                return;
            }
            s = current;
            if (s == null || (attempt != null && !attempt.equals(s.attempt))) {
                // before its offer (or for an attempt we do not have): hold it, bounded
                if (early.size() >= MAX_EARLY_CANDIDATES) {
                    early.remove(0);
                }
                early.add(new Early(attempt, c));
                return;
            }
        }
        s.addRemoteCandidate(c);
    }

    /** Makes {@code next} the current session and closes the previous one. */
    private void replace(AnswerSession next, String reason) {
        AnswerSession old;
        synchronized (this) {
            if (closed) {
                old = next;
            } else {
                old = current;
                current = next;
            }
        }
        if (old != null) {
            LOG.debug("node {}: closing the webrtc session of attempt {}: {}", ctx.nodeId(), old.attempt, reason);
            old.close();
        }
    }

    /** A session ended by itself (channel or connection closed): drop it if it is still current. */
    private void ended(AnswerSession s) {
        signals.execute(() -> {
            boolean wasCurrent;
            synchronized (this) {
                wasCurrent = current == s;
                if (wasCurrent) {
                    current = null;
                }
            }
            s.close();
        });
    }
}
