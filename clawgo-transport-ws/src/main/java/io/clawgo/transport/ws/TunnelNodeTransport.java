package io.clawgo.transport.ws;

import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.MessageTypes;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireSizes;
import io.clawgo.protocol.WireMessage;
import io.clawgo.spi.NodeContext;
import io.clawgo.spi.NodeTransport;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node side of {@code websocket_tunnel}: takes {@code node_request} frames from the control socket, runs each on the
 * node's bounded executor ({@link NodeContext#execute}) and answers with a {@code node_response} carrying the same id.
 *
 * <p>The reader thread only hands the request over, so a slow request blocks neither heartbeats nor other requests.
 * The node's executor bounds concurrency ({@code node_busy} beyond its queue) and replaces a response too large for
 * one frame with {@code payload_too_large}; should a response still not fit, a small {@code payload_too_large} answer
 * is sent instead, so the gateway's caller never waits for its deadline.
 */
final class TunnelNodeTransport implements NodeTransport {
    private static final Logger LOG = LoggerFactory.getLogger(TunnelNodeTransport.class);

    private final NodeContext context;
    private final String nodeId;
    private volatile boolean closed;

    TunnelNodeTransport(NodeContext context) {
        this.context = context;
        this.nodeId = context.nodeId();
    }

    @Override
    public String name() {
        return WebSocketTunnelProvider.NAME;
    }

    @Override
    public boolean onControlMessage(WireMessage message) {
        if (!MessageTypes.NODE_REQUEST.equals(message.normalizedType())) {
            return false;
        }
        String id = message.id();
        if (closed) {
            LOG.debug("node {}: dropping node_request {}: the tunnel is closed", nodeId, id);
            return true;
        }
        if (id == null || id.isBlank()) {
            LOG.warn("node {}: a node_request without an id cannot be answered; ignoring it", nodeId);
            return true;
        }
        Request request = message.request();
        if (request == null) {
            reply(id, null, new Response(false, ErrorCodes.INVALID_REQUEST, "request missing", nodeId, null, null));
            return true;
        }
        CompletionStage<Response> stage;
        try {
            stage = context.execute(request);
        } catch (RuntimeException e) {
            LOG.warn("node {}: could not start request {}: {}", nodeId, id, e.toString());
            reply(id, request, Response.error(request, ErrorCodes.TRANSPORT_ERROR,
                    "the node could not start the request: " + e.getClass().getSimpleName()));
            return true;
        }
        stage.whenComplete((r, e) -> {
            Response out = r;
            if (out == null) {
                out = Response.error(request, ErrorCodes.TRANSPORT_ERROR, "the node failed to run the request"
                        + (e == null ? "" : ": " + e.getClass().getSimpleName()));
            }
            reply(id, request, out);
        });
        return true;
    }

    /** Sends the answer; when it does not fit in one frame, sends a small {@code payload_too_large} instead. */
    private void reply(String id, Request request, Response response) {
        WireMessage msg = WireMessage.nodeResponse(id, nodeId, response);
        if (context.sendAnswer(msg)) {
            return;
        }
        long size = WireSizes.utf8Length(WireCodec.get().toJson(msg));
        if (size <= context.maxMessageBytes()) {
            LOG.debug("node {}: could not send node_response {} (not connected or send queue full)", nodeId, id);
            return;
        }
        String action = request == null ? null : request.action();
        Response small = new Response(false, ErrorCodes.PAYLOAD_TOO_LARGE, "response of " + size
                + " bytes exceeds the message limit of " + context.maxMessageBytes() + " bytes", nodeId, action, null);
        if (!context.send(WireMessage.nodeResponse(id, nodeId, small))) {
            LOG.debug("node {}: could not send the payload_too_large answer to {}", nodeId, id);
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
