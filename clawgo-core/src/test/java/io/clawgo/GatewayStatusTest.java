package io.clawgo;

import static io.clawgo.testing.TestHttp.list;
import static io.clawgo.testing.TestHttp.map;
import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.spi.SessionStatus;
import io.clawgo.spi.cluster.GatewayEntry;
import io.clawgo.testing.LoopbackRelay;
import io.clawgo.testing.SeedEndpoint;
import io.clawgo.testing.TestHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Gateway#status()} is the typed view of {@code GET /webui/api/nodes}: the REST JSON keeps its keys (in order),
 * and every typed value is the value the REST JSON shows. A real gateway with real nodes, a test P2P transport that
 * reports sessions, dispatches that succeed after a fallback and that fail, and a node gone offline, so that every
 * section has entries.
 */
class GatewayStatusTest {
    private static final String TOKEN = "status-token";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @TempDir
    Path dir;

    private NodeAgent node(Gateway gw, String id, String endpoint) {
        return NodeAgent.builder().gateway(gw.url()).token(TOKEN).id(id)
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(500))
                .actions(List.of("run", "agent_task"))
                .endpoint(endpoint).nodeToken("tok-" + id)
                .build();
    }

    @Test
    void theRestJsonKeepsItsKeysAndTheTypedViewHasItsValues() throws Exception {
        try (SeedEndpoint endpoint = SeedEndpoint.start(StatusTestTransportProvider.NODE);
             Gateway gw = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir)
                .nodePolicy(LoopbackRelay.POLICY)
                .classLoader(StatusTestTransportProvider.loader()).transport(StatusTestTransportProvider.NAME)
                .localAgent("helper", "Helper", task -> "done")
                .start();
             NodeAgent a = node(gw, StatusTestTransportProvider.NODE, endpoint.url());
             NodeAgent b = node(gw, "edge-gone", endpoint.url())) {
            a.start();
            b.start();
            assertThat(a.awaitConnected(WAIT)).isTrue();
            assertThat(b.awaitConnected(WAIT)).isTrue();
            b.close();
            assertThat(TestHttp.await(WAIT, () -> !gw.node("edge-gone").orElseThrow().online())).isTrue();

            Response ok = gw.dispatch(new Request("run", StatusTestTransportProvider.NODE, "hello", null, null)
                    .withTraceparent(TRACEPARENT), DispatchMode.AUTO, WAIT).get();
            assertThat(ok.ok()).as(ok.toString()).isTrue();
            for (int i = 0; i < 2; i++) {
                assertThat(gw.dispatch(Request.of("run").withNode("nobody"), DispatchMode.RELAY, WAIT).get().ok())
                        .isFalse();
            }

            Map<String, Object> rest = TestHttp.get(gw.url() + "/webui/api/nodes", TOKEN).json();
            GatewayStatus typed = gw.status();

            assertRestKeys(rest);
            assertSameNodes(typed.nodes(), list(rest.get("nodes")));
            assertSameTrees(typed.trees(), list(rest.get("trees")));
            assertSameP2p(typed.p2p(), map(rest.get("p2p")));
            assertSameDispatches(typed.dispatches(), list(rest.get("dispatches")));
            assertSameAlerts(typed.alerts(), list(rest.get("alerts")));
            Map<String, Object> stats = map(rest.get("stats"));
            assertThat(typed.stats()).isEqualTo(new GatewayStatus.Totals(number(stats.get("nodes_total")),
                    number(stats.get("nodes_online")), (long) stats.get("dispatches_last_hour"),
                    (long) stats.get("failures_last_hour")));
            assertThat(typed.cluster()).isNull();

            // and the values are the ones this test made
            assertThat(typed.stats()).isEqualTo(new GatewayStatus.Totals(2, 1, 3, 2));
            assertThat(typed.nodes()).extracting(NodeInfo::id)
                    .containsExactly("local", "edge-gone", StatusTestTransportProvider.NODE); // then sorted by id
            assertThat(typed.p2p().sessions()).extracting(SessionStatus::node, SessionStatus::status,
                    SessionStatus::lastError).containsExactly(
                            org.assertj.core.groups.Tuple.tuple(StatusTestTransportProvider.NODE, "connecting", ""),
                            org.assertj.core.groups.Tuple.tuple("ghost", "failed", "ice failed"));
            GatewayStatus.Dispatch first = typed.dispatches().get(2);
            assertThat(first.mode()).isEqualTo(DispatchMode.AUTO);
            assertThat(first.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
            assertThat(first.task()).isEqualTo("hello");
            assertThat(typed.dispatches().get(0).mode()).isEqualTo(DispatchMode.RELAY);
            assertThat(typed.dispatches().get(0).code()).isEqualTo("node_not_found");
            assertThat(typed.alerts()).extracting(GatewayStatus.Alert::kind, GatewayStatus.Alert::node)
                    .contains(org.assertj.core.groups.Tuple.tuple("node_offline", "edge-gone"),
                            org.assertj.core.groups.Tuple.tuple("p2p_session_down", "ghost"),
                            org.assertj.core.groups.Tuple.tuple("p2p_session_unstable",
                                    StatusTestTransportProvider.NODE),
                            org.assertj.core.groups.Tuple.tuple("dispatch_failures", "nobody"));
            GatewayStatus.AgentNode main = typed.trees().get(0).root();
            assertThat(main.agentId()).isEqualTo("main");
            assertThat(main.children()).extracting(GatewayStatus.AgentNode::agentId)
                    .contains("helper", "node." + StatusTestTransportProvider.NODE + ".main");
        }
    }

    /** The keys of every section, in order: what the web UI and scripts read. */
    private static void assertRestKeys(Map<String, Object> rest) {
        assertThat(rest).containsOnlyKeys("ok", "nodes", "trees", "p2p", "dispatches", "alerts", "stats");
        assertThat(new ArrayList<>(rest.keySet()))
                .containsExactly("ok", "nodes", "trees", "p2p", "dispatches", "alerts", "stats");
        assertThat(keys(rest.get("p2p"))).containsExactly("enabled", "transport", "configured_stun", "configured_ice",
                "active_sessions", "ice_servers", "nodes");
        for (Map<String, Object> s : list(map(rest.get("p2p")).get("nodes"))) {
            assertThat(keys(s)).containsExactly("node", "status", "retry_count", "last_error", "created_at",
                    "last_attempt", "last_ready_at", "in_flight");
        }
        assertThat(keys(rest.get("stats"))).containsExactly("nodes_total", "nodes_online", "dispatches_last_hour",
                "failures_last_hour");
        Map<String, Object> tree = list(rest.get("trees")).get(0);
        assertThat(keys(tree)).containsExactly("node_id", "node_name", "online", "source", "readonly", "root");
        assertThat(keys(tree.get("root"))).containsExactly("node_id", "agent_id", "root", "child_cnt");
        assertAgentKeys(map(map(tree.get("root")).get("root")));
        for (Map<String, Object> a : list(rest.get("alerts"))) {
            assertThat(keys(a)).containsExactly("severity", "kind", "node", "title", "detail", "count");
        }
        List<Map<String, Object>> dispatches = list(rest.get("dispatches"));
        // refused before a transport carried it: no used_transport
        assertThat(keys(dispatches.get(0))).containsExactly("time", "node", "action", "mode", "ok", "code", "error",
                "duration_ms");
        assertThat(keys(dispatches.get(2))).containsExactly("time", "node", "action", "mode", "ok", "code",
                "used_transport", "fallback_from", "duration_ms", "trace_id", "task");
    }

    private static void assertAgentKeys(Map<String, Object> agent) {
        List<String> expected = new ArrayList<>(List.of("agent_id", "display_name", "type", "transport", "node_id",
                "parent_agent_id", "enabled", "online", "managed_by", "p2p", "children"));
        if (!agent.containsKey("p2p")) {
            expected.remove("p2p");
        }
        assertThat(keys(agent)).containsExactlyElementsOf(expected);
        for (Map<String, Object> child : list(agent.get("children"))) {
            assertAgentKeys(child);
        }
    }

    private static void assertSameNodes(List<NodeInfo> typed, List<Map<String, Object>> rest) {
        assertThat(typed.stream().map(n -> (Object) n.id()).toList())
                .isEqualTo(rest.stream().map(n -> n.get("id")).toList());
        assertThat(typed.stream().map(n -> (Object) n.online()).toList())
                .isEqualTo(rest.stream().map(n -> n.get("online")).toList());
        assertThat(typed).allSatisfy(n -> assertThat(n.token()).isNull());
    }

    private static void assertSameTrees(List<GatewayStatus.AgentTree> typed, List<Map<String, Object>> rest) {
        assertThat(typed).hasSameSizeAs(rest);
        for (int i = 0; i < typed.size(); i++) {
            GatewayStatus.AgentTree t = typed.get(i);
            Map<String, Object> r = rest.get(i);
            assertThat(t.nodeId()).isEqualTo(r.get("node_id"));
            assertThat(t.nodeName()).isEqualTo(r.get("node_name"));
            assertThat(t.online()).isEqualTo(r.get("online"));
            assertThat(t.source()).isEqualTo(r.get("source"));
            assertThat(t.readonly()).isEqualTo(r.get("readonly"));
            Map<String, Object> wrap = map(r.get("root"));
            assertThat(wrap.get("node_id")).isEqualTo(t.nodeId());
            assertThat(wrap.get("agent_id")).isEqualTo(t.root().agentId());
            assertThat(number(wrap.get("child_cnt"))).isEqualTo(t.root().children().size());
            assertSameAgent(t.root(), map(wrap.get("root")));
        }
    }

    private static void assertSameAgent(GatewayStatus.AgentNode typed, Map<String, Object> rest) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("agent_id", typed.agentId());
        values.put("display_name", typed.displayName());
        values.put("type", typed.type());
        values.put("transport", typed.transport());
        values.put("node_id", typed.nodeId());
        values.put("parent_agent_id", typed.parentAgentId());
        values.put("enabled", typed.enabled());
        values.put("online", typed.online());
        values.put("managed_by", typed.managedBy());
        rest.forEach((k, v) -> {
            if (values.containsKey(k)) {
                assertThat(values.get(k)).as(k).isEqualTo(v);
            }
        });
        if (rest.get("p2p") == null) {
            assertThat(typed.p2p()).isNull();
        } else {
            assertThat(typed.p2p()).containsOnlyKeys(map(rest.get("p2p")).keySet())
                    .containsEntry("status", map(rest.get("p2p")).get("status"))
                    .containsEntry("transport", map(rest.get("p2p")).get("transport"));
        }
        List<Map<String, Object>> children = list(rest.get("children"));
        assertThat(typed.children()).hasSameSizeAs(children);
        for (int i = 0; i < children.size(); i++) {
            assertSameAgent(typed.children().get(i), children.get(i));
        }
    }

    private static void assertSameP2p(GatewayStatus.P2p typed, Map<String, Object> rest) {
        assertThat(typed.enabled()).isEqualTo(rest.get("enabled")).isTrue();
        assertThat(typed.transport()).isEqualTo(rest.get("transport")).isEqualTo(StatusTestTransportProvider.NAME);
        assertThat(typed.configuredStun()).isEqualTo(rest.get("configured_stun"));
        assertThat(typed.configuredIce()).isEqualTo(number(rest.get("configured_ice")));
        assertThat(typed.activeSessions()).isEqualTo(number(rest.get("active_sessions"))).isEqualTo(1);
        assertThat(typed.iceServers()).isEqualTo(number(rest.get("ice_servers"))).isEqualTo(2);
        List<Map<String, Object>> sessions = list(rest.get("nodes"));
        assertThat(typed.sessions()).hasSameSizeAs(sessions).hasSize(2);
        for (int i = 0; i < sessions.size(); i++) {
            SessionStatus s = typed.sessions().get(i);
            Map<String, Object> r = sessions.get(i);
            assertThat(s.node()).isEqualTo(r.get("node"));
            assertThat(s.status()).isEqualTo(r.get("status"));
            assertThat(s.retryCount()).isEqualTo(number(r.get("retry_count")));
            assertThat(s.lastError()).isEqualTo(r.get("last_error"));
            assertThat(s.createdAt()).isEqualTo(instant(r.get("created_at")));
            assertThat(s.lastAttempt()).isEqualTo(instant(r.get("last_attempt")));
            assertThat(s.lastReadyAt()).isEqualTo(instant(r.get("last_ready_at")));
            assertThat(s.inFlight()).isEqualTo(number(r.get("in_flight")));
        }
    }

    private static void assertSameDispatches(List<GatewayStatus.Dispatch> typed, List<Map<String, Object>> rest) {
        assertThat(typed).hasSameSizeAs(rest).hasSize(3);
        for (int i = 0; i < rest.size(); i++) {
            GatewayStatus.Dispatch d = typed.get(i);
            Map<String, Object> r = rest.get(i);
            assertThat(d.time()).isEqualTo(instant(r.get("time")));
            assertThat(d.node()).isEqualTo(r.get("node"));
            assertThat(d.action()).isEqualTo(r.get("action"));
            assertThat(d.mode().wire()).isEqualTo(r.get("mode"));
            assertThat(d.ok()).isEqualTo(r.get("ok"));
            assertThat(d.code()).isEqualTo(r.get("code"));
            assertThat(d.error()).isEqualTo(r.get("error"));
            assertThat(d.usedTransport()).isEqualTo(r.get("used_transport"));
            assertThat(d.fallbackFrom()).isEqualTo(r.get("fallback_from"));
            assertThat(d.viaGateway()).isEqualTo(r.get("via_gateway"));
            assertThat(d.durationMs()).isEqualTo(r.get("duration_ms"));
            assertThat(d.traceId()).isEqualTo(r.get("trace_id"));
            assertThat(d.task()).isEqualTo(r.get("task"));
        }
    }

    private static void assertSameAlerts(List<GatewayStatus.Alert> typed, List<Map<String, Object>> rest) {
        assertThat(typed).hasSameSizeAs(rest);
        for (int i = 0; i < rest.size(); i++) {
            Map<String, Object> r = rest.get(i);
            assertThat(typed.get(i)).isEqualTo(new GatewayStatus.Alert((String) r.get("severity"),
                    (String) r.get("kind"), (String) r.get("node"), (String) r.get("title"), (String) r.get("detail"),
                    number(r.get("count"))));
        }
    }

    /**
     * The cluster section, which needs a cluster provider (tests of clawgo-cluster-nats run one): read from a payload
     * shaped as the gateway builds it.
     */
    @Test
    void theClusterSectionIsRead() {
        Instant seen = Instant.parse("2026-03-04T05:06:07Z");
        Map<String, Object> gwA = new LinkedHashMap<>();
        gwA.put("id", "gw-a");
        gwA.put("url", "http://a:18790");
        gwA.put("nodes", 3);
        gwA.put("last_seen", seen);
        gwA.put("alive", true);
        gwA.put("self", true);
        Map<String, Object> cluster = new LinkedHashMap<>();
        cluster.put("enabled", true);
        cluster.put("provider", "nats");
        cluster.put("name", "prod");
        cluster.put("gateway_id", "gw-a");
        cluster.put("ready", true);
        cluster.put("detail", "connected");
        cluster.put("gateways", List.of(gwA));
        cluster.put("owners", new TreeMap<>(Map.of("edge-1", "gw-a", "edge-2", "gw-b")));
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("ok", true);
        payload.put("cluster", cluster);

        GatewayStatus s = StatusViews.of(payload);
        assertThat(s.cluster()).isEqualTo(new GatewayStatus.Cluster("nats", "prod", "gw-a", true, "connected",
                List.of(new GatewayEntry("gw-a", "http://a:18790", 3, seen, true)),
                Map.of("edge-1", "gw-a", "edge-2", "gw-b")));
        assertThat(s.cluster().owners().keySet()).containsExactly("edge-1", "edge-2");
        assertThat(s.nodes()).isEmpty();
        assertThat(s.stats()).isEqualTo(new GatewayStatus.Totals(0, 0, 0, 0));
    }

    private static List<String> keys(Object map) {
        return new ArrayList<>(map(map).keySet());
    }

    private static int number(Object o) {
        return ((Number) o).intValue();
    }

    private static Instant instant(Object o) {
        return o == null ? null : Instant.parse((String) o);
    }
}
