package io.clawgo.it;

import static io.clawgo.testing.TestHttp.list;
import static io.clawgo.testing.TestHttp.map;
import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.NodeAgent;
import io.clawgo.testing.SseClient;
import io.clawgo.testing.TestHttp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The web UI's API at scale, against a real gateway with two real nodes over the WebSocket tunnel
 * ({@link UiFixture}): the summary, pages and filters of {@code GET /webui/api/nodes}, its errors, and the event stream
 * {@code GET /webui/api/events} read by a real HTTP client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebUiApiTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private UiFixture fixture;
    private String base;

    @BeforeAll
    void start() throws Exception {
        fixture = UiFixture.start(0);
        base = fixture.gateway.url();
        fixture.dispatchViaApi("edge-1", "run", "first");
    }

    @AfterAll
    void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private Map<String, Object> get(String query) throws Exception {
        TestHttp.Reply r = TestHttp.get(base + "/webui/api/nodes" + query, UiFixture.TOKEN);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static List<Object> ids(Map<String, Object> payload) {
        return list(payload.get("nodes")).stream().map(n -> n.get("id")).toList();
    }

    @SuppressWarnings("unchecked")
    private static List<String> agentIds(Map<String, Object> payload) {
        List<String> out = new java.util.ArrayList<>();
        java.util.function.Consumer<Map<String, Object>>[] walk = new java.util.function.Consumer[1];
        walk[0] = n -> {
            out.add((String) n.get("agent_id"));
            list(n.get("children")).forEach(walk[0]);
        };
        for (Map<String, Object> tree : list(payload.get("trees"))) {
            walk[0].accept(map(map(tree.get("root")).get("root")));
        }
        return out;
    }

    @Test
    void theUnparameterizedPayloadStaysAsItWas() throws Exception {
        Map<String, Object> all = get("");
        assertThat(all).containsKeys("ok", "nodes", "trees", "p2p", "dispatches", "alerts", "stats")
                .doesNotContainKeys("page", "charts");
        assertThat(ids(all)).containsExactly("local", "edge-1", "edge-2");
        assertThat(list(map(all.get("p2p")).get("nodes"))).hasSize(2);
        assertThat(agentIds(all)).contains("main", "researcher", "node.edge-1.main", "node.edge-1.coder",
                "node.edge-2.main");
    }

    @Test
    void theSummaryHasStatsAlertsSessionTotalsDispatchesAndChartsButNoNodeList() throws Exception {
        fixture.dispatchViaApi("edge-2", "run", "for the charts");
        Map<String, Object> s = get("?summary=1");
        assertThat(s).doesNotContainKeys("nodes", "trees", "page");
        assertThat(map(s.get("stats"))).containsEntry("nodes_total", 2L).containsEntry("nodes_online", 2L);
        assertThat((Long) map(s.get("stats")).get("dispatches_last_hour")).isGreaterThanOrEqualTo(1L);
        assertThat(list(s.get("alerts"))).isEmpty();
        Map<String, Object> p2p = map(s.get("p2p"));
        assertThat(p2p).doesNotContainKey("nodes").containsEntry("transport", UiFixture.TRANSPORT)
                .containsEntry("sessions", 2L).containsEntry("by_status", Map.of("open", 2L))
                .containsEntry("retries_total", 0L);
        assertThat(list(p2p.get("top_sessions"))).extracting(x -> x.get("node"))
                .containsExactlyInAnyOrder("edge-1", "edge-2");
        assertThat(list(s.get("dispatches"))).isNotEmpty();

        Map<String, Object> charts = map(s.get("charts"));
        assertThat(charts.get("bucket_sec")).isEqualTo(60L);
        Map<String, Object> tunnel = list(charts.get("series")).stream()
                .filter(x -> UiFixture.TRANSPORT.equals(x.get("transport"))).findFirst().orElseThrow();
        List<?> counts = (List<?>) tunnel.get("count");
        assertThat(counts).hasSize(60);
        long sum = counts.stream().mapToLong(c -> (Long) c).sum();
        assertThat(sum).isEqualTo((Long) tunnel.get("total")).isGreaterThanOrEqualTo(1L);
        // the newest minute is the current one, which just had a dispatch (or the one before, at a minute boundary)
        assertThat((Long) counts.get(59) + (Long) counts.get(58)).isGreaterThanOrEqualTo(1L);
        assertThat((Double) tunnel.get("p99_ms_hour")).isPositive();
        assertThat((List<?>) charts.get("fallbacks")).hasSize(60);

        long summaryBytes = TestHttp.get(base + "/webui/api/nodes?summary=1", UiFixture.TOKEN).body().length();
        long fullBytes = TestHttp.get(base + "/webui/api/nodes", UiFixture.TOKEN).body().length();
        assertThat(summaryBytes).as("summary %s bytes, full %s", summaryBytes, fullBytes).isPositive();
    }

    @Test
    void pagesHoldTheirNodesTreesAndSessionsWhileStatsCoverTheFleet() throws Exception {
        Map<String, Object> first = get("?limit=2");
        assertThat(ids(first)).containsExactly("local", "edge-1");
        assertThat(map(first.get("page"))).containsEntry("offset", 0L).containsEntry("limit", 2L)
                .containsEntry("returned", 2L).containsEntry("matching", 3L).containsEntry("total", 3L)
                .containsEntry("max_limit", 500L);
        assertThat(agentIds(first)).contains("main", "researcher", "node.edge-1.main", "node.edge-1.coder")
                .doesNotContain("node.edge-2.main");
        assertThat(list(map(first.get("p2p")).get("nodes"))).extracting(x -> x.get("node")).containsExactly("edge-1");
        assertThat(map(first.get("stats"))).containsEntry("nodes_total", 2L);

        Map<String, Object> second = get("?limit=2&offset=2");
        assertThat(ids(second)).containsExactly("edge-2");
        assertThat(list(map(second.get("p2p")).get("nodes"))).extracting(x -> x.get("node")).containsExactly("edge-2");
        assertThat(ids(get("?limit=2&offset=40"))).isEmpty();

        // q: every word in id, name, os, arch, version, endpoint or tags, any case
        assertThat(ids(get("?q=DARWIN"))).containsExactly("edge-2");
        assertThat(ids(get("?q=lab%20gpu"))).containsExactly("edge-1");
        assertThat(ids(get("?q=lab%20office"))).isEmpty();
        assertThat(ids(get("?online=true&q=edge"))).containsExactly("edge-1", "edge-2");
        Map<String, Object> none = get("?online=false");
        assertThat(ids(none)).isEmpty();
        assertThat(map(none.get("page"))).containsEntry("matching", 0L).containsEntry("total", 3L);
        assertThat(map(none.get("stats"))).containsEntry("nodes_online", 2L); // stats stay complete
        assertThat(ids(get("?id=edge-2&limit=1"))).containsExactly("edge-2");
    }

    @Test
    void badParametersAreRefusedWith400AndAClearJsonError() throws Exception {
        Map<String, String> cases = Map.of(
                "?limit=0", "limit must be from 1 to 500, not 0",
                "?limit=501", "limit must be from 1 to 500, not 501",
                "?limit=ten", "limit must be a whole number",
                "?offset=-3", "offset must be a whole number",
                "?online=maybe", "online must be true or false",
                "?summary=1&limit=5", "summary=1 has no node lists",
                "?q=" + "x".repeat(300), "q has 300 characters",
                "?limit=5&limit=6", "limit is given 2 times");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            TestHttp.Reply r = TestHttp.get(base + "/webui/api/nodes" + c.getKey(), UiFixture.TOKEN);
            assertThat(r.status()).as(c.getKey()).isEqualTo(400);
            assertThat(r.json()).as(c.getKey()).containsEntry("ok", false).containsEntry("code", "invalid_request");
            assertThat((String) r.json().get("error")).as(c.getKey()).contains(c.getValue())
                    .doesNotContain("Exception", "\tat ");
        }
    }

    @Test
    void theEventStreamNeedsTheTokenAndCarriesDispatchNodeAndSessionEvents() throws Exception {
        // a gateway of its own: the tunnel keeps the session of the node that leaves here, which would show in the
        // other tests' sessions and alerts
        try (UiFixture own = UiFixture.start(0)) {
            streamEvents(own, own.gateway.url());
        }
    }

    private void streamEvents(UiFixture fixture, String base) throws Exception {
        try (SseClient anonymous = SseClient.open(base + "/webui/api/events", null)) {
            assertThat(anonymous.status()).isEqualTo(401);
        }
        assertThat(TestHttp.send("POST", base + "/webui/api/events", UiFixture.TOKEN, "{}").status()).isEqualTo(405);

        try (SseClient events = SseClient.open(base + "/webui/api/events", UiFixture.TOKEN)) {
            assertThat(events.status()).isEqualTo(200);
            assertThat(events.contentType()).startsWith("text/event-stream");
            SseClient.Event hello = events.next(WAIT);
            assertThat(hello.type()).isEqualTo("hello");
            assertThat(hello.json()).containsKeys("keep_alive_sec", "queue");

            fixture.dispatchViaApi("edge-1", "run", "evented");
            SseClient.Event dispatch = events.await(WAIT, "dispatch", "node", "edge-1");
            assertThat(dispatch).as("dispatch event").isNotNull();
            assertThat(dispatch.json()).containsEntry("ok", true).containsEntry("action", "run")
                    .containsEntry("used_transport", UiFixture.TRANSPORT).containsKey("duration_ms");

            NodeAgent extra = fixture.extraNode("edge-3");
            try {
                extra.start();
                assertThat(events.await(WAIT, "node", "node", "edge-3").json()).containsEntry("state", "online");
                assertThat(events.await(WAIT, e -> e.type().equals("session") && "edge-3".equals(e.json().get("node"))
                        && "open".equals(e.json().get("status")))).as("session open event").isNotNull();
            } finally {
                extra.close();
            }
            assertThat(events.await(WAIT, "node", "node", "edge-3").json()).containsEntry("state", "offline");
            SseClient.Event down = events.await(WAIT, e -> e.type().equals("session")
                    && "edge-3".equals(e.json().get("node")));
            assertThat(down).as("session event after the node left").isNotNull();
            assertThat(down.json().get("status")).isNotEqualTo("open");
            TestHttp.post(base + "/webui/api/nodes", UiFixture.TOKEN, "{\"action\":\"delete\",\"id\":\"edge-3\"}");
            assertThat(events.await(WAIT, "node", "node", "edge-3").json()).containsEntry("state", "removed");
        }
    }

    @Test
    void closingTheGatewayEndsOpenStreamsPromptly() throws Exception {
        try (UiFixture other = UiFixture.start(0);
             SseClient events = SseClient.open(other.gateway.url() + "/webui/api/events", UiFixture.TOKEN)) {
            assertThat(events.next(WAIT).type()).isEqualTo("hello");
            long t = System.nanoTime();
            other.gateway.close();
            assertThat(Duration.ofNanos(System.nanoTime() - t)).as("close with a stream open")
                    .isLessThan(Duration.ofSeconds(3));
            assertThat(events.await(WAIT, e -> e.type().equals("bye"))).isNotNull();
            assertThat(events.awaitEnd(WAIT)).isTrue();
        }
    }
}
