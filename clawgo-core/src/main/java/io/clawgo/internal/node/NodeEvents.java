package io.clawgo.internal.node;

/**
 * Lifecycle callbacks of a node runtime (the public {@code NodeAgent.Listener} is adapted to this). Called on the
 * node's connection thread; an exception thrown here is logged and ignored.
 */
public interface NodeEvents {

    /** Connected and registered (also after every reconnect). */
    default void onConnected() {
    }

    /** A registered connection ended; the runtime reconnects unless it is closing. */
    default void onDisconnected(String reason) {
    }

    /** The gateway refused the registration (HTTP non-2xx, refused upgrade, or an {@code ok:false} register ack). */
    default void onRegistrationFailed(String error) {
    }

    /** No callbacks. */
    NodeEvents NONE = new NodeEvents() {
    };
}
