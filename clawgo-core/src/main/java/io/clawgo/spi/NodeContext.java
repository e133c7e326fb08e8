package io.clawgo.spi;

import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireMessage;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;

/** What the node core gives a node-side transport, in {@link TransportProvider#createNodeTransport}. Thread-safe. */
public interface NodeContext {

    /**
     * This node's id.
     *
     * @return the id the node registers as
     */
    String nodeId();

    /**
     * Queues a message on the control socket. Never blocks.
     *
     * @param message the message
     * @return {@code false} when the node is not connected and registered, the message is larger than
     *         {@link #maxMessageBytes()}, or the socket's send queue is full; {@code true} means queued, not delivered
     */
    boolean send(WireMessage message);

    /**
     * Queues the answer to a request ({@code node_response}) with backpressure: while the control socket's send queue
     * is nearly full (the gateway reads slower than the node answers), waits for room, up to 30 seconds, instead of
     * overflowing the queue, which would close the socket and fail every request in flight. A node that answers a
     * burst of large requests is slowed down to what the gateway reads. May block: call it from the thread that
     * finished the request, not from {@link NodeTransport#onControlMessage} when it can avoid it.
     *
     * @param answer the {@code node_response}
     * @return {@code false} when the node is not connected, the answer is larger than {@link #maxMessageBytes()}, or
     *         no room was made within the wait (the answer is dropped and the gateway's deadline fails the request)
     */
    default boolean sendAnswer(WireMessage answer) {
        return send(answer);
    }

    /**
     * Runs a request on the node's bounded executor (its in-process handler, else its local endpoint), within the
     * node's request timeout.
     *
     * @param request the request; a blank {@code node} is filled in with this node's id
     * @return a stage that always completes normally: with the response, or a failed one such as {@code node_busy}
     *         (executor saturated), {@code timeout}, {@code remote_error}, {@code endpoint_missing},
     *         {@code payload_too_large}, or {@code transport_error} when the agent closes
     */
    CompletionStage<Response> execute(Request request);

    /**
     * Largest frame or payload ({@code NodeAgent.Builder.maxMessageBytes}).
     *
     * @return the limit in bytes
     */
    int maxMessageBytes();

    /**
     * A shared scheduler for timers; do not block in its tasks, and do not shut it down.
     *
     * @return the node's timer executor
     */
    ScheduledExecutorService scheduler();

    /**
     * Stops advertising a node transport that found it cannot work after all (for example webrtc, whose native library
     * is loaded only when the first offer arrives): the node registers again on its open connection without
     * {@code transport} in {@code NodeInfo.transports}, and on every later connection, so that gateways answer
     * {@code p2p_unavailable} at once instead of waiting for a session that cannot open. Idempotent; never throws.
     *
     * @param transport the transport's provider name, for example {@code webrtc}
     * @param reason    why, for the node's log
     */
    default void withdraw(String transport, String reason) {
        // contexts that do not register (tests, benches) have nothing to withdraw
    }
}
