package io.clawgo.transport.ws;

import static io.clawgo.transport.ws.TunnelTests.TOKEN;
import static io.clawgo.testing.TestHttp.list;
import static io.clawgo.testing.TestHttp.map;
import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.GatewayStatus;
import io.clawgo.NodeAgent;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.testing.SeedEndpoint;
import io.clawgo.testing.TestHttp;
import io.clawgo.testing.TestHttp.Reply;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's end-to-end check for {@code websocket_tunnel} (seeds/000: a node endpoint bound to the node's 127.0.0.1,
 * a task through {@code dispatch_and_wait}, the dispatch recorded as tunnelled), and a node whose endpoint the gateway
 * cannot reach at all.
 */
@SuppressWarnings("try") // nodes are opened in try-with-resources only to be closed
class SeedScenarioTest {
    @TempDir
    Path dir;
    Gateway gw;
    String base;

    @BeforeEach
    void start() {
        gw = TunnelTests.gateway(dir);
        base = gw.url();
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void dispatchAndWaitToANodeEndpointOnLoopbackCompletesOverTheTunnel() throws Exception {
        try (SeedEndpoint endpoint = SeedEndpoint.start("edge-a");
             NodeAgent node = TunnelTests.node(base, "edge-a", null,
                     b -> b.endpoint(endpoint.url()).nodeToken("nt-a").actions(List.of("run", "agent_task")))) {
            Reply r = TestHttp.post(base + "/webui/api/subagents_runtime", TOKEN,
                    "{\"action\":\"dispatch_and_wait\",\"agent_id\":\"node.edge-a.main\","
                            + "\"task\":\"Return exactly the string NODE_P2P_OK\",\"wait_timeout_sec\":30}");
            assertThat(r.status()).isEqualTo(200);
            Map<String, Object> json = r.json();
            assertThat(json).containsEntry("ok", true);
            Map<String, Object> reply = map(map(json.get("result")).get("reply"));
            assertThat(reply).containsEntry("status", "completed")
                    .containsEntry("used_transport", "websocket_tunnel")
                    .containsEntry("node", "edge-a");
            assertThat(reply.get("fallback_from")).isIn(null, "");
            assertThat((String) reply.get("result")).contains("agent_task from edge-a");
            // the node, not the gateway, called its endpoint, with its own token
            assertThat(endpoint.paths()).containsExactly("/agent/task");
            assertThat(endpoint.authorizations()).containsExactly("Bearer nt-a");

            Map<String, Object> nodes = TestHttp.get(base + "/webui/api/nodes", TOKEN).json();
            Map<String, Object> p2p = map(nodes.get("p2p"));
            assertThat(p2p).containsEntry("transport", "websocket_tunnel");
            assertThat(((Number) p2p.get("active_sessions")).intValue()).isGreaterThanOrEqualTo(1);
            assertThat(list(p2p.get("nodes"))).anySatisfy(s -> {
                assertThat(s).containsEntry("node", "edge-a").containsEntry("status", "open");
                assertThat((String) s.get("last_ready_at")).isNotBlank();
                assertThat(((Number) s.get("retry_count")).intValue()).isZero();
            });
            assertThat(list(nodes.get("dispatches"))).first().satisfies(d -> assertThat(d)
                    .containsEntry("node", "edge-a").containsEntry("action", "agent_task")
                    .containsEntry("ok", true).containsEntry("used_transport", "websocket_tunnel")
                    .doesNotContainKey("fallback_from"));
            assertThat(list(nodes.get("alerts"))).noneSatisfy(a -> assertThat(a).containsEntry("node", "edge-a"));
        }
    }

    @Test
    void whenTheRelayCannotReachTheNodeTheTunnelStillDelivers() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        // the endpoint the node advertises is dead for the gateway; the node serves requests in-process
        try (NodeAgent node = TunnelTests.node(base, "behind-nat",
                req -> Response.ok(Map.of("result", "served in-process: " + req.stringArg("x"))),
                b -> b.endpoint("http://127.0.0.1:" + closedPort))) {
            Request req = new Request("run", "behind-nat", null, null, Map.of("x", "42"));

            Response relay = gw.dispatch(req, DispatchMode.RELAY, Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
            assertThat(relay.ok()).isFalse();
            // by default the relay does not even try a loopback endpoint (gateway.nodes.relay)
            assertThat(relay.code()).isEqualTo("relay_denied");
            assertThat(relay.payloadString("used_transport")).isEqualTo("http_relay");

            for (DispatchMode mode : List.of(DispatchMode.P2P, DispatchMode.AUTO)) {
                Response r = gw.dispatch(req, mode, Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
                assertThat(r.ok()).as(mode + ": " + r).isTrue();
                assertThat(r.node()).isEqualTo("behind-nat");
                assertThat(r.payloadString("result")).isEqualTo("served in-process: 42");
                assertThat(r.payloadString("used_transport")).isEqualTo("websocket_tunnel");
                assertThat(r.payload()).doesNotContainKey("fallback_from");
            }
            List<GatewayStatus.Dispatch> dispatches = gw.status().dispatches();
            assertThat(dispatches).hasSize(3);
            assertThat(dispatches.get(0).mode()).isEqualTo(DispatchMode.AUTO);
            assertThat(dispatches.get(0).ok()).isTrue();
            assertThat(dispatches.get(0).usedTransport()).isEqualTo("websocket_tunnel");
            assertThat(dispatches.get(2).mode()).isEqualTo(DispatchMode.RELAY);
            assertThat(dispatches.get(2).ok()).isFalse();
        }
    }
}
