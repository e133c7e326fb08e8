package io.clawgo.internal.gateway;

import static io.clawgo.testing.TestHttp.list;
import static io.clawgo.testing.TestHttp.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.config.GatewayConfig;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireCodec;
import io.clawgo.testing.RawControlClient;
import io.clawgo.testing.SeedEndpoint;
import io.clawgo.testing.TestHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a node can make the gateway do with a token it holds (issue 18): the relay as a request forger, huge strings
 * kept and logged, id takeover, reserved and ambiguous ids, unbounded registrations. Real Jetty, real sockets, real node
 * agents, all on loopback. Gateways are configured from JSON (as an operator would), so that the tests also run, and
 * fail, against a gateway that does not know the keys.
 */
class NodeTokenSecurityTest {
    private static final String TOKEN = "node-security-gateway-token";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String ALLOW_LOOPBACK = "\"relay\":{\"allow\":[\"127.0.0.1\"]}";

    @TempDir
    Path dir;

    /** A gateway on 127.0.0.1 with the given entries in {@code gateway.nodes}, relay only (core has no P2P). */
    private Gateway gateway(String nodesEntries) {
        String nodes = "\"p2p\":{\"enabled\":false}" + (nodesEntries.isEmpty() ? "" : "," + nodesEntries);
        GatewayConfig c = GatewayConfig.parse("{\"gateway\":{\"host\":\"127.0.0.1\",\"port\":0,\"token\":\"" + TOKEN
                + "\",\"nodes\":{" + nodes + "}}}");
        return Gateway.builder().config(c).dataDir(dir).start();
    }

    private static TestHttp.Reply register(Gateway gw, String token, Map<String, Object> node) throws IOException {
        return TestHttp.post(gw.url() + "/nodes/register", token, WireCodec.get().toJson(node));
    }

