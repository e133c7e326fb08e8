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

    /**
     * The transport's name.
     *
     * @return the name that appears as {@code used_transport} and {@code fallback_from}
     */
    String name();

    /**
     * Sends {@code request} to node {@code request.node()}, under the contract of the class description. Core has
     * checked, when the dispatch started, that the node is registered, online and supports the action. A stage that
     * has not completed one second after {@code timeout} is answered {@code timeout} by core.
     *
     * <p>The stage may be completed on any thread, an I/O thread included: core only does quick bookkeeping there,
     * runs callers' continuations on its callback pool and starts a fallback attempt (after a {@code p2p_*} failure)
     * on a pool of its own.
     *
     * @param request the request; {@code node} and {@code action} are set
     * @param timeout the time this attempt may take: what earlier attempts of the same dispatch left. Zero or less
     *                means none is left: answer {@code p2p_timeout} at once without sending. Core never passes
     *                {@code null}; the built-in transports treat it as {@code p2p().requestTimeout()}
     * @return a stage that completes normally with the node's response or a failed {@link Response}; a blank
     *         {@code node}, {@code action} or {@code code} is filled in by core
     */
    CompletionStage<Response> send(Request request, Duration timeout);

    /**
     * A node's control channel was bound: a new connection registered. When it replaces an older connection for
     * the same node, {@link #onNodeDisconnected} is called for the older one first.
     *
     * @param channel the new channel
     */
    default void onNodeConnected(ControlChannel channel) {
    }

    /**
     * A node's control channel closed, was replaced by a newer one, or was dropped because the node missed its TTL or
     * was deleted. Requests in flight on it must be failed now, not at their timeout. Not called when the gateway
     * shuts down; {@link #close()} is called then.
     *
     * @param channel the channel that ended
     */
    default void onNodeDisconnected(ControlChannel channel) {
    }

    /**
     * A control message from a registered node that core does not handle itself: {@code node_response}, signalling
     * addressed to the gateway, and any type core does not know (a transport's own messages). Transports are asked in
     * order (the configured P2P transport, its fallback, the relay) until one returns {@code true}; a transport that
     * throws counts as having consumed the message. The transport sends any ack itself with
     * {@link ControlChannel#sendAck}. Unconsumed, a {@code node_response} is dropped with a debug log line, a
     * signalling message gets an error ack, and any other type gets an {@code unsupported message type} ack.
     *
     * @param from    the channel it arrived on; its {@link ControlChannel#nodeId()} is the sender's identity (core sets
     *                {@code from} of {@code node_response} and signalling messages to it, but not of other types)
     * @param message the message
     * @return {@code true} when consumed
     */
    default boolean onControlMessage(ControlChannel from, WireMessage message) {
        return false;
    }

    /**
     * A snapshot of sessions for the {@code p2p} section of {@code /webui/api/nodes}. Core asks only the configured
     * P2P transport; an exception shows as an empty status.
     *
     * @return the status; by default one with no sessions
     */
    default TransportStatus status() {
        return TransportStatus.empty(name());
    }

    /** Fails everything in flight and releases resources. Idempotent. */
    @Override
    void close();
}
