package io.clawgo.transport.ws;

import io.clawgo.spi.GatewayContext;
import io.clawgo.spi.GatewayTransport;
import io.clawgo.spi.NodeContext;
import io.clawgo.spi.NodeTransport;
import io.clawgo.spi.TransportProvider;

/**
 * The {@code websocket_tunnel} transport: the gateway sends each request to the node as a {@code node_request} frame
 * over the node's own authenticated control WebSocket, and the node answers with a {@code node_response} on the same
 * socket. It reaches nodes whose HTTP endpoint listens on the node's loopback only, or that have no endpoint at all.
 *
 * <p>Discovered with {@link java.util.ServiceLoader}: adding {@code io.clawgo:clawgo-transport-ws} to the class path of
 * the gateway and of the node is all a user does; the gateway uses it when {@code gateway.nodes.p2p.transport} is
 * {@code websocket_tunnel} (or empty, when it is the best P2P transport found).
 *
 * <p>Gateway side: correlation ids of 128 random bits scoped to the connection, a per-request deadline, at most
 * {@code gateway.nodes.p2p.max_in_flight_per_node} requests in flight per node (more are rejected at once with
 * {@code p2p_busy}, never queued), and every request in flight on a connection fails at once with
 * {@code p2p_unavailable} when that connection closes. Node side: requests run on the node's bounded executor, never on
 * the socket's reader thread, so slow requests block neither heartbeats nor other requests.
 */
public final class WebSocketTunnelProvider extends TransportProvider {

    /** The transport name, as configured and as reported in {@code used_transport}. */
    public static final String NAME = "websocket_tunnel";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 6;
    }

    @Override
    public GatewayTransport createGatewayTransport(GatewayContext context) {
        return new TunnelGatewayTransport(context);
    }

    @Override
    public NodeTransport createNodeTransport(NodeContext context) {
        return new TunnelNodeTransport(context);
    }
}
