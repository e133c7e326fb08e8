package io.clawgo.it.faults;

import static io.clawgo.it.faults.Faults.TOKEN;
import static io.clawgo.testing.TestHttp.list;
import static io.clawgo.testing.TestHttp.map;
import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.GatewayClient;
import io.clawgo.NodeAgent;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.testing.ChildJvm;
import io.clawgo.testing.LoopbackRelay;
import io.clawgo.testing.TestHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node process is SIGKILLed while the gateway waits for its answer. The node runs in a child JVM (a
 * {@link NodeAgent} on websocket_tunnel plus an HTTP endpoint for the relay, both dying with the process); the gateway
 * and a second, healthy node run in the test JVM.
 */
class NodeKilledMidRequestTest {
    /** The dispatch deadline: the failures must come long before it. */
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    Gateway gw;
    GatewayClient client;
    NodeAgent survivor;

    @BeforeEach
    void start() {
        gw = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir).transport("websocket_tunnel")
                .nodePolicy(LoopbackRelay.POLICY) // the node's relay endpoint listens on 127.0.0.1
                .start();
        client = GatewayClient.create(gw.url(), TOKEN).withTimeout(Duration.ofSeconds(90));
        survivor = NodeAgent.builder().gateway(gw.url()).token(TOKEN).id("survivor")
                .handler(req -> Response.ok(Map.of("result", "done by survivor"))).build();
        survivor.start();
        assertThat(survivor.awaitConnected(Duration.ofSeconds(10))).isTrue();
    }

    @AfterEach
    void stop() {
        survivor.close();
        client.close();
        gw.close();
    }

    @Test
    void callersGetAClearErrorAtOnceTheNodeGoesOfflineAndTheGatewayKeepsServing() throws Exception {
        try (ChildJvm doomed = Faults.startNode(gw.url(), "doomed")) {
            // both paths to the node work while it lives
            Response viaRelay = gw.dispatch(Request.of("run").withNode("doomed"), DispatchMode.RELAY, DEADLINE)
                    .get(10, TimeUnit.SECONDS);
            assertThat(viaRelay.ok()).as(viaRelay.toString()).isTrue();
            assertThat(viaRelay.payloadString("result")).isEqualTo("run from doomed");
            Response viaTunnel = gw.dispatch(Request.of("run").withNode("doomed"), DispatchMode.P2P, DEADLINE)
                    .get(10, TimeUnit.SECONDS);
            assertThat(viaTunnel.payloadString("result")).isEqualTo("run in process " + doomed.pid());

            // two slow requests in flight: one over REST in auto mode, one through the Java API in p2p mode
            CompletableFuture<Map<String, Object>> rest = CompletableFuture.supplyAsync(() -> client.postJson(
                    "/webui/api/node_dispatches/replay", Map.of("node", "doomed", "action", "slow", "mode", "auto",
                            "timeout_sec", DEADLINE.toSeconds())));
            CompletableFuture<Response> api = gw.dispatch(Request.of("slow").withNode("doomed"),
                    DispatchMode.P2P, DEADLINE);
            assertThat(TestHttp.await(Duration.ofSeconds(10),
                    () -> doomed.stdout().stream().filter("SLOW"::equals).count() == 2))
                    .as(() -> "both requests reached the handler\n" + doomed.dump()).isTrue();

            long killedAt = System.nanoTime();
            doomed.kill();

            // p2p mode: the tunnel fails as soon as the control socket is gone
            Response p2p = api.get(15, TimeUnit.SECONDS);
            long p2pMs = Faults.millisSince(killedAt);
            assertThat(p2p.ok()).isFalse();
            assertThat(p2p.code()).isEqualTo(ErrorCodes.P2P_UNAVAILABLE);
            assertThat(p2p.error())
                    .contains("control connection to node doomed closed while the request was in flight");
            assertThat(p2p.payloadString("used_transport")).isEqualTo("websocket_tunnel");

            // auto mode: the tunnel failure is a P2P transport failure, so the relay is tried, and the dead endpoint
            // fails too: transport_error, saying both what the relay and what the tunnel hit
            Map<String, Object> auto = map(rest.get(15, TimeUnit.SECONDS).get("result"));
            long autoMs = Faults.millisSince(killedAt);
            assertThat(auto).containsEntry("ok", false).containsEntry("code", ErrorCodes.TRANSPORT_ERROR)
                    .containsEntry("node", "doomed");
            assertThat((String) auto.get("error")).startsWith("node endpoint unreachable");
            assertThat(map(auto.get("payload"))).containsEntry("dispatch_mode", "auto")
                    .containsEntry("used_transport", "http_relay").containsEntry("fallback_from", "websocket_tunnel")
                    .hasEntrySatisfying("p2p_error", e -> assertThat((String) e)
                            .contains("control connection to node doomed closed"));

            // the node is offline, marked by the socket close (the TTL is 60 s)
            assertThat(TestHttp.await(Duration.ofSeconds(10), () -> !Faults.online(client, "doomed"))).isTrue();
            long offlineMs = Faults.millisSince(killedAt);
            System.out.printf("node killed mid-request: p2p failure after %d ms, auto (relay fallback) failure after"
                    + " %d ms, offline in /webui/api/nodes after <= %d ms%n", p2pMs, autoMs, offlineMs);
            // "well before the deadline": a generous bound, far below the 60 s the callers allowed
            assertThat(Math.max(p2pMs, autoMs)).isLessThan(DEADLINE.toMillis() / 4);
            assertThat(gw.node("doomed")).get().satisfies(n -> assertThat(n.online()).isFalse());

            // the failures are in the dispatch audit
            List<Map<String, Object>> audit = list(client.getJson("/webui/api/node_dispatches?node=doomed")
                    .get("items"));
            assertThat(audit).extracting(d -> d.get("code"))
                    .contains(ErrorCodes.P2P_UNAVAILABLE, ErrorCodes.TRANSPORT_ERROR);

            // new requests to the dead node are refused at once
            Response after = gw.dispatch(Request.of("run").withNode("doomed"), DispatchMode.AUTO, DEADLINE)
                    .get(5, TimeUnit.SECONDS);
            assertThat(after.code()).isEqualTo(ErrorCodes.NODE_OFFLINE);

            // the gateway is healthy: /health, and the other node still serves requests
            assertThat(TestHttp.get(gw.url() + "/health", null).status()).isEqualTo(200);
            List<CompletableFuture<Response>> more = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                more.add(gw.dispatch(Request.of("run").withNode("survivor"), DispatchMode.AUTO, DEADLINE));
            }
            for (CompletableFuture<Response> f : more) {
                Response r = f.get(15, TimeUnit.SECONDS);
                assertThat(r.ok()).as(r.toString()).isTrue();
                assertThat(r.payloadString("result")).isEqualTo("done by survivor");
            }
            assertThat(Faults.online(client, "survivor")).isTrue();
        }
    }
}
