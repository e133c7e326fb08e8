package io.clawgo.spi;

/**
 * A data-plane transport between the gateway and its nodes, discovered with {@link java.util.ServiceLoader}.
 *
 * <p>To be discovered, a provider is a public class with a public zero-argument constructor, named in
 * {@code META-INF/services/io.clawgo.spi.TransportProvider} of its jar. Adding the jar to the class path is all a user
 * does; the gateway picks the provider named by {@code gateway.nodes.p2p.transport}.
 *
 * <p>Core ships {@code http_relay}. {@code websocket_tunnel} lives in {@code io.clawgo:clawgo-transport-ws} and
 * {@code webrtc} in {@code io.clawgo:clawgo-transport-webrtc}.
 */
public abstract class TransportProvider {

    /** The name configured in {@code gateway.nodes.p2p.transport}, for example {@code "websocket_tunnel"}. */
    public abstract String name();

    /**
     * Whether this transport can run here (for example, its native library loads). Must not throw: a missing
     * dependency means {@code false}, and {@link #unavailableReason()} says which.
     */
    public boolean isAvailable() {
        return true;
    }

    /** Why {@link #isAvailable()} is false, naming what is missing; {@code null} when available. */
    public String unavailableReason() {
        return null;
    }

    /** 0..10, 5 by default; among providers of the same name, the highest available one wins. */
    public int priority() {
        return 5;
    }

    /** Creates the gateway side. Called once per gateway start. */
    public abstract GatewayTransport createGatewayTransport(GatewayContext context);

    /**
     * Creates the node side, or returns {@code null} when this transport needs nothing on the node (the HTTP relay).
     * Called once per node agent start, for every provider on the node's class path.
     */
    public NodeTransport createNodeTransport(NodeContext context) {
        return null;
    }

    @Override
    public String toString() {
        return name() + " (" + getClass().getName() + ")";
    }
}
