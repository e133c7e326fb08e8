package io.clawgo.spi;

import io.clawgo.protocol.WireAck;
import io.clawgo.protocol.WireMessage;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The gateway's end of one node's authenticated control WebSocket, bound to one node id.
 *
 * <p>Sends are queued and written by a single writer; they never block.
 */
public interface ControlChannel {

    /**
     * The node id this connection registered as: the authenticated identity to trust, never a frame's {@code from}.
     *
     * @return the node id
     */
    String nodeId();

    /**
     * Increases with every new binding of any node: a newer connection for the same id has a larger value.
     *
     * @return the binding's generation, unique per gateway run
     */
    long generation();

    /**
     * Whether the connection is still open and still the current one for its node.
     *
     * @return {@code false} once it closed or a newer connection for the same node replaced it
     */
    boolean isOpen();

    /**
     * Queues a message. Returns {@code false} when the channel is closed, or when the message is larger than
     * {@link #maxMessageBytes()} or the send queue (4096 frames, or twice {@link #maxMessageBytes()} plus 1 MiB) is full; then the message is not sent.
     * {@code true} means queued, not delivered.
     *
     * @param message the message, serialised with {@link io.clawgo.protocol.WireCodec}
     * @return whether the message was queued
     */
    boolean send(WireMessage message);

    /**
     * Queues a request ({@code node_request}) with backpressure: while the send queue is more than half full (the node
     * reads slower than requests come), the message waits in arrival order, holding no thread, for the node to read,
     * up to {@code maxWait}; it never overflows the queue, which would close the node's connection (4004) and fail
     * every request in flight. A transport sends requests with this and its own frames with {@link #send}.
     *
     * @param message the message
     * @param maxWait how long it may wait for room (the request's remaining time)
     * @return a stage that completes with {@code true} once the message is queued (not delivered), or {@code false}
     *         when the channel is closed, the message is larger than {@link #maxMessageBytes()}, or no room was made
     *         in time; never completes exceptionally
     */
    default CompletionStage<Boolean> sendWhenRoom(WireMessage message, Duration maxWait) {
        return CompletableFuture.completedFuture(send(message));
    }

    /**
     * Queues an ack; same rules as {@link #send}.
     *
     * @param ack the ack
     * @return whether the ack was queued
     */
    boolean sendAck(WireAck ack);

    /**
     * The largest frame either side accepts on this connection ({@code gateway.max_message_bytes}).
     *
     * @return the limit in bytes
     */
    int maxMessageBytes();
}
