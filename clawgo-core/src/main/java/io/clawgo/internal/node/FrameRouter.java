package io.clawgo.internal.node;

import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Frame;
import io.clawgo.protocol.MessageTypes;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireAck;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireMessage;
import io.clawgo.spi.NodeTransport;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes the text frames a gateway sends on a node's control socket: acks to the {@link GatewayConnection} they answer
 * ({@code registered}, heartbeat acks, refusals), messages to the node transports in order until one consumes it, and
 * a {@code node_request} no transport consumed back to the gateway as {@code p2p_unavailable}.
 *
 * <p>Runs on the socket's reader thread and never blocks there: acks complete futures or flip flags, transports are
 * expected to hand work off. Stateless apart from what it is given; thread-safe. Failure modes: an invalid or
 * undecodable frame, a transport that throws, or an error while handling a frame are logged and the frame skipped;
 * the connection stays.
 */
final class FrameRouter {
    /** The node runtime's logger: the node's log lines keep the category they had before the split. */
    private static final Logger LOG = LoggerFactory.getLogger(NodeRuntime.class);

    /** The error of the {@code p2p_unavailable} answer to a {@code node_request} that no transport consumed. */
    static final String NO_TRANSPORT_ERROR =
            "this node has no transport for node_request on its class path (add io.clawgo:clawgo-transport-ws)";

    private final String nodeId;
    private final int maxMessageBytes;
    private final Supplier<List<NodeTransport>> transports;
    private final Predicate<GatewayConnection> current;
    private final WireCodec codec = WireCodec.get();

    /**
     * @param nodeId          this node's id (acks for another id are ignored)
     * @param maxMessageBytes the largest frame accepted
     * @param transports      the node transports, asked in this order
     * @param current         whether a connection is the node's current one (messages from a replaced one are
     *                        dropped; acks still reach the connection they answer)
     */
    FrameRouter(String nodeId, int maxMessageBytes, Supplier<List<NodeTransport>> transports,
                Predicate<GatewayConnection> current) {
        this.nodeId = nodeId;
        this.maxMessageBytes = maxMessageBytes;
        this.transports = transports;
        this.current = current;
    }

    /** Decodes and routes one text frame that arrived on {@code c}. */
    void onText(GatewayConnection c, String text) {
        Frame frame;
        try {
            frame = codec.decodeFrame(text, maxMessageBytes);
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

    private void onAck(GatewayConnection c, WireAck ack) {
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
                        c.onHeartbeatAck();
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

    private void onMessage(GatewayConnection c, WireMessage msg) {
        if (!current.test(c)) {
            LOG.debug("node {}: dropping a {} from a replaced connection", nodeId, msg.normalizedType());
            return;
        }
        for (NodeTransport t : transports.get()) {
            try {
                if (t.onControlMessage(msg)) {
                    return;
                }
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("node {}: transport {} failed on a {} message: {}", nodeId, NodeTransports.safeName(t),
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

    static String blankTo(String s, String fallback) {
        return s == null || s.isBlank() ? fallback : s;
    }
}
