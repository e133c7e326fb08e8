package io.clawgo.spi;

import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireMessage;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * The gateway side of a transport: it carries a {@link Request} to a node and brings back its {@link Response}.
 *
 * <p>Contract of {@link #send}: the returned stage completes within {@code timeout}, and it completes
 * <em>normally</em> with a failed {@link Response} for every expected failure, using the codes of
 * {@link io.clawgo.protocol.ErrorCodes}. Use {@code p2p_unavailable}, {@code p2p_timeout}, {@code p2p_send_failed} or
 * {@code p2p_busy} only when the node did not run the request (the router then may retry over the relay); use
 * {@code timeout} when the request was sent but no answer came in time. An exceptional completion is treated as
 * {@code transport_error}. Callbacks ({@code onNode*}, {@code onControlMessage}) run on I/O threads: never block in
 * them.
 */
public interface GatewayTransport extends AutoCloseable {

    /** The name that appears as {@code used_transport}. */
    String name();

    /** Sends {@code request} to node {@code request.node()}. */
    CompletionStage<Response> send(Request request, Duration timeout);

    /** A node's control channel was bound (a new connection registered, possibly replacing an older one). */
    default void onNodeConnected(ControlChannel channel) {
    }

    /**
     * A node's control channel closed or was replaced. Requests in flight on it must be failed now, not at their
     * timeout.
     */
    default void onNodeDisconnected(ControlChannel channel) {
    }

    /**
     * A control message that core does not handle itself: {@code node_response}, and signalling addressed to the
     * gateway. Return {@code true} when consumed; the transport sends any ack itself with
     * {@link ControlChannel#sendAck}. Unconsumed messages get an {@code unsupported message type} ack, except
     * {@code node_response}, which is dropped with a log line.
     */
    default boolean onControlMessage(ControlChannel from, WireMessage message) {
        return false;
    }

    /** A snapshot of sessions for {@code /webui/api/nodes} ({@code p2p} section). */
    default TransportStatus status() {
        return TransportStatus.empty(name());
    }

    /** Fails everything in flight and releases resources. Idempotent. */
    @Override
    void close();
}
