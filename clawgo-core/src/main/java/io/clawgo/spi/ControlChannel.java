package io.clawgo.spi;

import io.clawgo.protocol.WireAck;
import io.clawgo.protocol.WireMessage;

/**
 * The gateway's end of one node's authenticated control WebSocket, bound to one node id.
 *
 * <p>Sends are queued and written by a single writer; they never block.
 */
public interface ControlChannel {

    /** The node id this connection registered as. */
    String nodeId();

    /** Increases with every new binding of any node: a newer connection for the same id has a larger value. */
    long generation();

    /** Whether the connection is still open and still the current one for its node. */
    boolean isOpen();

    /**
     * Queues a message. Returns {@code false} when the channel is closed, or when the message is larger than
     * {@link #maxMessageBytes()} or the send queue is full (then the message is not sent).
     */
    boolean send(WireMessage message);

    /** Queues an ack; same rules as {@link #send}. */
    boolean sendAck(WireAck ack);

    /** The largest frame, in bytes, either side accepts on this connection. */
    int maxMessageBytes();
}
