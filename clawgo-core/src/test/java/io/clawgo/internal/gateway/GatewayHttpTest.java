package io.clawgo.internal.gateway;

import static io.clawgo.testing.TestHttp.list;
import static io.clawgo.testing.TestHttp.map;
import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.config.P2pConfig;
import io.clawgo.testing.LoopbackRelay;
import io.clawgo.testing.RawControlClient;
import io.clawgo.testing.SeedEndpoint;
import io.clawgo.testing.TestHttp;
import io.clawgo.testing.TestHttp.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REST API of a real gateway on a loopback port: auth, registration, bad input, the seed's relay scenario. */
class GatewayHttpTest {
    private static final String TOKEN = "test-token-123";

    @TempDir
    Path dir;
    Gateway gw;
    String base;

    @BeforeEach
    void start() {
        gw = Gateway.builder().nodePolicy(LoopbackRelay.POLICY).host("127.0.0.1").port(0).token(TOKEN).dataDir(dir)
                .p2p(P2pConfig.disabled()).maxMessageBytes(64 * 1024).start();
        base = gw.url();
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void everyApiRouteAnswers401WithoutOrWithAWrongToken() throws Exception {
        List<String[]> routes = List.of(
                new String[] {"POST", "/nodes/register", "{\"id\":\"x\"}"},
                new String[] {"POST", "/nodes/heartbeat", "{\"id\":\"x\"}"},
                new String[] {"GET", "/nodes/connect", null},
                new String[] {"GET", "/webui/api/version", null},
                new String[] {"GET", "/webui/api/nodes", null},
                new String[] {"POST", "/webui/api/nodes", "{\"action\":\"delete\",\"id\":\"x\"}"},
                new String[] {"GET", "/webui/api/node_dispatches", null},
                new String[] {"POST", "/webui/api/node_dispatches/replay", "{}"},
                new String[] {"GET", "/webui/api/subagents_runtime", null},
                new String[] {"POST", "/webui/api/subagents_runtime", "{\"action\":\"registry\"}"},
                new String[] {"GET", "/webui/api/unknown", null});
        for (String[] r : routes) {
            for (String token : new String[] {null, "wrong", TOKEN + "x", ""}) {
                Reply reply = TestHttp.send(r[0], base + r[1], token, r[2]);
                assertThat(reply.status()).as(r[0] + " " + r[1] + " token=" + token).isEqualTo(401);
                assertThat(reply.json()).containsEntry("ok", false).containsEntry("code", "unauthorized");
                assertThat(reply.body()).doesNotContain(TOKEN);
            }
        }
        assertThat(RawControlClient.upgradeStatus(base, null)).isEqualTo(401);
        assertThat(RawControlClient.upgradeStatus(base, "wrong")).isEqualTo(401);
        assertThat(RawControlClient.upgradeStatus(base, TOKEN)).isEqualTo(101);
        // the health probe and the UI shell hold no data and are public
        assertThat(TestHttp.get(base + "/health", null).status()).isEqualTo(200);
        assertThat(TestHttp.get(base + "/", null).status()).isEqualTo(200);
        // and with the token the API answers
        assertThat(TestHttp.get(base + "/webui/api/version", TOKEN).json())
                .containsEntry("ok", true).containsKey("gateway_version");
    }

    @Test
    void registrationShowsInNodesWithTheLocalNodeAndWithoutTheEndpointToken() throws Exception {
        Reply r = TestHttp.post(base + "/nodes/register", TOKEN,
                "{\"id\":\"edge-1\",\"name\":\"Edge\",\"endpoint\":\"http://127.0.0.1:1\",\"token\":\"node-secret\","
                        + "\"actions\":[\"run\",\"agent_task\"],\"capabilities\":{\"run\":true,\"model\":true},"
                        + "\"online\":false,\"registered_at\":\"2001-01-01T00:00:00Z\",\"surprise\":{\"x\":1}}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json()).containsEntry("ok", true).containsEntry("id", "edge-1");

        Reply nodes = TestHttp.get(base + "/webui/api/nodes", TOKEN);
        assertThat(nodes.status()).isEqualTo(200);
        assertThat(nodes.body()).doesNotContain("node-secret");
        Map<String, Object> payload = nodes.json();
        assertThat(payload).containsKeys("nodes", "trees", "p2p", "dispatches", "alerts");
        List<Map<String, Object>> list = list(payload.get("nodes"));
        assertThat(list).extracting(m -> m.get("id")).containsExactly("local", "edge-1");
        Map<String, Object> edge = list.get(1);
        assertThat(edge).containsEntry("online", true).containsEntry("name", "Edge");
        assertThat((String) edge.get("registered_at")).doesNotStartWith("2001");
        Map<String, Object> p2p = map(payload.get("p2p"));
        assertThat(p2p).containsEntry("enabled", false).containsKeys("transport", "active_sessions", "nodes");

        Reply registry = TestHttp.post(base + "/webui/api/subagents_runtime", TOKEN, "{\"action\":\"registry\"}");
        List<Map<String, Object>> items = list(map(registry.json().get("result")).get("items"));
        assertThat(items).anySatisfy(i -> assertThat(i)
                .containsEntry("agent_id", "node.edge-1.main")
                .containsEntry("type", "node_branch")
                .containsEntry("node_id", "edge-1"));
    }

    @Test
    void badInputOnEveryRouteGetsAClear4xxAndTheServerKeepsServing() throws Exception {
        record Case(String method, String path, String body, int status, String errorPart) { }
        String big = "{\"id\":\"" + "x".repeat(70 * 1024) + "\"}";
        List<Case> cases = List.of(
                new Case("POST", "/nodes/register", "{not json", 400, "invalid json"),
                new Case("POST", "/nodes/register", "", 400, "JSON object is required"),
                new Case("POST", "/nodes/register", "[1,2]", 400, "JSON object is required"),
                new Case("POST", "/nodes/register", "{\"id\":5}", 400, "invalid node info"),
                new Case("POST", "/nodes/register", "{\"name\":\"no id\"}", 400, "id required"),
                new Case("POST", "/nodes/register", "{\"id\":\"bad id!\"}", 400, "node id"),
                new Case("POST", "/nodes/register", "{\"id\":\"x\",\"tags\":\"notalist\"}", 400, "invalid node info"),
                new Case("POST", "/nodes/register", "{\"id\":\"x\",\"last_seen_at\":\"yesterday\"}", 400, "timestamp"),
                new Case("POST", "/nodes/register", big, 413, "exceeds the limit"),
                new Case("GET", "/nodes/register", null, 405, "method not allowed"),
                new Case("POST", "/nodes/heartbeat", "{}", 400, "id is required"),
                new Case("POST", "/nodes/heartbeat", "{\"id\":7}", 400, "id must be a string"),
                new Case("POST", "/nodes/heartbeat", "{\"id\":\"ghost\"}", 404, "not found"),
                new Case("GET", "/nodes/connect", null, 400, "WebSocket"),
                new Case("PUT", "/webui/api/nodes", "{}", 405, "method not allowed"),
                new Case("POST", "/webui/api/nodes", "{\"action\":\"explode\"}", 400, "unsupported action"),
                new Case("POST", "/webui/api/nodes", "{\"action\":\"delete\"}", 400, "id is required"),
                new Case("POST", "/webui/api/version", "{}", 405, "method not allowed"),
                new Case("GET", "/webui/api/node_dispatches?limit=abc", null, 400, "limit"),
                new Case("POST", "/webui/api/node_dispatches/replay", "{\"node\":\"x\"}", 400, "action is required"),
                new Case("POST", "/webui/api/node_dispatches/replay", "{\"node\":\"x\",\"action\":\"run\",\"mode\":\"warp\"}", 400, "mode"),
                new Case("POST", "/webui/api/subagents_runtime", "{\"action\":\"fly\"}", 400, "unsupported action"),
                new Case("POST", "/webui/api/subagents_runtime", "{\"action\":\"dispatch_and_wait\",\"agent_id\":\"node.x.main\"}", 400, "task is required"),
                new Case("POST", "/webui/api/subagents_runtime", "{\"action\":\"dispatch_and_wait\",\"task\":\"t\"}", 400, "agent_id is required"),
                new Case("POST", "/webui/api/subagents_runtime", "{\"action\":\"dispatch_and_wait\",\"agent_id\":\"node.ghost.main\",\"task\":\"t\"}", 400, "not registered"),
                new Case("POST", "/webui/api/subagents_runtime", "{\"action\":\"dispatch_and_wait\",\"agent_id\":\"nobody\",\"task\":\"t\"}", 400, "unknown agent"),
                new Case("POST", "/webui/api/subagents_runtime", "{\"action\":\"dispatch_and_wait\",\"agent_id\":\"x\",\"task\":\"t\",\"wait_timeout_sec\":\"soon\"}", 400, "wait_timeout_sec"),
                new Case("POST", "/webui/api/subagents_runtime", "{\"action\":5}", 400, "action must be a string"),
                new Case("POST", "/webui/api/subagents_runtime", "{\"action\":\"get\"}", 400, "id is required"),
                new Case("DELETE", "/webui/api/subagents_runtime", null, 405, "method not allowed"),
                new Case("GET", "/webui/api/nope", null, 404, "no route"));
        for (Case c : cases) {
            Reply r = TestHttp.send(c.method, base + c.path, TOKEN, c.body);
            assertThat(r.status()).as(c.method + " " + c.path + " " + abbreviate(c.body)).isEqualTo(c.status);
            Map<String, Object> json = r.json();
            assertThat(json).as(c.path).containsEntry("ok", false).containsKey("code");
            assertThat((String) json.get("error")).as(c.path + " " + abbreviate(c.body)).containsIgnoringCase(c.errorPart);
            assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
        }
        assertThat(TestHttp.get(base + "/webui/api/version", TOKEN).status()).isEqualTo(200);
        assertThat(TestHttp.post(base + "/nodes/register", TOKEN, "{\"id\":\"after\"}").status()).isEqualTo(200);
    }

    @Test
    void seedScenarioOverTheHttpRelayCompletesWithTheEndpointsContent() throws Exception {
        try (SeedEndpoint endpoint = SeedEndpoint.start("edge-relay")) {
            TestHttp.post(base + "/nodes/register", TOKEN, "{\"id\":\"edge-relay\",\"endpoint\":\"" + endpoint.url()
                    + "\",\"token\":\"nt-1\",\"actions\":[\"run\",\"agent_task\"],"
                    + "\"capabilities\":{\"run\":true,\"invoke\":true,\"model\":true}}");
            Reply r = TestHttp.post(base + "/webui/api/subagents_runtime", TOKEN,
                    "{\"action\":\"dispatch_and_wait\",\"agent_id\":\"node.edge-relay.main\","
                            + "\"task\":\"Return exactly the string NODE_P2P_OK\",\"wait_timeout_sec\":30}");
            assertThat(r.status()).isEqualTo(200);
            Map<String, Object> json = r.json();
            assertThat(json).containsEntry("ok", true);
            Map<String, Object> reply = map(map(json.get("result")).get("reply"));
            assertThat(reply).containsEntry("status", "completed")
                    .containsEntry("used_transport", "http_relay")
                    .containsEntry("node", "edge-relay");
            assertThat((String) reply.get("result")).contains("agent_task from edge-relay");
            assertThat(endpoint.paths()).containsExactly("/agent/task");
            assertThat(endpoint.authorizations()).containsExactly("Bearer nt-1");

            Map<String, Object> nodes = TestHttp.get(base + "/webui/api/nodes", TOKEN).json();
            List<Map<String, Object>> dispatches = list(nodes.get("dispatches"));
            assertThat(dispatches).first().satisfies(d -> assertThat(d)
                    .containsEntry("node", "edge-relay").containsEntry("action", "agent_task")
                    .containsEntry("ok", true).containsEntry("used_transport", "http_relay"));
            assertThat(map(nodes.get("stats"))).containsEntry("dispatches_last_hour", 1L)
                    .containsEntry("failures_last_hour", 0L).containsEntry("nodes_online", 1L);
            assertThat(list(TestHttp.get(base + "/webui/api/node_dispatches?node=edge-relay", TOKEN).json().get("items")))
                    .hasSize(1);
            assertThat(list(TestHttp.get(base + "/webui/api/node_dispatches?node=other", TOKEN).json().get("items")))
                    .isEmpty();
            assertThat(list(map(TestHttp.post(base + "/webui/api/subagents_runtime", TOKEN,
                    "{\"action\":\"list\",\"limit\":1}").json().get("result")).get("items"))).hasSize(1);
        }
    }

    @Test
    void failuresAndTimeoutsComeBackAsRepliesNotErrors() throws Exception {
        // an endpoint that nobody listens on
        TestHttp.post(base + "/nodes/register", TOKEN,
                "{\"id\":\"dead\",\"endpoint\":\"http://127.0.0.1:9\",\"capabilities\":{\"model\":true}}");
        Map<String, Object> failed = map(map(TestHttp.post(base + "/webui/api/subagents_runtime", TOKEN,
                "{\"action\":\"dispatch_and_wait\",\"agent_id\":\"node.dead.main\",\"task\":\"t\",\"wait_timeout_sec\":20}")
                .json().get("result")).get("reply"));
        assertThat(failed).containsEntry("status", "failed").containsEntry("code", "transport_error");

        // a node without a model capability cannot take agent_task
        TestHttp.post(base + "/nodes/register", TOKEN,
                "{\"id\":\"runner\",\"endpoint\":\"http://127.0.0.1:9\",\"capabilities\":{\"run\":true}}");
        Map<String, Object> unsupported = map(map(TestHttp.post(base + "/webui/api/subagents_runtime", TOKEN,
                "{\"action\":\"dispatch_and_wait\",\"agent_id\":\"node.runner.main\",\"task\":\"t\"}")
                .json().get("result")).get("reply"));
        assertThat(unsupported).containsEntry("status", "failed").containsEntry("code", "unsupported_action");

        // a slow endpoint: the wait ends with status timeout
        try (SlowEndpoint slow = new SlowEndpoint(Duration.ofSeconds(4))) {
            TestHttp.post(base + "/nodes/register", TOKEN, "{\"id\":\"slow\",\"endpoint\":\"" + slow.url()
                    + "\",\"capabilities\":{\"model\":true}}");
            long t0 = System.nanoTime();
            Map<String, Object> result = map(TestHttp.post(base + "/webui/api/subagents_runtime", TOKEN,
                    "{\"action\":\"dispatch_and_wait\",\"agent_id\":\"node.slow.main\",\"task\":\"t\","
                            + "\"wait_timeout_sec\":1}").json().get("result"));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
            assertThat(map(result.get("reply"))).containsEntry("status", "timeout");
            String taskId = (String) map(result.get("task")).get("id");
            // the task goes on and completes later
            assertThat(TestHttp.await(Duration.ofSeconds(10), () -> {
                try {
                    Map<String, Object> got = map(TestHttp.post(base + "/webui/api/subagents_runtime", TOKEN,
                            "{\"action\":\"get\",\"id\":\"" + taskId + "\"}").json().get("result"));
                    return "completed".equals(map(got.get("task")).get("status"));
                } catch (Exception e) {
                    return false;
                }
            })).isTrue();
        }
    }

    @Test
    void aNodeWithoutHeartbeatsGoesOfflineAfterTheTtlAndRaisesAnAlert(@TempDir Path other) throws Exception {
        try (Gateway shortTtl = Gateway.builder().nodePolicy(LoopbackRelay.POLICY).host("127.0.0.1").port(0).token(TOKEN).dataDir(other)
                .p2p(P2pConfig.disabled()).nodeTtl(Duration.ofMillis(300)).start()) {
            String url = shortTtl.url();
            TestHttp.post(url + "/nodes/register", TOKEN, "{\"id\":\"quiet\"}");
            assertThat(shortTtl.node("quiet")).get().extracting(n -> n.online()).isEqualTo(true);
            assertThat(TestHttp.await(Duration.ofSeconds(5), () -> !shortTtl.node("quiet").get().online())).isTrue();
            Map<String, Object> nodes = TestHttp.get(url + "/webui/api/nodes", TOKEN).json();
            assertThat(list(nodes.get("alerts"))).anySatisfy(a -> assertThat(a)
                    .containsEntry("kind", "node_offline").containsEntry("node", "quiet")
                    .containsEntry("severity", "critical"));
            // a heartbeat brings it back
            assertThat(TestHttp.post(url + "/nodes/heartbeat", TOKEN, "{\"id\":\"quiet\"}").status()).isEqualTo(200);
            assertThat(shortTtl.node("quiet").get().online()).isTrue();
        }
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

}
