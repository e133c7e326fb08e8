package io.clawgo.transport.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.testing.SeedEndpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code NodeAgent.Builder.transports(...)}: a node limited to some P2P transports offers only those, and a gateway
 * reaches a node limited to none over the relay (the P2P transport declines at once, without sending anything).
 */
@SuppressWarnings("try") // nodes are opened in try-with-resources only to be closed
class NodeTransportsOptionTest {
    // one gateway for the class: each test has its own node id
    @TempDir
    static Path dir;
    static Gateway gw;

    @BeforeAll
    static void start() {
        gw = TunnelTests.gatewayRelayToLoopback(dir);
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    private static Response dispatch(String node, DispatchMode mode) throws Exception {
        return gw.dispatch(new Request("run", node, null, null, Map.of()), mode, Duration.ofSeconds(10))
                .get(15, TimeUnit.SECONDS);
    }

    @Test
    void aNodeLimitedToTheTunnelOffersItAndIsReachedOverIt() throws Exception {
        try (NodeAgent node = TunnelTests.node(gw.url(), "only-tunnel", req -> Response.ok(Map.of("via", "handler")),
                b -> b.transports(List.of(" WebSocket_Tunnel ")))) {
            assertThat(gw.node("only-tunnel").orElseThrow().transports()).containsExactly("websocket_tunnel");
            assertThat(node.transports()).containsExactly("websocket_tunnel");
            Response r = dispatch("only-tunnel", DispatchMode.P2P);
            assertThat(r.ok()).as(r.toString()).isTrue();
            assertThat(r.payload()).containsEntry("used_transport", "websocket_tunnel").containsEntry("via", "handler");
        }
    }

    @Test
    void aNodeLimitedToNoP2pTransportIsReachedOverTheRelay() throws Exception {
        try (SeedEndpoint endpoint = SeedEndpoint.start("relay-only");
             NodeAgent node = TunnelTests.node(gw.url(), "relay-only", null,
                     b -> b.endpoint(endpoint.url()).actions(List.of("run")).transports(List.of()))) {
            assertThat(node.transports()).isEmpty();
            assertThat(gw.node("relay-only").orElseThrow().transports()).containsExactly("http_relay");

            Response auto = dispatch("relay-only", DispatchMode.AUTO);
            assertThat(auto.ok()).as(auto.toString()).isTrue();
            // the tunnel declines at once (the node does not offer it), which the router records as a fallback
            assertThat(auto.payload()).containsEntry("used_transport", "http_relay")
                    .containsEntry("fallback_from", "websocket_tunnel");
            assertThat(endpoint.paths()).containsExactly("/run");

            Response p2p = dispatch("relay-only", DispatchMode.P2P);
            assertThat(p2p.ok()).isFalse();
            assertThat(p2p.code()).isEqualTo("p2p_unavailable");
            assertThat(endpoint.paths()).as("a p2p dispatch never reached the node").hasSize(1);
        }
    }

    @Test
    void unknownOrBlankNamesAreRejectedWhenBuilding() {
        NodeAgent.Builder b = NodeAgent.builder().gateway(gw.url()).id("x").handler(req -> Response.ok(Map.of()));
        assertThatThrownBy(() -> b.transports(List.of("webtrc")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no transport 'webtrc'")
                .hasMessageContaining("websocket_tunnel");
        assertThatThrownBy(() -> b.transports(List.of(" ")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blank");
    }
}
