package io.clawgo;

import static io.clawgo.testing.TestHttp.list;
import static io.clawgo.testing.TestHttp.map;
import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.Response;
import io.clawgo.subagent.DispatchResult;
import io.clawgo.subagent.SpawnRequest;
import io.clawgo.testing.LoopbackRelay;
import io.clawgo.testing.SeedEndpoint;
import io.clawgo.testing.TestHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real gateway with real node agents in one JVM, over the HTTP relay (core has no P2P transport). */
class GatewayWithNodesTest {
    private static final String TOKEN = "nodes-token";
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private static NodeAgent node(Gateway gw, String id, String endpoint) {
        NodeAgent.Builder b = NodeAgent.builder().gateway(gw.url()).token(TOKEN).id(id)
                .heartbeatInterval(Duration.ofSeconds(1))
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(500))
                .actions(List.of("run", "agent_task"));
        if (endpoint != null) {
            b.endpoint(endpoint).nodeToken("tok-" + id);
        } else {
            b.handler(req -> Response.ok(Map.of("result", "handled by " + id)));
        }
        return b.build();
    }

    @Test
    @SuppressWarnings("try") // node b is closed inside the block on purpose: it goes offline while a stays
    void twoNodesRegisterStayOnlineWithHeartbeatsAndGoOfflineWhenStopped() throws Exception {
        try (Gateway gw = Gateway.builder().nodePolicy(LoopbackRelay.POLICY).host("127.0.0.1").port(0).token(TOKEN).dataDir(dir)
                .p2p(P2pConfig.disabled()).nodeTtl(Duration.ofMillis(2500)).start();
             NodeAgent a = node(gw, "edge-a", null);
             NodeAgent b = node(gw, "edge-b", null)) {
            a.start();
            b.start();
            assertThat(a.awaitConnected(WAIT)).isTrue();
            assertThat(b.awaitConnected(WAIT)).isTrue();

            Map<String, Object> nodes = TestHttp.get(gw.url() + "/webui/api/nodes", TOKEN).json();
            assertThat(list(nodes.get("nodes"))).extracting(n -> n.get("id"), n -> n.get("online"))
                    .contains(org.assertj.core.groups.Tuple.tuple("edge-a", true),
                            org.assertj.core.groups.Tuple.tuple("edge-b", true));
            Map<String, Object> registry = map(TestHttp.post(gw.url() + "/webui/api/subagents_runtime", TOKEN,
                    "{\"action\":\"registry\"}").json().get("result"));
            assertThat(list(registry.get("items"))).extracting(i -> i.get("agent_id"))
                    .contains("node.edge-a.main", "node.edge-b.main");

            // heartbeats keep both online for longer than the TTL
            Thread.sleep(4000);
            assertThat(gw.node("edge-a").get().online()).isTrue();
            assertThat(gw.node("edge-b").get().online()).isTrue();

            b.close();
            assertThat(TestHttp.await(Duration.ofSeconds(5), () -> !gw.node("edge-b").get().online())).isTrue();
            assertThat(gw.node("edge-a").get().online()).isTrue();
            Map<String, Object> after = TestHttp.get(gw.url() + "/webui/api/nodes", TOKEN).json();
            assertThat(list(after.get("alerts"))).anySatisfy(al -> assertThat(al)
                    .containsEntry("kind", "node_offline").containsEntry("node", "edge-b"));
        }
    }

    @Test
    void seedScenarioWithARealNodeAgentOverTheRelay() throws Exception {
        try (SeedEndpoint endpoint = SeedEndpoint.start("edge-seed");
             Gateway gw = Gateway.builder().nodePolicy(LoopbackRelay.POLICY).host("127.0.0.1").port(0).token(TOKEN).dataDir(dir)
                     .p2p(P2pConfig.disabled()).start();
             NodeAgent n = node(gw, "edge-seed", endpoint.url())) {
            n.start();
            assertThat(n.awaitConnected(WAIT)).isTrue();
            DispatchResult r = gw.subagents().dispatchAndWait(
                    SpawnRequest.of("node.edge-seed.main", "Return exactly the string NODE_P2P_OK"),
                    Duration.ofSeconds(20));
            assertThat(r.reply().status()).isEqualTo("completed");
            assertThat(r.reply().result()).contains("agent_task from edge-seed");
            assertThat(r.reply().usedTransport()).isEqualTo("http_relay");
            assertThat(endpoint.authorizations()).containsExactly("Bearer tok-edge-seed");
            assertThat(r.merged()).startsWith("[" + r.task().id() + "] agent=node.edge-seed.main status=completed");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> gw.subagents().spawn(
                    SpawnRequest.of("node.edge-seed.main", "t".repeat(300_000))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the limit is");
        }
    }

    @Test
    void nodesComeBackAfterAGatewayRestartAndTheRegistrySurvivesIt() throws Exception {
        Gateway first = Gateway.builder().nodePolicy(LoopbackRelay.POLICY).host("127.0.0.1").port(0).token(TOKEN).dataDir(dir)
                .p2p(P2pConfig.disabled()).start();
        int port = first.port();
        try (NodeAgent n = node(first, "edge-r", null)) {
            n.start();
            assertThat(n.awaitConnected(WAIT)).isTrue();
            first.close();
            assertThat(TestHttp.await(Duration.ofSeconds(5), () -> !n.isConnected())).isTrue();
            try (Gateway second = Gateway.builder().nodePolicy(LoopbackRelay.POLICY).host("127.0.0.1").port(port).token(TOKEN).dataDir(dir)
                    .p2p(P2pConfig.disabled()).start()) {
                // restored from disk before the node reconnects
                assertThat(second.node("edge-r")).isPresent();
                assertThat(TestHttp.await(WAIT, () -> second.node("edge-r").map(x -> x.online()).orElse(false)))
                        .isTrue();
                assertThat(n.awaitConnected(WAIT)).isTrue();
            }
        } finally {
            first.close();
        }
    }
}
