package io.clawgo.transport.ws;

import static io.clawgo.testing.TestHttp.list;
import static io.clawgo.testing.TestHttp.map;
import static io.clawgo.transport.ws.TunnelTests.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.DispatchEvent;
import io.clawgo.Gateway;
import io.clawgo.GatewayStatus;
import io.clawgo.NodeAgent;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.testing.SeedEndpoint;
import io.clawgo.testing.SseClient;
import io.clawgo.testing.TestHttp;
import io.clawgo.testing.TestHttp.Reply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * W3C trace context from a REST call to a node's endpoint: a real gateway whose relay may reach 127.0.0.1, a real node
 * agent that forwards to a real HTTP endpoint on 127.0.0.1, and the {@code traceparent} header that endpoint receives
 * over the tunnel (the node calls it) and over the relay (the gateway calls it).
 */
@SuppressWarnings("try") // nodes are opened in try-with-resources only to be closed
class TraceContextTest {
    static final String TP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    @TempDir
    Path dir;
    Gateway gw;
    final List<DispatchEvent> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        gw = TunnelTests.gatewayRelayToLoopback(dir);
        gw.addObserver(new Gateway.Observer() {
            @Override
            public void onDispatch(DispatchEvent event) {
                events.add(event);
            }
        });
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    private NodeAgent node(SeedEndpoint endpoint) {
        return TunnelTests.node(gw.url(), "edge-t", null,
                b -> b.endpoint(endpoint.url()).nodeToken("nt-t").actions(List.of("run", "agent_task")));
    }

    /** A JSON POST with the gateway token and the given {@code traceparent} headers (one field each). */
    private Reply post(String path, String json, String... traceparents) throws IOException {
        okhttp3.Request.Builder b = new okhttp3.Request.Builder().url(gw.url() + path)
                .header("Authorization", "Bearer " + TOKEN)
                .post(RequestBody.create(json, MediaType.get("application/json")));
        for (String tp : traceparents) {
            b.addHeader("traceparent", tp);
        }
        try (okhttp3.Response r = TestHttp.CLIENT.newCall(b.build()).execute()) {
            return new Reply(r.code(), r.body() == null ? "" : r.body().string());
        }
    }

    private Map<String, Object> replay(String mode, String... traceparents) throws IOException {
        Reply r = post("/webui/api/node_dispatches/replay",
                "{\"node\":\"edge-t\",\"action\":\"run\",\"mode\":\"" + mode + "\",\"timeout_sec\":20}", traceparents);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        Map<String, Object> result = map(r.json().get("result"));
        assertThat(result).as(r.body()).containsEntry("ok", true);
        return result;
    }

    private GatewayStatus.Dispatch newestDispatch() {
        return gw.status().dispatches().get(0);
    }

    private List<String> auditLines() throws IOException {
        Path file = dir.resolve("nodes-dispatch-audit.jsonl");
        return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
    }

    @ParameterizedTest
    @ValueSource(strings = {"p2p", "relay"})
    void aReplaysTraceparentReachesTheEndpointAndTheRecords(String mode) throws Exception {
        try (SeedEndpoint endpoint = SeedEndpoint.start("edge-t"); NodeAgent node = node(endpoint);
             SseClient stream = SseClient.open(gw.url() + "/webui/api/events", TOKEN)) {
            assertThat(stream.next(Duration.ofSeconds(10)).type()).isEqualTo("hello");
            Map<String, Object> result = replay(mode, TP);
            assertThat(map(result.get("payload"))).containsEntry("used_transport",
                    mode.equals("p2p") ? "websocket_tunnel" : "http_relay");
            // the exact header, once; and in the body as the request's optional field
            assertThat(endpoint.traceparents()).containsExactly(TP);
            assertThat(map(map(result.get("payload")).get("echo"))).containsEntry("traceparent", TP);

            assertThat(newestDispatch().traceId()).isEqualTo(TRACE_ID);
            assertThat(newestDispatch().mode()).isEqualTo(DispatchMode.parse(mode));
            Map<String, Object> nodes = TestHttp.get(gw.url() + "/webui/api/nodes", TOKEN).json();
            assertThat(list(nodes.get("dispatches")).get(0)).containsEntry("trace_id", TRACE_ID);
            assertThat(TestHttp.await(Duration.ofSeconds(5), () -> {
                try {
                    return auditLines().stream().anyMatch(l -> l.contains("\"trace_id\":\"" + TRACE_ID + "\""));
                } catch (IOException e) {
                    return false;
                }
            })).as("the audit line carries trace_id").isTrue();
            assertThat(events).hasSize(1);
            assertThat(events.get(0).traceId()).isEqualTo(TRACE_ID);
            assertThat(events.get(0).request().traceparent()).isEqualTo(TP);
            SseClient.Event finished = stream.await(Duration.ofSeconds(10), "dispatch", "node", "edge-t");
            assertThat(finished).as("the web UI's dispatch event").isNotNull();
            assertThat(finished.json()).containsEntry("trace_id", TRACE_ID);
        }
    }

