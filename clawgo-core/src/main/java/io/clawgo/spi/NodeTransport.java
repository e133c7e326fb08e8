package io.clawgo.spi;

import io.clawgo.protocol.WireMessage;

/**
 * The node side of a transport. {@link #onControlMessage} runs on the control socket's reader thread,
 * {@link #onConnected()} and {@link #onDisconnected()} on the node's connection thread: never block in them. An
 * exception thrown by a callback is logged and ignored.
 */
public interface NodeTransport extends AutoCloseable {

    /**
     * The transport name: its provider's {@link TransportProvider#name()}.
     *
     * @return the name; the node registers the names of its transports ({@code NodeInfo.transports}), and a gateway
     *         transport whose name is not among them fails at once with {@code p2p_unavailable}
     */
    String name();

    /**
     * A message from the gateway that the node core does not handle itself: every non-ack message, for example
     * {@code node_request}, signalling, or a transport's own types. The node's transports are asked in turn until one
     * returns {@code true}; a {@code node_request} that none takes is answered {@code p2p_unavailable}, other types
     * are ignored.
     *
     * @param message the message, from the node's current control connection
     * @return {@code true} when consumed; {@code false} to let the other transports see it
     */
    boolean onControlMessage(WireMessage message);

    /** The control socket connected and the node is registered (after every reconnect too). */
    default void onConnected() {
    }

    /** The registered control socket closed; the node will reconnect unless it is closing. */
    default void onDisconnected() {
    }

    /** Releases resources. Idempotent. */
    @Override
    void close();
}
