package io.clawgo.transport.webrtc;

import static io.clawgo.testing.TestHttp.list;
import static io.clawgo.testing.TestHttp.map;
import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.testing.SeedEndpoint;
import io.clawgo.testing.TestHttp;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real gateway with {@code transport = webrtc} and real node agents (two in this JVM, one in a separate process),
 * whose endpoints listen on 127.0.0.1 only: requests reach them over the DataChannel.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class GatewayWebRtcTest {
    private static final List<AutoCloseable> CLOSE = new ArrayList<>();
    private static Gateway gw;
    private static SeedEndpoint seedA;
    @TempDir
    static Path data;

    @BeforeAll
    static void start() throws Exception {
        NetNs.assumeInside();
        seedA = keep(SeedEndpoint.start("edge-a"));
        SeedEndpoint seedB = keep(SeedEndpoint.start("edge-b"));
        gw = keep(Gateway.builder().host("127.0.0.1").port(0).dataDir(data).transport("webrtc").start());
        node("edge-a", seedA.url());
        node("edge-b", seedB.url());
        NodeAgent big = NodeAgent.builder().gateway(gw.url()).id("edge-big").actions(List.of("run"))
                .handler(req -> {
                    String in = (String) req.args().getOrDefault("data", "");
                    int size = ((Number) req.args().getOrDefault("size", 0L)).intValue();
                    return Response.ok(Map.of("sha", TransportPairTest.sha256(in),
                            "data", TransportPairTest.pattern(size)));
                }).build();
        keep(big).start();
        assertThat(big.awaitConnected(Duration.ofSeconds(10))).isTrue();
    }

    private static void node(String id, String endpoint) {
        NodeAgent n = NodeAgent.builder().gateway(gw.url()).id(id).endpoint(endpoint)
                .actions(List.of("run", "invoke", "agent_task")).build();
        keep(n).start();
        assertThat(n.awaitConnected(Duration.ofSeconds(10))).as(id + " connected").isTrue();
    }

    private static <T extends AutoCloseable> T keep(T c) {
        CLOSE.add(0, c);
        return c;
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : CLOSE) {
            try {
                c.close();
            } catch (Exception e) {
                // keep closing the rest
            }
        }
        CLOSE.clear();
    }


    static Map<String, Object> sessionOf(Map<String, Object> api, String node) {
        return list(map(api.get("p2p")).get("nodes")).stream().filter(s -> node.equals(s.get("node"))).findFirst()
                .orElse(null);
    }

    @Test
    void dispatchToTwoNodesGoesOverWebrtcAndShowsInTheApi() throws Exception {
        for (String id : List.of("edge-a", "edge-b")) {
            Response r = gw.dispatch(new Request("run", id, null, null, Map.of("cmd", "hello")), DispatchMode.AUTO,
                    Duration.ofSeconds(20)).get(30, TimeUnit.SECONDS);
            assertThat(r.ok()).as("%s", r).isTrue();
            assertThat(r.payload()).containsEntry("used_transport", "webrtc").doesNotContainKey("fallback_from");
            // the node forwarded it to its endpoint on 127.0.0.1, which the gateway could not reach itself
            assertThat(r.payload().get("result")).isEqualTo("run from " + id);
        }
        Map<String, Object> api = TestHttp.get(gw.url() + "/webui/api/nodes", null).json();
        Map<String, Object> p2p = map(api.get("p2p"));
        assertThat(p2p).containsEntry("transport", "webrtc");
        assertThat(((Number) p2p.get("active_sessions")).intValue()).isGreaterThanOrEqualTo(1);
        assertThat(((Number) p2p.get("ice_servers")).intValue()).isZero();
        for (String id : List.of("edge-a", "edge-b")) {
            Map<String, Object> s = sessionOf(api, id);
            assertThat(s).as(id).isNotNull().containsEntry("status", "open").containsEntry("retry_count", 0L);
            assertThat(s.get("last_ready_at")).as(id).isNotNull();
            assertThat(String.valueOf(s.get("created_at"))).isNotBlank();
            assertThat(String.valueOf(s.get("last_attempt"))).isNotBlank();
        }
        Map<String, Object> last = list(api.get("dispatches")).get(0);
        assertThat(last).containsEntry("used_transport", "webrtc").containsEntry("ok", true);
        assertThat(list(api.get("alerts"))).noneMatch(a -> String.valueOf(a.get("kind")).startsWith("p2p_")
                && List.of("edge-a", "edge-b").contains(a.get("node")));
    }

    @Test
    void seedCheckAgentTaskToALoopbackOnlyEndpointSucceedsOverWebrtc() throws Exception {
        Map<String, Object> json = TestHttp.post(gw.url() + "/webui/api/subagents_runtime", null,
                "{\"action\":\"dispatch_and_wait\",\"agent_id\":\"node.edge-a.main\","
                        + "\"task\":\"Return exactly the string NODE_P2P_OK\",\"wait_timeout_sec\":30}").json();
        assertThat(json).containsEntry("ok", true);
        Map<String, Object> reply = map(map(json.get("result")).get("reply"));
        assertThat(reply).containsEntry("status", "completed").containsEntry("used_transport", "webrtc")
                .containsEntry("node", "edge-a");
        assertThat((String) reply.get("result")).contains("agent_task from edge-a");
        assertThat(seedA.paths()).contains("/agent/task");
    }

    @Test
    void aRestTraceparentRidesTheDataChannelToTheEndpoint() throws Exception {
        String tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        okhttp3.Request call = new okhttp3.Request.Builder().url(gw.url() + "/webui/api/node_dispatches/replay")
                .header("traceparent", tp)
                .post(okhttp3.RequestBody.create("{\"node\":\"edge-a\",\"action\":\"run\",\"mode\":\"p2p\","
                        + "\"args\":{\"traced\":true},\"timeout_sec\":20}", okhttp3.MediaType.get("application/json")))
                .build();
        int before = seedA.traceparents().size();
        try (okhttp3.Response r = TestHttp.CLIENT.newCall(call).execute()) {
            String body = r.body().string();
            assertThat(r.code()).as(body).isEqualTo(200);
            assertThat(body).contains("\"used_transport\":\"webrtc\"").contains("\"ok\":true");
        }
        // the node got it over the DataChannel and sent it to its endpoint on 127.0.0.1
        assertThat(seedA.traceparents()).hasSize(before + 1).last().isEqualTo(tp);
        Map<String, Object> last = list(TestHttp.get(gw.url() + "/webui/api/nodes", null).json().get("dispatches"))
                .get(0);
        assertThat(last).containsEntry("used_transport", "webrtc")
                .containsEntry("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736");
    }

    @Test
    void fourMebibyteResponseAndRequestArriveIntact() throws Exception {
        String data = TransportPairTest.pattern(4 * 1024 * 1024);
        Response r = gw.dispatch(new Request("run", "edge-big", null, null,
                Map.of("data", data, "size", (long) (4 * 1024 * 1024))), DispatchMode.P2P, Duration.ofSeconds(40))
                .get(60, TimeUnit.SECONDS);
        assertThat(r.ok()).as("%s", r.error()).isTrue();
        assertThat(r.payload()).containsEntry("used_transport", "webrtc");
        assertThat(r.payload().get("sha")).isEqualTo(TransportPairTest.sha256(data));
        assertThat(TransportPairTest.sha256((String) r.payload().get("data"))).isEqualTo(TransportPairTest.sha256(data));
    }

    @Test
    void concurrentDispatchesShareTheSession() throws Exception {
        List<CompletableFuture<Response>> all = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            all.add(gw.dispatch(new Request("run", "edge-b", null, null, Map.of("i", (long) i)), DispatchMode.P2P,
                    Duration.ofSeconds(30)));
        }
        for (CompletableFuture<Response> f : all) {
            Response r = f.get(40, TimeUnit.SECONDS);
            assertThat(r.ok()).as("%s", r).isTrue();
            assertThat(r.payload()).containsEntry("used_transport", "webrtc");
        }
    }

    @Test
    void aNodeInASeparateProcessWorks() throws Exception {
        try (SeedEndpoint seed = SeedEndpoint.start("edge-proc")) {
            String java = ProcessHandle.current().info().command().orElse("java");
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            Process proc = new ProcessBuilder(java, "-cp", cp, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    NodeProcessMain.class.getName(), gw.url(), "edge-proc", seed.url())
                    .redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(proc.getInputStream(),
                        StandardCharsets.UTF_8));
                CompletableFuture<Boolean> ready = CompletableFuture.supplyAsync(() -> {
                    try {
                        for (String line; (line = out.readLine()) != null; ) {
                            if (line.equals("READY")) {
                                return true;
                            }
                        }
                    } catch (Exception e) {
                        return false;
                    }
                    return false;
                });
                assertThat(ready.get(30, TimeUnit.SECONDS)).as("node process ready").isTrue();
                Response r = gw.dispatch(new Request("run", "edge-proc", null, null, Map.of("x", 1L)),
                        DispatchMode.AUTO,
                        Duration.ofSeconds(20)).get(30, TimeUnit.SECONDS);
                assertThat(r.ok()).as("%s", r).isTrue();
                assertThat(r.payload()).containsEntry("used_transport", "webrtc").doesNotContainKey("fallback_from");
                assertThat(r.payload().get("result")).isEqualTo("run from edge-proc");
                Map<String, Object> s = sessionOf(TestHttp.get(gw.url() + "/webui/api/nodes", null).json(),
                        "edge-proc");
                assertThat(s).containsEntry("status", "open");
            } finally {
                proc.getOutputStream().close();
                if (!proc.waitFor(15, TimeUnit.SECONDS)) {
                    proc.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    throw new AssertionError("the node process did not exit after its stdin closed");
                }
                assertThat(proc.exitValue()).isZero();
            }
        }
    }
}
