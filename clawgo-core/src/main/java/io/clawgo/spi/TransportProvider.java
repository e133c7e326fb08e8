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

    /**
     * The provider's name, as configured in {@code gateway.nodes.p2p.transport}.
     *
     * @return the name, for example {@code "websocket_tunnel"}; to be selectable by name it must be made of
     *         {@code [a-z0-9_.-]}, since configured names are lower-cased and checked against that set
     */
    public abstract String name();

    /**
     * Whether this transport can run here (for example, its native library loads). Must not throw: a missing
     * dependency means {@code false}, and {@link #unavailableReason()} says which. Core treats an exception as
     * {@code false}.
     *
     * @return {@code true} by default
     */
    public boolean isAvailable() {
        return true;
    }

    /**
     * Why {@link #isAvailable()} is false, naming what is missing; shown in the error of a gateway start that names
     * this transport.
     *
     * @return the reason, or {@code null} when available (the default)
     */
    public String unavailableReason() {
        return null;
    }

    /**
     * The provider's priority. Among providers of the same name, the highest available one wins; with an empty
     * {@code gateway.nodes.p2p.transport}, the gateway takes the available P2P provider (any name but
     * {@code http_relay}) with the highest priority. The shipped transports use 6 ({@code websocket_tunnel}) and 4
     * ({@code webrtc}).
     *
     * @return 0..10 by convention (not enforced); 5 by default
     */
    public int priority() {
        return 5;
    }

    /**
     * Creates the gateway side. Called once per gateway start, for the configured P2P provider, for the relay, and
     * for {@code websocket_tunnel} when it is the fallback behind another P2P transport. An exception fails the
     * gateway's start.
     *
     * @param context what core offers the transport
     * @return the gateway side, never {@code null}
     */
    public abstract GatewayTransport createGatewayTransport(GatewayContext context);

    /**
     * Creates the node side, or returns {@code null} when this transport needs nothing on the node (the HTTP relay).
     * Called once per node agent start, for the best available provider of every name on the node's class path, so
     * it must be cheap until the gateway talks to it. An exception is logged and that transport is left out.
     *
     * @param context what the node core offers the transport
     * @return the node side, or {@code null} (the default)
     */
    public NodeTransport createNodeTransport(NodeContext context) {
        return null;
    }

    @Override
    public String toString() {
        return name() + " (" + getClass().getName() + ")";
    }
}
