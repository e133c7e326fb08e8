package io.clawgo.examples.transport;

import io.clawgo.spi.GatewayContext;
import io.clawgo.spi.GatewayTransport;
import io.clawgo.spi.NodeContext;
import io.clawgo.spi.NodeTransport;
import io.clawgo.spi.TransportProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * {@code tcp_example}: a third transport written only against the public SPI ({@code io.clawgo.spi},
 * {@code io.clawgo.protocol}, {@code io.clawgo.config}), to show what a transport author writes.
 *
 * <p>The gateway listens on a TCP port and announces it to each node over the node's authenticated control WebSocket
 * in a {@code tcp_example_offer} message that carries a random ticket. The node connects, sends
 * {@code tcp_example_hello} with the ticket, and from then on {@code node_request} / {@code node_response} travel over
 * the TCP connection as length-prefixed JSON frames. Select it with {@code gateway.nodes.p2p.transport =
 * "tcp_example"}; it is listed in {@code META-INF/services/io.clawgo.spi.TransportProvider} of this jar.
 *
 * <p>System properties (read when a gateway starts): {@code clawgo.tcp_example.host} (listen address, default
 * {@code 127.0.0.1}), {@code clawgo.tcp_example.port} (default 0: a free port),
 * {@code clawgo.tcp_example.advertise_host} (the address offered to nodes; default the listen address, required when
 * that is a wildcard address). The TCP leg is not encrypted: an example, not a production transport.
 */
public final class TcpExampleProvider extends TransportProvider {
    /** The transport name, as configured in {@code gateway.nodes.p2p.transport}. */
    public static final String NAME = "tcp_example";

    /** Gateway to node, on the control WebSocket: {@code {type, from:"gateway", to, session:<ticket>, payload}}. */
    static final String OFFER = "tcp_example_offer";
    /** Node to gateway, the first frame on a TCP connection: {@code {type, from:<node id>, session:<ticket>}}. */
    static final String HELLO = "tcp_example_hello";
    /** The gateway's ack of an accepted hello: {@code {ok:true, type:"tcp_example_ready", id:<node id>}}. */
    static final String READY = "tcp_example_ready";

    static final String PROPERTY_PREFIX = "clawgo.tcp_example.";

    /** Public no-argument constructor for {@link java.util.ServiceLoader}. */
    public TcpExampleProvider() {
    }

    // tag::tcp-provider[]
    @Override
    public String name() {
        return NAME;
    }

    /**
     * 1, below {@code webrtc} (4) and {@code websocket_tunnel} (6): with {@code transport: ""} the gateway never picks
     * this example by itself; name it to use it.
     */
    @Override
    public int priority() {
        return 1;
    }

    @Override
    public GatewayTransport createGatewayTransport(GatewayContext context) {
        String host = System.getProperty(PROPERTY_PREFIX + "host", "127.0.0.1").trim();
        int port = Integer.getInteger(PROPERTY_PREFIX + "port", 0);
        String advertised = System.getProperty(PROPERTY_PREFIX + "advertise_host", "").trim();
        if (advertised.isEmpty()) {
            if (isWildcard(host)) {
                throw new IllegalStateException("tcp_example listens on " + host + ": set -D" + PROPERTY_PREFIX
                        + "advertise_host to the address nodes should connect to");
            }
            advertised = host;
        }
        try {
            return new TcpGatewayTransport(context, host, port, advertised);
        } catch (IOException e) {
            throw new UncheckedIOException("tcp_example cannot listen on " + host + ":" + port + ": " + e.getMessage(),
                    e);
        }
    }

    @Override
    public NodeTransport createNodeTransport(NodeContext context) {
        return new TcpNodeTransport(context);
    }
    // end::tcp-provider[]

    private static boolean isWildcard(String host) {
        try {
            return InetAddress.getByName(host).isAnyLocalAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
