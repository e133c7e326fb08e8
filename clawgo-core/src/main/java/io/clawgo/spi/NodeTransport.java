package io.clawgo.spi;

import io.clawgo.protocol.WireMessage;

/** The node side of a transport. Callbacks run on the control socket's reader thread: never block in them. */
public interface NodeTransport extends AutoCloseable {

    /** The transport name. */
    String name();

    /**
     * A message from the gateway that the node core does not handle itself ({@code node_request}, signalling).
     * Return {@code true} when consumed.
     */
    boolean onControlMessage(WireMessage message);

    /** The control socket connected and the node is registered. */
    default void onConnected() {
    }

    /** The control socket closed; the node will reconnect. */
    default void onDisconnected() {
    }

    /** Releases resources. Idempotent. */
    @Override
    void close();
}
