package io.clawgo.cluster.nats;

import static io.clawgo.testing.TestHttp.list;
import static io.clawgo.testing.TestHttp.map;
import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.GatewayStatus;
import io.clawgo.NodeAgent;
import io.clawgo.config.ClusterConfig;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.testing.NatsServer;
import io.clawgo.testing.TestHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two or three real gateways in one JVM sharing a fleet through a real nats-server process, with real node agents
 * over the websocket tunnel.
 */
class NatsClusterTest {
    private static final String TOKEN = "cluster-token";
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private NatsServer nats;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void startNats() throws Exception {
        NatsServer.assumeInstalled();
        nats = NatsServer.start(dir.resolve("nats"));
    }

    @AfterEach
    void stopAll() {
        for (int i = closing.size() - 1; i >= 0; i--) {
            try {
                closing.get(i).close();
            } catch (Exception ignored) {
                // best effort
            }
        }
        if (nats != null) {
            nats.close();
        }
    }

    private Gateway gateway(String name, List<String> servers) {
        return gateway(name, servers, Map.of("heartbeat_ms", "200"));
    }

    private Gateway gateway(String name, List<String> servers, Map<String, String> options) {
        Gateway gw = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir.resolve(name))
                .transport("websocket_tunnel")
                .nodePolicy(io.clawgo.testing.LoopbackRelay.POLICY) // the relay test's endpoint is on 127.0.0.1
                .cluster(ClusterConfig.builder().provider("nats").servers(servers).name("test")
                        .options(options).build())
                .start();
        closing.add(gw);
        return gw;
    }

    private Gateway gateway(String name) {
        return gateway(name, List.of(nats.url()));
    }

    private NodeAgent node(String id, String... gatewayUrls) {
        NodeAgent n = NodeAgent.builder().gateways(List.of(gatewayUrls)).token(TOKEN).id(id)
                .heartbeatInterval(Duration.ofSeconds(1))
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(300))
                .actions(List.of("run", "agent_task"))
                .handler(req -> Response.ok(Map.of("result", id + " ran " + req.task())))
                .build();
        closing.add(n);
        n.start();
        return n;
    }

    private static boolean sees(Gateway gw, String nodeId) {
        return TestHttp.await(WAIT, () -> nodeIds(gw).contains(nodeId));
    }

    private static List<String> nodeIds(Gateway gw) {
        return gw.status().nodes().stream().map(io.clawgo.protocol.NodeInfo::id).toList();
    }

    private static Response dispatch(Gateway gw, String node, String task) {
        return gw.dispatch(new Request("run", node, task, null, null), DispatchMode.AUTO, Duration.ofSeconds(10))
                .join();
    }

    @Test
    void aDispatchAtAnyGatewayReachesTheNodeWhereverItsSocketLives() throws Exception {
        Gateway a = gateway("a");
        Gateway b = gateway("b");
        NodeAgent n = node("edge-1", a.url());
        assertThat(n.awaitConnected(WAIT)).isTrue();
        assertThat(TestHttp.await(WAIT, () -> nodeIds(b).contains("edge-1"))).isTrue();

        Response viaB = dispatch(b, "edge-1", "hello");
        assertThat(viaB.ok()).as(viaB.toString()).isTrue();
        assertThat(viaB.payload()).containsEntry("result", "edge-1 ran hello")
                .containsEntry("used_transport", "websocket_tunnel")
                .containsEntry("via_gateway", a.memberId());
        Response local = dispatch(a, "edge-1", "again");
        assertThat(local.payload()).containsEntry("via_gateway", a.memberId());

        // REST dispatch_and_wait at B, and B's dispatch record says where it went
        Map<String, Object> reply = TestHttp.post(b.url() + "/webui/api/subagents_runtime", TOKEN,
                "{\"action\":\"dispatch_and_wait\",\"agent_id\":\"node.edge-1.main\",\"task\":\"rest\","
                        + "\"wait_timeout_sec\":10}").json();
        assertThat(reply.toString()).contains("edge-1 ran rest");
        List<Map<String, Object>> records = list(TestHttp.get(b.url() + "/webui/api/nodes", TOKEN).json()
                .get("dispatches"));
        assertThat(records).anySatisfy(r -> assertThat(r).containsEntry("node", "edge-1")
                .containsEntry("via_gateway", a.memberId()));
    }

    @Test
    void aRelayDispatchAtOneGatewayRunsOnTheGatewayThatHoldsTheNode() throws Exception {
        Gateway a = gateway("a");
        Gateway b = gateway("b");
        try (io.clawgo.testing.SeedEndpoint endpoint = io.clawgo.testing.SeedEndpoint.start("relayed")) {
            NodeAgent n = NodeAgent.builder().gateways(List.of(a.url())).token(TOKEN).id("edge-relay")
                    .endpoint(endpoint.url()).actions(List.of("run", "agent_task")).build();
            closing.add(n);
            n.start();
            assertThat(n.awaitConnected(WAIT)).isTrue();
            assertThat(TestHttp.await(WAIT, () -> nodeIds(b).contains("edge-relay"))).isTrue();
            Response r = b.dispatch(new Request("run", "edge-relay", "over the relay", null, null),
                    DispatchMode.RELAY, Duration.ofSeconds(10)).join();
            assertThat(r.ok()).as(r.toString()).isTrue();
            assertThat(r.payload()).containsEntry("used_transport", "http_relay")
                    .containsEntry("via_gateway", a.memberId());
            assertThat(endpoint.paths()).isNotEmpty();
        }
    }

    @Test
    void aRestTraceparentCrossesGatewaysToTheNodesEndpoint() throws Exception {
        String tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        Gateway a = gateway("a");
        Gateway b = gateway("b");
        try (io.clawgo.testing.SeedEndpoint endpoint = io.clawgo.testing.SeedEndpoint.start("traced");
             io.nats.client.Connection spy = io.nats.client.Nats.connect(nats.url())) {
            NodeAgent n = NodeAgent.builder().gateways(List.of(a.url())).token(TOKEN).id("edge-trace")
                    .endpoint(endpoint.url()).actions(List.of("run")).build();
            closing.add(n);
            n.start();
            assertThat(n.awaitConnected(WAIT)).isTrue();
            assertThat(TestHttp.await(WAIT, () -> nodeIds(b).contains("edge-trace"))).isTrue();
            // a second subscriber on A's dispatch subject sees what crosses NATS (it never answers)
            io.nats.client.Subscription seen = spy.subscribe(new Subjects("test").dispatch(a.memberId()));
            spy.flush(WAIT);

            for (String mode : List.of("p2p", "relay")) {
                okhttp3.Request call = new okhttp3.Request.Builder()
                        .url(b.url() + "/webui/api/node_dispatches/replay")
                        .header("Authorization", "Bearer " + TOKEN).header("traceparent", tp)
                        .post(okhttp3.RequestBody.create("{\"node\":\"edge-trace\",\"action\":\"run\",\"mode\":\""
                                + mode + "\",\"timeout_sec\":10}", okhttp3.MediaType.get("application/json")))
                        .build();
                try (okhttp3.Response r = TestHttp.CLIENT.newCall(call).execute()) {
                    String body = r.body().string();
                    assertThat(r.code()).as(body).isEqualTo(200);
                    assertThat(body).contains("\"via_gateway\":\"" + a.memberId() + "\"").contains("\"ok\":true");
                }
                io.nats.client.Message m = seen.nextMessage(WAIT);
                assertThat(m).as("the forwarded dispatch over " + mode).isNotNull();
                assertThat(m.getHeaders().getFirst("traceparent")).isEqualTo(tp);
                assertThat(new String(m.getData(), java.nio.charset.StandardCharsets.UTF_8))
                        .contains("\"traceparent\":\"" + tp + "\"");
                // the caller's gateway and the holding gateway both record the trace id
                GatewayStatus.Dispatch atB = b.status().dispatches().get(0);
                assertThat(atB.traceId()).isEqualTo(traceId);
                assertThat(atB.viaGateway()).isEqualTo(a.memberId());
                assertThat(atB.mode()).isEqualTo(DispatchMode.parse(mode));
                GatewayStatus.Dispatch atA = a.status().dispatches().get(0);
                assertThat(atA.traceId()).isEqualTo(traceId);
                assertThat(atA.mode()).isEqualTo(DispatchMode.parse(mode));
            }
            // over the tunnel the node called its endpoint, over the relay gateway A did: the exact header both times
            assertThat(endpoint.traceparents()).containsExactly(tp, tp);

            Response untraced = dispatch(b, "edge-trace", "plain");
            assertThat(untraced.ok()).as(untraced.toString()).isTrue();
            io.nats.client.Message plain = seen.nextMessage(WAIT);
            assertThat(plain.getHeaders().getFirst("traceparent")).isNull();
            assertThat(new String(plain.getData(), java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("traceparent");
            assertThat(endpoint.traceparents()).containsExactly(tp, tp, "null");
        }
    }

    @Test
    void everyGatewayShowsTheWholeFleetWithOwnersAndTheGatewayList() throws Exception {
        Gateway a = gateway("a");
        Gateway b = gateway("b");
        Gateway c = gateway("c");
        node("on-a", a.url()).awaitConnected(WAIT);
        node("on-b", b.url()).awaitConnected(WAIT);
        node("on-c", c.url()).awaitConnected(WAIT);
        for (Gateway gw : List.of(a, b, c)) {
            assertThat(TestHttp.await(WAIT, () -> nodeIds(gw).containsAll(List.of("on-a", "on-b", "on-c"))))
                    .as("fleet on " + gw.memberId()).isTrue();
            Map<String, Object> view = TestHttp.get(gw.url() + "/webui/api/nodes", TOKEN).json();
            Map<String, Object> cluster = map(view.get("cluster"));
            assertThat(cluster).containsEntry("gateway_id", gw.memberId());
            assertThat(map(cluster.get("owners"))).containsEntry("on-a", a.memberId())
                    .containsEntry("on-b", b.memberId()).containsEntry("on-c", c.memberId());
            assertThat(TestHttp.await(WAIT, () -> list(map(TestHttp.getQuiet(gw.url() + "/webui/api/nodes", TOKEN)
                    .get("cluster")).get("gateways")).size() == 3)).isTrue();
            Map<String, Object> registry = map(TestHttp.post(gw.url() + "/webui/api/subagents_runtime", TOKEN,
                    "{\"action\":\"registry\"}").json().get("result"));
            assertThat(list(registry.get("items"))).extracting(i -> i.get("agent_id"))
                    .contains("node.on-a.main", "node.on-b.main", "node.on-c.main");
        }
        assertThat(TestHttp.get(b.url() + "/ready", null).status()).isEqualTo(200);
    }

    @Test
    void theNewestConnectionWinsAndTheOlderGatewayClosesItsSocket() throws Exception {
        Gateway a = gateway("a");
        Gateway b = gateway("b");
        NodeAgent first = NodeAgent.builder().gateways(List.of(a.url())).token(TOKEN).id("twin")
                .reconnectBackoff(Duration.ofSeconds(30), Duration.ofSeconds(30)) // evicted: does not fight back
                .actions(List.of("run")).handler(req -> Response.ok(Map.of("result", "first"))).build();
        closing.add(first);
        first.start();
        assertThat(first.awaitConnected(WAIT)).isTrue();
        assertThat(TestHttp.await(WAIT, () -> dispatch(b, "twin", "x").ok())).isTrue();
        // a second agent with the same id connects to B: B's connection is newer
        AtomicInteger secondRan = new AtomicInteger();
        NodeAgent second = NodeAgent.builder().gateways(List.of(b.url())).token(TOKEN).id("twin")
                .reconnectBackoff(Duration.ofSeconds(30), Duration.ofSeconds(30)) // do not fight back
                .actions(List.of("run"))
                .handler(req -> {
                    secondRan.incrementAndGet();
                    return Response.ok(Map.of("result", "second"));
                }).build();
        closing.add(second);
        second.start();
        assertThat(second.awaitConnected(WAIT)).isTrue();
        // A sees the newer generation, closes its socket and stops claiming the node
        assertThat(TestHttp.await(WAIT, () -> a.node("twin").map(x -> !x.online()).orElse(false))).isTrue();
        Response fromA = dispatch(a, "twin", "who");
        assertThat(fromA.payload()).as(fromA.toString()).containsEntry("result", "second")
                .containsEntry("via_gateway", b.memberId());
        assertThat(secondRan.get()).isEqualTo(1);
    }

    @Test
    void natsDownEachGatewayServesItsOwnNodesAndCrossDispatchFailsFastThenRecovers() throws Exception {
        Gateway a = gateway("a");
        Gateway b = gateway("b");
        node("edge-n", a.url()).awaitConnected(WAIT);
        assertThat(TestHttp.await(WAIT, () -> dispatch(b, "edge-n", "x").ok())).isTrue();

        nats.kill();
        assertThat(TestHttp.await(WAIT, () -> TestHttp.getStatusQuiet(b.url() + "/ready") == 503)).isTrue();
        assertThat(TestHttp.get(b.url() + "/ready", null).body()).contains("nats");
        Response local = dispatch(a, "edge-n", "local");
        assertThat(local.ok()).as(local.toString()).isTrue();
        long t0 = System.nanoTime();
        Response cross = dispatch(b, "edge-n", "cross");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(cross.code()).isEqualTo(ErrorCodes.CLUSTER_UNAVAILABLE);
        assertThat(ms).as("fails fast, not at the 10 s deadline").isLessThan(5_000);

        nats.start();
        assertThat(TestHttp.await(Duration.ofSeconds(30), () -> TestHttp.getStatusQuiet(b.url() + "/ready") == 200))
                .isTrue();
        assertThat(TestHttp.await(WAIT, () -> dispatch(b, "edge-n", "back").ok())).isTrue();
    }

    @Test
    void anEightMebibyteAnswerCrossesGateways() throws Exception {
        Gateway a = gateway("a");
        Gateway b = gateway("b");
        String big = "x".repeat(8 * 1024 * 1024 - 64 * 1024);
        NodeAgent n = NodeAgent.builder().gateways(List.of(a.url())).token(TOKEN).id("big")
                .actions(List.of("run"))
                .handler(req -> Response.ok(Map.of("result", big))).build();
        closing.add(n);
        n.start();
        assertThat(n.awaitConnected(WAIT)).isTrue();
        assertThat(TestHttp.await(WAIT, () -> nodeIds(b).contains("big"))).isTrue();
        Response r = dispatch(b, "big", "large");
        assertThat(r.ok()).as(r.code() + " " + r.error()).isTrue();
        assertThat((String) r.payload().get("result")).hasSize(big.length());
    }

    @Test
    void aMessageAboveTheNatsServersMaxPayloadFailsWithPayloadTooLargeNotSilently() throws Exception {
        nats.close();
        nats = NatsServer.start(dir.resolve("nats-1mib"), 1024 * 1024); // nats-server's own default
        Gateway a = gateway("a");
        Gateway b = gateway("b");
        String twoMib = "y".repeat(2 * 1024 * 1024);
        NodeAgent n = NodeAgent.builder().gateways(List.of(a.url())).token(TOKEN).id("sizes")
                .actions(List.of("run"))
                .handler(req -> Response.ok(Map.of("result", "big".equals(req.task()) ? twoMib : "small")))
                .build();
        closing.add(n);
        n.start();
        assertThat(n.awaitConnected(WAIT)).isTrue();
        assertThat(TestHttp.await(WAIT, () -> nodeIds(b).contains("sizes"))).isTrue();

        assertThat(dispatch(b, "sizes", "small").ok()).isTrue();
        // the node's answer is too large for the hop back: the node ran it, the caller learns why it has no answer
        Response answer = dispatch(b, "sizes", "big");
        assertThat(answer.ok()).isFalse();
        assertThat(answer.code()).isEqualTo(ErrorCodes.PAYLOAD_TOO_LARGE);
        assertThat(answer.error()).contains("max_payload");
        // the request itself is too large for the hop there: refused before it is sent
        Response request = dispatch(b, "sizes", twoMib);
        assertThat(request.ok()).isFalse();
        assertThat(request.code()).isEqualTo(ErrorCodes.PAYLOAD_TOO_LARGE);
        assertThat(request.error()).contains("max_payload");
        // at the gateway that holds the node, both sizes work: the limit is the NATS hop's alone
        assertThat(dispatch(a, "sizes", "big").ok()).isTrue();
        assertThat(dispatch(b, "sizes", "small").ok()).isTrue();
    }

    @Test
    void nodeHeartbeatsNeverBecomeBucketWrites() throws Exception {
        Gateway a = gateway("a");
        List<NodeAgent> nodes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            nodes.add(node("hb-" + i, a.url())); // each heartbeats every second
        }
        for (NodeAgent n : nodes) {
            assertThat(n.awaitConnected(WAIT)).isTrue();
        }
        AtomicInteger nodeWrites = new AtomicInteger();
        List<String> keys = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (io.nats.client.Connection nc = io.nats.client.Nats.connect(nats.url())) {
            io.nats.client.KeyValue kv = nc.keyValue("clawgo_test");
            // settle: the claims and the first write after each claim
            Thread.sleep(1500);
            io.nats.client.api.KeyValueWatcher watcher = new io.nats.client.api.KeyValueWatcher() {
                @Override
                public void watch(io.nats.client.api.KeyValueEntry e) {
                    nodeWrites.incrementAndGet();
                    keys.add(e.getKey());
                }

                @Override
                public void endOfData() {
                }
            };
            try (io.nats.client.impl.NatsKeyValueWatchSubscription sub = kv.watch("node.>", watcher,
                    io.nats.client.api.KeyValueWatchOption.UPDATES_ONLY)) {
                Thread.sleep(3500); // 3 heartbeats of each of the 5 nodes, 17 of the gateway
            }
        }
        // a heartbeat moves last_seen_at only; the directory learns of changes, not of liveness (issue 17)
        assertThat(keys).as("node entries written while the nodes only heartbeat").isEmpty();
        assertThat(nodeWrites.get()).isZero();
        assertThat(dispatch(gateway("b"), "hb-0", "still there").ok()).isTrue();
    }

    @Test
    void aClosedGatewaysNodesMoveToTheNextUrlAndAreDispatchableEverywhere() throws Exception {
        Gateway a = gateway("a");
        Gateway b = gateway("b");
        NodeAgent n = node("mover", a.url(), b.url());
        assertThat(n.awaitConnected(WAIT)).isTrue();
        assertThat(TestHttp.await(WAIT, () -> dispatch(b, "mover", "x").ok())).isTrue();
        a.close();
        assertThat(TestHttp.await(WAIT, () -> b.node("mover").map(x -> x.online()).orElse(false))).isTrue();
        Response r = dispatch(b, "mover", "after");
        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(r.payload()).containsEntry("via_gateway", b.memberId());
    }

    @Test
    void aThreeServerNatsClusterSurvivesTheLossOfOneServer() throws Exception {
        nats.close();
        List<NatsServer> three = NatsServer.cluster(dir.resolve("nats3"), 3);
        three.forEach(closing::add);
        List<String> urls = three.stream().map(NatsServer::url).toList();
        Map<String, String> replicated = Map.of("heartbeat_ms", "200", "replicas", "3");
        Gateway a = gateway("a", List.of(urls.get(0)), replicated);
        Gateway b = gateway("b", List.of(urls.get(1), urls.get(2)), replicated);
        node("ha", a.url()).awaitConnected(WAIT);
        assertThat(TestHttp.await(Duration.ofSeconds(30), () -> dispatch(b, "ha", "x").ok())).isTrue();
        three.get(1).kill(); // B's server: B moves to the third
        assertThat(TestHttp.await(Duration.ofSeconds(30), () -> dispatch(b, "ha", "after").ok())).isTrue();
    }
}