    @Test
    void withoutAHeaderNothingIsAddedAnywhere() throws Exception {
        try (SeedEndpoint endpoint = SeedEndpoint.start("edge-t"); NodeAgent node = node(endpoint);
             SseClient stream = SseClient.open(gw.url() + "/webui/api/events", TOKEN)) {
            assertThat(stream.next(Duration.ofSeconds(10)).type()).isEqualTo("hello");
            Map<String, Object> result = replay("p2p");
            replay("relay");
            assertThat(endpoint.traceparents()).containsExactly("null", "null");
            assertThat(map(map(result.get("payload")).get("echo"))).doesNotContainKey("traceparent");
            assertThat(gw.status().dispatches()).hasSize(2)
                    .allSatisfy(d -> assertThat(d.traceId()).isNull());
            assertThat(events).extracting(DispatchEvent::traceId).containsExactly(null, null);
            SseClient.Event finished = stream.await(Duration.ofSeconds(10), "dispatch", "node", "edge-t");
            assertThat(finished).as("the web UI's dispatch event").isNotNull();
            assertThat(finished.json()).containsKey("duration_ms").doesNotContainKey("trace_id");
        }
    }

    @Test
    void invalidHeadersAreIgnoredNeverForwarded() throws Exception {
        List<String[]> invalid = List.of(
                new String[] {TP.toUpperCase(java.util.Locale.ROOT)},
                new String[] {"00-00000000000000000000000000000000-00f067aa0ba902b7-01"},
                new String[] {"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"},
                new String[] {"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
                new String[] {TP + "-extra"},
                new String[] {"garbage"},
                // two fields, each valid on its own: which one was meant is unknown
                new String[] {TP, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"});
        try (SeedEndpoint endpoint = SeedEndpoint.start("edge-t"); NodeAgent node = node(endpoint)) {
            int n = 0;
            for (String[] headers : invalid) {
                for (String mode : List.of("p2p", "relay")) {
                    replay(mode, headers); // answered as without a header: not an error
                    n++;
                    assertThat(endpoint.traceparents()).as(String.join(",", headers) + " over " + mode).hasSize(n)
                            .last().isEqualTo("null");
                    assertThat(newestDispatch().traceId()).isNull();
                }
            }
            assertThat(events).hasSize(n).allSatisfy(e -> assertThat(e.traceId()).isNull());
        }
    }

    @Test
    void subagentDispatchesCarryTheHeader() throws Exception {
        try (SeedEndpoint endpoint = SeedEndpoint.start("edge-t"); NodeAgent node = node(endpoint)) {
            Reply wait = post("/webui/api/subagents_runtime", "{\"action\":\"dispatch_and_wait\","
                    + "\"agent_id\":\"node.edge-t.main\",\"task\":\"traced\",\"wait_timeout_sec\":20}", TP);
            assertThat(wait.status()).as(wait.body()).isEqualTo(200);
            assertThat(map(map(wait.json().get("result")).get("reply"))).containsEntry("status", "completed");
            assertThat(endpoint.paths()).containsExactly("/agent/task");
            assertThat(endpoint.traceparents()).containsExactly(TP);
            assertThat(newestDispatch().traceId()).isEqualTo(TRACE_ID);
            assertThat(newestDispatch().action()).isEqualTo("agent_task");

            String other = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
            Reply spawn = post("/webui/api/subagents_runtime", "{\"action\":\"spawn\","
                    + "\"agent_id\":\"node.edge-t.main\",\"task\":\"traced too\"}", other);
            assertThat(spawn.status()).as(spawn.body()).isEqualTo(200);
            assertThat(TestHttp.await(Duration.ofSeconds(10), () -> endpoint.traceparents().size() == 2)).isTrue();
            assertThat(endpoint.traceparents()).containsExactly(TP, other);
            assertThat(TestHttp.await(Duration.ofSeconds(5), () -> events.size() == 2)).isTrue();
            assertThat(events).extracting(DispatchEvent::traceId)
                    .containsExactly(TRACE_ID, "0af7651916cd43dd8448eb211c80319c");
        }
    }

    @Test
    void gatewayDispatchCallersSetItOnTheRequestAndAnInProcessHandlerSeesIt() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (SeedEndpoint endpoint = SeedEndpoint.start("edge-t"); NodeAgent node = node(endpoint);
             NodeAgent inProcess = TunnelTests.node(gw.url(), "edge-h", req -> {
                 seen.add(String.valueOf(req.traceparent()));
                 return Response.ok(Map.of("result", "ok"));
             })) {
            Request traced = new Request("run", "edge-t", null, null, null).withTraceparent(TP);
            Response r = gw.dispatch(traced, DispatchMode.P2P, Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
            assertThat(r.ok()).as(r.toString()).isTrue();
            assertThat(endpoint.traceparents()).containsExactly(TP);

            Response h = gw.dispatch(traced.withNode("edge-h"),
                    DispatchMode.P2P, Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
            assertThat(h.ok()).as(h.toString()).isTrue();
            Response none = gw.dispatch(traced.withNode("edge-h").withTraceparent(null),
                    DispatchMode.P2P, Duration.ofSeconds(10))
                    .get(15, TimeUnit.SECONDS);
            assertThat(none.ok()).isTrue();
            assertThat(seen).containsExactly(TP, "null");
            assertThat(events).extracting(DispatchEvent::traceId).containsExactly(TRACE_ID, TRACE_ID, null);
        }
    }
}
