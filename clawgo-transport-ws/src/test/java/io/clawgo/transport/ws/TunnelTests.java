package io.clawgo.transport.ws;

import static io.clawgo.testing.TestHttp.list;
import static io.clawgo.testing.TestHttp.map;
import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.RequestHandler;
import io.clawgo.spi.SessionStatus;
import io.clawgo.testing.LoopbackRelay;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** Shared set-up of the tunnel tests: a real gateway and real node agents on 127.0.0.1. */
final class TunnelTests {
    static final String TOKEN = "tunnel-test-token";
    static final Duration CONNECT = Duration.ofSeconds(10);

    private TunnelTests() {
    }

    /** A gateway on a free loopback port using websocket_tunnel with default limits. */
    static Gateway gateway(Path dataDir) {
        return Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dataDir)
                .transport(WebSocketTunnelProvider.NAME).start();
    }

    /**
     * A gateway as {@link #gateway(Path)} whose HTTP relay may reach endpoints on 127.0.0.1 (refused by default;
     * {@link #gateway(Path)} keeps the default, as the seed runs it: the tunnel reaches loopback endpoints anyway).
     */
    static Gateway gatewayRelayToLoopback(Path dataDir) {
        return Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dataDir)
                .nodePolicy(LoopbackRelay.POLICY).transport(WebSocketTunnelProvider.NAME).start();
    }

    /** A gateway with the whole p2p section given. */
    static Gateway gateway(Path dataDir, P2pConfig p2p) {
        return Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dataDir).p2p(p2p).start();
    }

    /** A started and connected node agent. */
    static NodeAgent node(String gatewayUrl, String id, RequestHandler handler, UnaryOperator<NodeAgent.Builder> more) {
        NodeAgent.Builder b = NodeAgent.builder().gateway(gatewayUrl).token(TOKEN).id(id).handler(handler)
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(500));
        NodeAgent n = more.apply(b).build();
        n.start();
        if (!n.awaitConnected(CONNECT)) {
            n.close();
            throw new AssertionError("node " + id + " did not connect within " + CONNECT);
        }
        return n;
    }

    static NodeAgent node(String gatewayUrl, String id, RequestHandler handler) {
        return node(gatewayUrl, id, handler, b -> b);
    }

    /** This node's session in the {@code p2p} section of {@link Gateway#status()} (as {@code /webui/api/nodes}). */
    static Optional<SessionStatus> session(Gateway gw, String node) {
        return gw.status().p2p().sessions().stream().filter(s -> node.equals(s.node())).findFirst();
    }

}