    private static Map<String, Object> node(String id, String endpoint) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("id", id);
        if (endpoint != null) {
            n.put("endpoint", endpoint);
        }
        n.put("actions", List.of("run", "agent_task"));
        n.put("capabilities", Map.of("run", true, "model", true));
        return n;
    }

    private static Response relay(Gateway gw, String node, String action, Duration timeout) throws Exception {
        return gw.dispatch(new Request(action, node, "task", null, null), DispatchMode.RELAY, timeout)
                .get(timeout.toMillis() + 10_000, TimeUnit.MILLISECONDS);
    }

    private static NodeAgent agent(Gateway gw, String id, String endpoint) {
        return NodeAgent.builder().gateway(gw.url()).token(TOKEN).id(id).endpoint(endpoint).nodeToken("tok-" + id)
                .heartbeatInterval(Duration.ofSeconds(1))
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(500))
                .actions(List.of("run", "agent_task")).build();
    }

    // ------------------------------------------------------------------------------------------------- 1. SSRF

    @Test
    void theRelayRefusesLoopbackUnspecifiedAndLinkLocalEndpointsByDefault() throws Exception {
        try (SeedEndpoint victim = SeedEndpoint.start("victim");
             Gateway gw = gateway("")) {
            int port = victim.port();
            List<String> endpoints = List.of(
                    victim.url(), // 127.0.0.1
                    "http://localhost:" + port, // a name that resolves to loopback: the relay's Dns refuses it
                    "http://[::1]:" + port,
                    "http://[::ffff:127.0.0.1]:" + port,
                    "http://0.0.0.0:" + port, // Linux connects 0.0.0.0 to this host
                    "http://169.254.169.254"); // cloud metadata, link-local
            for (int i = 0; i < endpoints.size(); i++) {
                String id = "ssrf-" + i;
                TestHttp.Reply reg = register(gw, TOKEN, node(id, endpoints.get(i)));
                assertThat(reg.status()).as("registration of %s is still accepted: %s", endpoints.get(i), reg.body())
                        .isEqualTo(200);
                Response r = relay(gw, id, "run", Duration.ofSeconds(3));
                assertThat(r.code()).as("relay to %s: %s", endpoints.get(i), r).isEqualTo("relay_denied");
                assertThat(r.error()).contains("gateway.nodes.relay.allow");
                assertThat(r.node()).isEqualTo(id);
            }
            // a trailing dot: OkHttp would look it up without its Dns; refused at registration or by the relay
            TestHttp.Reply reg = register(gw, TOKEN, node("dotted", "http://127.0.0.1.:" + port));
            if (reg.status() == 200) {
                assertThat(relay(gw, "dotted", "run", Duration.ofSeconds(3)).code()).isEqualTo("relay_denied");
            } else {
                assertThat(reg.status()).as(reg.body()).isEqualTo(400);
            }
            assertThat(victim.paths()).as("requests that reached the loopback service").isEmpty();
        }
    }

    @Test
    void aNodeAgentWithALoopbackEndpointStillRegistersAndTheRelayAnswersRelayDenied() throws Exception {
        try (SeedEndpoint victim = SeedEndpoint.start("seed-like");
             Gateway gw = gateway("");
             NodeAgent n = agent(gw, "seed-like", victim.url())) {
            n.start();
            assertThat(n.awaitConnected(WAIT)).isTrue();
            assertThat(gw.node("seed-like").orElseThrow().online()).isTrue();
            Response r = relay(gw, "seed-like", "run", Duration.ofSeconds(5));
            assertThat(r.ok()).isFalse();
            assertThat(r.code()).isEqualTo("relay_denied");
            assertThat(r.error()).contains("127.0.0.1").contains("loopback");
            assertThat(victim.paths()).isEmpty();
        }
    }

    @Test
    void theRelayRefusesAnAddressOfTheGatewaysOwnHost() throws Exception {
        InetAddress own = null;
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    own = a;
                }
            }
        }
        Assumptions.assumeTrue(own != null, "this host has no IPv4 address besides loopback");
        try (Gateway gw = gateway("")) {
            // any port: the relay must not even try (old code: connection refused, transport_error)
            assertThat(register(gw, TOKEN, node("own", "http://" + own.getHostAddress() + ":9")).status())
                    .isEqualTo(200);
            Response r = relay(gw, "own", "run", Duration.ofSeconds(5));
            assertThat(r.code()).as("%s", r).isEqualTo("relay_denied");
            assertThat(r.error()).contains("gateway's own host");
        }
    }

    @Test
    void anAllowListLetsTheRelayReachLoopbackAndADenyListAddsToTheDefaults() throws Exception {
        try (SeedEndpoint ep = SeedEndpoint.start("allowed");
             Gateway gw = gateway(ALLOW_LOOPBACK);
             NodeAgent n = agent(gw, "allowed", ep.url())) {
            n.start();
            assertThat(n.awaitConnected(WAIT)).isTrue();
            Response r = relay(gw, "allowed", "run", Duration.ofSeconds(10));
            assertThat(r.ok()).as("%s", r).isTrue();
            assertThat(ep.authorizations()).containsExactly("Bearer tok-allowed");
            // localhost is not in the allow list: its name is not, and ::1 is not 127.0.0.1 (it may be unresolved)
        }
        try (SeedEndpoint ep = SeedEndpoint.start("denied");
             Gateway gw = gateway("\"relay\":{\"allow\":[\"localhost\"],\"deny\":[\"127.0.0.0/8\"]}")) {
            // a host name allow entry wins over a deny rule for the addresses it resolves to
            assertThat(register(gw, TOKEN, node("by-name", "http://localhost:" + ep.port())).status()).isEqualTo(200);
            assertThat(relay(gw, "by-name", "run", Duration.ofSeconds(10)).ok()).isTrue();
            assertThat(register(gw, TOKEN, node("by-ip", ep.url())).status()).isEqualTo(200);
            Response r = relay(gw, "by-ip", "run", Duration.ofSeconds(5));
            assertThat(r.code()).isEqualTo("relay_denied");
            assertThat(r.error()).contains("gateway.nodes.relay.deny (127.0.0.0/8)");
        }
    }

    @Test
    void anEndpointWithAQueryOrFragmentIsRefusedAtRegistration() throws Exception {
        try (SeedEndpoint ep = SeedEndpoint.start("swallow");
             Gateway gw = gateway(ALLOW_LOOPBACK);
             RawControlClient ws = RawControlClient.connect(gw.url(), TOKEN)) {
            for (String suffix : List.of("/base#", "/base?", "/base?x=1", "/base#frag")) {
                TestHttp.Reply reg = register(gw, TOKEN, node("swallow", ep.url() + suffix));
                assertThat(reg.status()).as("%s: %s", suffix, reg.body()).isEqualTo(400);
                assertThat(reg.json().get("error").toString()).contains("query").contains("fragment");
            }
            Map<String, Object> ack = ws.exchange(WireCodec.get().toJson(Map.of("type", "register",
                    "node", node("swallow", ep.url() + "/base#"))));
            assertThat(ack.get("ok")).as("%s", ack).isEqualTo(false);
            assertThat(ack.get("error").toString()).contains("query");
            assertThat(register(gw, TOKEN, node("userinfo", "http://user:pw@127.0.0.1:" + ep.port())).status())
                    .isEqualTo(400);
            assertThat(gw.node("swallow")).isEmpty();
            assertThat(ep.paths()).isEmpty();
        }
    }

    // ------------------------------------------------------------------------------------------ 2. huge strings

    /** An endpoint on 127.0.0.1 that answers each POST with what {@code answer} makes of its path and body. */
    private static final class ScriptedEndpoint implements AutoCloseable {
        final HttpServer server;
        final List<String> paths = new CopyOnWriteArrayList<>();

        ScriptedEndpoint(Function<Map<String, Object>, Map<String, Object>> answer) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            server.createContext("/", ex -> handle(ex, answer));
            server.start();
        }

        private void handle(HttpExchange ex, Function<Map<String, Object>, Map<String, Object>> answer)
                throws IOException {
            try (ex) {
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                paths.add(ex.getRequestURI().getPath());
                Map<String, Object> req;
                try {
                    req = new LinkedHashMap<>(WireCodec.get().decodeMap(body, 1 << 24));
                } catch (Exception e) {
                    req = new LinkedHashMap<>();
                }
                req.put("_path", ex.getRequestURI().getPath());
                byte[] out = WireCodec.get().toJsonBytes(answer.apply(req));
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(200, out.length);
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(out);
                }
            }
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private static final int BIG = 1 << 20;
    private static final String BIG_RESULT = "R".repeat(BIG);
    private static final String BIG_ERROR = "boom\r\nFAKE-LOG-LINE forged by the node\n" + "E".repeat(BIG);

    /** Answers {@code /run} and the agent task {@code fail} with {@link #BIG_ERROR}, other tasks with a big result. */
    private static ScriptedEndpoint bigAnswers() throws IOException {
        return new ScriptedEndpoint(req -> {
            Map<String, Object> r = new LinkedHashMap<>();
            boolean fail = "/run".equals(req.get("_path")) || "fail".equals(req.get("task"));
            r.put("ok", !fail);
            r.put("code", fail ? "remote_error" : "ok");
            if (fail) {
                r.put("error", BIG_ERROR);
            } else {
                r.put("payload", Map.of("result", BIG_RESULT));
            }
            return r;
        });
    }

    @Test
    void aNodesErrorIsLoggedEscapedAndCut() throws Exception {
        try (ScriptedEndpoint ep = bigAnswers();
             Gateway gw = gateway(ALLOW_LOOPBACK);
             NodeAgent n = agent(gw, "big", ep.url())) {
            n.start();
            assertThat(n.awaitConnected(WAIT)).isTrue();
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            PrintStream err = System.err;
            Response failed;
            System.setErr(new PrintStream(new TeeStream(err, captured), true, StandardCharsets.UTF_8));
            try {
                failed = relay(gw, "big", "run", Duration.ofSeconds(20));
            } finally {
                System.setErr(err);
            }
            assertThat(failed.error()).as("what the caller gets").isEqualTo(BIG_ERROR);
            String log = captured.toString(StandardCharsets.UTF_8);
            assertThat(log).contains("dispatch run to big failed").contains("boom\\r\\nFAKE-LOG-LINE");
            assertThat(log.lines()).as("log lines").noneMatch(l -> l.startsWith("FAKE-LOG-LINE"))
                    .allMatch(l -> l.length() < 8 * 1024);
        }
    }

    @Test
    void hugeResultsAndErrorsAreKeptBoundedButReturnedWhole() throws Exception {
        ScriptedEndpoint ep = bigAnswers();
        Gateway gw = gateway(ALLOW_LOOPBACK);
        try (ep; NodeAgent n = agent(gw, "big", ep.url())) {
            n.start();
            assertThat(n.awaitConnected(WAIT)).isTrue();

            // the dispatch record keeps a bounded error; the caller gets it whole
            assertThat(relay(gw, "big", "run", Duration.ofSeconds(20)).error()).isEqualTo(BIG_ERROR);
            Map<String, Object> items = TestHttp.get(gw.url() + "/webui/api/node_dispatches?node=big&limit=5", TOKEN)
                    .json();
            String kept = (String) list(items.get("items")).get(0).get("error");
            assertThat(kept.length()).as("kept error").isLessThanOrEqualTo(4096 + 64);
            assertThat(kept).startsWith("boom\r\nFAKE-LOG-LINE").contains("…[truncated ");

            // dispatch_and_wait returns the whole result; the kept task record holds a bounded one
            String runtime = gw.url() + "/webui/api/subagents_runtime";
            Map<String, Object> waited = map(TestHttp.post(runtime, TOKEN, "{\"action\":\"dispatch_and_wait\","
                    + "\"agent_id\":\"node.big.main\",\"task\":\"ok\",\"wait_timeout_sec\":30}").json()
                    .get("result"));
            assertThat(map(waited.get("reply")).get("result")).isEqualTo(BIG_RESULT);
            assertThat((String) waited.get("merged")).endsWith(BIG_RESULT);
            String taskId = (String) map(waited.get("task")).get("id");
            Map<String, Object> got = map(map(TestHttp.post(runtime, TOKEN, "{\"action\":\"get\",\"id\":\""
                    + taskId + "\"}").json().get("result")).get("task"));
            assertThat(((String) got.get("result")).length()).as("kept result").isLessThanOrEqualTo(4096 + 64);
            assertThat((String) got.get("result")).endsWith("…[truncated " + (BIG - 4096) + " chars]");

            Map<String, Object> failedTask = map(TestHttp.post(runtime, TOKEN, "{\"action\":\"dispatch_and_wait\","
                    + "\"agent_id\":\"node.big.main\",\"task\":\"fail\",\"wait_timeout_sec\":30}").json()
                    .get("result"));
            assertThat(map(failedTask.get("reply")).get("error")).isEqualTo(BIG_ERROR);
            List<Map<String, Object>> listed = list(map(TestHttp.post(runtime, TOKEN, "{\"action\":\"list\"}").json()
                    .get("result")).get("items"));
            assertThat(listed).hasSize(2).allSatisfy(t -> {
                assertThat(String.valueOf(t.get("result")).length()).isLessThanOrEqualTo(4096 + 64);
                assertThat(String.valueOf(t.get("error")).length()).isLessThanOrEqualTo(4096 + 64);
            });
        } finally {
            gw.close();
        }
        // the audits on disk: bounded lines too
        for (String file : List.of("subagent-tasks.jsonl", "nodes-dispatch-audit.jsonl")) {
            List<String> lines = Files.readAllLines(dir.resolve(file));
            assertThat(lines).as(file).isNotEmpty().allMatch(l -> l.length() < 16 * 1024);
        }
    }

    /** Writes to two streams. */
    private static final class TeeStream extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        TeeStream(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }
    }

    // ------------------------------------------------------------------------------------------ 3. id takeover

    @Test
    void reRegisteringAnIdWithAnotherEndpointDropsTheOldEndpointsToken() throws Exception {
        try (SeedEndpoint first = SeedEndpoint.start("first");
             SeedEndpoint second = SeedEndpoint.start("second");
             Gateway gw = gateway(ALLOW_LOOPBACK)) {
            Map<String, Object> legit = node("shared", first.url());
            legit.put("token", "secret-of-the-first-endpoint");
            assertThat(register(gw, TOKEN, legit).status()).isEqualTo(200);
            assertThat(relay(gw, "shared", "run", Duration.ofSeconds(10)).ok()).isTrue();
            assertThat(first.authorizations()).containsExactly("Bearer secret-of-the-first-endpoint");

            // another holder of the gateway token takes the id over with its own endpoint and no token
            assertThat(register(gw, TOKEN, node("shared", second.url())).status()).isEqualTo(200);
            assertThat(relay(gw, "shared", "run", Duration.ofSeconds(10)).ok()).isTrue();
            assertThat(second.authorizations()).as("what the new endpoint was sent").containsExactly("null");

            // the same endpoint again without a token keeps a token given with it
            Map<String, Object> again = node("shared", second.url());
            again.put("token", "secret-of-the-second");
            assertThat(register(gw, TOKEN, again).status()).isEqualTo(200);
            assertThat(register(gw, TOKEN, node("shared", second.url())).status()).isEqualTo(200);
            assertThat(relay(gw, "shared", "run", Duration.ofSeconds(10)).ok()).isTrue();
            assertThat(second.authorizations()).last().isEqualTo("Bearer secret-of-the-second");
        }
    }

    @Test
    void aPerNodeTokenReservesItsIdAgainstTheGatewayToken() throws Exception {
        String edgeToken = "edge-1-own-secret-token";
        try (Gateway gw = gateway("\"tokens\":{\"edge-1\":\"" + edgeToken + "\"}")) {
            TestHttp.Reply byGateway = register(gw, TOKEN, node("edge-1", null));
            assertThat(byGateway.status()).as(byGateway.body()).isEqualTo(403);
            assertThat(byGateway.json()).containsEntry("code", "forbidden");
            assertThat(byGateway.json().get("error").toString()).contains("gateway.nodes.tokens");
            try (RawControlClient ws = RawControlClient.connect(gw.url(), TOKEN)) {
                Map<String, Object> ack = ws.exchange(WireCodec.get().toJson(Map.of("type", "register",
                        "node", node("edge-1", null))));
                assertThat(ack.get("ok")).as("%s", ack).isEqualTo(false);
                assertThat(ack.get("error").toString()).startsWith("forbidden:");
            }
            assertThat(gw.node("edge-1")).isEmpty();

            // its own token registers it; the gateway token cannot keep it alive either
            assertThat(register(gw, edgeToken, node("edge-1", null)).status()).isEqualTo(200);
            assertThat(TestHttp.post(gw.url() + "/nodes/heartbeat", TOKEN, "{\"id\":\"edge-1\"}").status())
                    .isEqualTo(403);
            assertThat(TestHttp.post(gw.url() + "/nodes/heartbeat", edgeToken, "{\"id\":\"edge-1\"}").status())
                    .isEqualTo(200);
            // other ids are the gateway token's as before
            assertThat(register(gw, TOKEN, node("edge-2", null)).status()).isEqualTo(200);
        }
    }

    // ------------------------------------------------------------------------------- 4. reserved and ambiguous ids

    @Test
    void reservedIdsAndDottedAgentIdsAreRefused() throws Exception {
        try (Gateway gw = gateway("")) {
            for (String id : List.of("gateway", "GATEWAY", "local", "Local")) {
                TestHttp.Reply r = register(gw, TOKEN, node(id, null));
                assertThat(r.status()).as("%s: %s", id, r.body()).isEqualTo(400);
                assertThat(r.json().get("error").toString()).contains("reserved");
            }
            Map<String, Object> dotted = node("tree", null);
            dotted.put("agents", List.of(Map.of("id", "coder"), Map.of("id", "x.y")));
            TestHttp.Reply r = register(gw, TOKEN, dotted);
            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(r.json().get("error").toString()).contains("agents[1].id").contains("'.'");
            assertThat(gw.nodes()).extracting(n -> n.id()).doesNotContain("gateway", "GATEWAY", "local", "Local",
                    "tree");
        }
    }

    @Test
    void theRelayTakesTheNodeOfAnAnswerFromTheRegistryNotFromTheEndpoint() throws Exception {
        // the endpoint answers {"node": "impostor"} for a request to node "honest"
        try (SeedEndpoint ep = SeedEndpoint.start("impostor");
             Gateway gw = gateway(ALLOW_LOOPBACK);
             NodeAgent n = agent(gw, "honest", ep.url())) {
            n.start();
            assertThat(n.awaitConnected(WAIT)).isTrue();
            Response r = relay(gw, "honest", "run", Duration.ofSeconds(10));
            assertThat(r.ok()).as("%s", r).isTrue();
            assertThat(r.node()).isEqualTo("honest");
        }
    }

    // ---------------------------------------------------------------------------- 5. caps and re-registration rate

    @Test
    void nodeInfoFieldsAreCapped() throws Exception {
        try (Gateway gw = gateway("")) {
            Map<String, Object> longName = node("capped", null);
            longName.put("name", "n".repeat(100_000));
            Map<String, Object> manyTags = node("capped", null);
            List<String> tags = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                tags.add("t" + i);
            }
            manyTags.put("tags", tags);
            Map<String, Object> manyAgents = node("capped", null);
            List<Map<String, Object>> agents = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                agents.add(Map.of("id", "a" + i));
            }
            manyAgents.put("agents", agents);
            Map<String, Object> longModel = node("capped", null);
            longModel.put("models", List.of("m".repeat(10_000)));
            Map<String, Map<String, Object>> cases = Map.of("name", longName, "tags", manyTags, "agents", manyAgents,
                    "models[0]", longModel);
            for (var c : cases.entrySet()) {
                TestHttp.Reply r = register(gw, TOKEN, c.getValue());
                assertThat(r.status()).as("%s: %s", c.getKey(), r.body()).isEqualTo(400);
                assertThat(r.json().get("error").toString()).startsWith(c.getKey()).contains("at most");
            }
            assertThat(gw.node("capped")).isEmpty();
            Map<String, Object> fine = node("capped", null);
            fine.put("name", "n".repeat(256));
            fine.put("tags", tags.subList(0, 64));
            assertThat(register(gw, TOKEN, fine).status()).isEqualTo(200);
        }
    }

    @Test
    void changingRegistrationsOfOneIdAreRateLimited() throws Exception {
        try (Gateway gw = gateway("\"max_register_changes_per_min\":3")) {
            Map<String, Object> n = node("flappy", null);
            n.put("version", "v0");
            assertThat(register(gw, TOKEN, n).status()).isEqualTo(200); // new: not a change
            for (int i = 1; i <= 3; i++) {
                n.put("version", "v" + i);
                assertThat(register(gw, TOKEN, n).status()).as("change %d", i).isEqualTo(200);
            }
            n.put("version", "v4");
            okhttp3.Request req = new okhttp3.Request.Builder().url(gw.url() + "/nodes/register")
                    .header("Authorization", "Bearer " + TOKEN)
                    .post(RequestBody.create(WireCodec.get().toJson(n), MediaType.get("application/json"))).build();
            try (okhttp3.Response r = TestHttp.CLIENT.newCall(req).execute()) {
                String body = r.body().string();
                assertThat(r.code()).as(body).isEqualTo(429);
                assertThat(body).contains("\"code\":\"rate_limited\"").contains("max_register_changes_per_min");
                assertThat(Integer.parseInt(r.header("Retry-After"))).isBetween(1, 60);
            }
            assertThat(gw.node("flappy").orElseThrow().version()).isEqualTo("v3");
            // the same registration as the stored one is no change: never limited (a node reconnecting)
            n.put("version", "v3");
            for (int i = 0; i < 5; i++) {
                assertThat(register(gw, TOKEN, n).status()).isEqualTo(200);
            }
            // over the control socket: an error ack that starts with the code
            try (RawControlClient ws = RawControlClient.connect(gw.url(), TOKEN)) {
                n.put("version", "v5");
                Map<String, Object> ack = ws.exchange(WireCodec.get().toJson(Map.of("type", "register", "node", n)));
                assertThat(ack.get("ok")).isEqualTo(false);
                assertThat(ack.get("error").toString()).startsWith("rate_limited:");
            }
            // other ids have their own budget
            assertThat(register(gw, TOKEN, node("steady", null)).status()).isEqualTo(200);
        }
    }
}
