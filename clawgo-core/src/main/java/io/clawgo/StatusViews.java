package io.clawgo;

import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.spi.SessionStatus;
import io.clawgo.spi.cluster.GatewayEntry;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the gateway's {@code /webui/api/nodes} payload, as the runtime builds it for the REST API (Java values, not
 * decoded JSON), into a {@link GatewayStatus}. The REST API serves that payload as it is, so its JSON does not depend
 * on this class; {@code GatewayStatusTest} checks that the two agree.
 *
 * <p>Stateless. A section or value the payload lacks reads as empty, {@code 0}, {@code false} or {@code null}, never
 * as an exception: the dispatch rows come from the audit file, which older versions may have written differently.
 */
final class StatusViews {
    private StatusViews() {
    }

    /**
     * @param payload the whole view ({@code NodesQuery.ALL}) of the runtime
     * @return its typed view
     */
    static GatewayStatus of(Map<String, Object> payload) {
        List<NodeInfo> nodes = new ArrayList<>();
        for (Object n : list(payload.get("nodes"))) {
            if (n instanceof NodeInfo info) {
                nodes.add(info);
            }
        }
        List<GatewayStatus.AgentTree> trees = new ArrayList<>();
        for (Object t : list(payload.get("trees"))) {
            Map<?, ?> tree = map(t);
            Map<?, ?> agent = map(map(tree.get("root")).get("root"));
            trees.add(new GatewayStatus.AgentTree(string(tree.get("node_id")), string(tree.get("node_name")),
                    bool(tree.get("online")), string(tree.get("source")), bool(tree.get("readonly")), agent(agent)));
        }
        List<GatewayStatus.Dispatch> dispatches = new ArrayList<>();
        for (Object d : list(payload.get("dispatches"))) {
            dispatches.add(dispatch(map(d)));
        }
        List<GatewayStatus.Alert> alerts = new ArrayList<>();
        for (Object a : list(payload.get("alerts"))) {
            Map<?, ?> m = map(a);
            alerts.add(new GatewayStatus.Alert(string(m.get("severity")), string(m.get("kind")), string(m.get("node")),
                    string(m.get("title")), string(m.get("detail")), (int) number(m.get("count"))));
        }
        Map<?, ?> stats = map(payload.get("stats"));
        GatewayStatus.Totals totals = new GatewayStatus.Totals((int) number(stats.get("nodes_total")),
                (int) number(stats.get("nodes_online")), number(stats.get("dispatches_last_hour")),
                number(stats.get("failures_last_hour")));
        Object cluster = payload.get("cluster");
        return new GatewayStatus(nodes, trees, p2p(map(payload.get("p2p"))), dispatches, alerts, totals,
                cluster == null ? null : cluster(map(cluster)));
    }

    private static GatewayStatus.AgentNode agent(Map<?, ?> m) {
        List<GatewayStatus.AgentNode> children = new ArrayList<>();
        for (Object c : list(m.get("children"))) {
            children.add(agent(map(c)));
        }
        Map<String, Object> p2p = null;
        if (m.get("p2p") instanceof Map<?, ?> session) {
            p2p = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : session.entrySet()) {
                p2p.put(String.valueOf(e.getKey()), e.getValue());
            }
        }
        return new GatewayStatus.AgentNode(string(m.get("agent_id")), string(m.get("display_name")),
                string(m.get("type")), string(m.get("transport")), string(m.get("node_id")),
                string(m.get("parent_agent_id")), bool(m.get("enabled")), bool(m.get("online")),
                string(m.get("managed_by")), p2p, children);
    }

    private static GatewayStatus.P2p p2p(Map<?, ?> m) {
        List<SessionStatus> sessions = new ArrayList<>();
        for (Object s : list(m.get("nodes"))) {
            Map<?, ?> x = map(s);
            sessions.add(new SessionStatus(string(x.get("node")), string(x.get("status")),
                    (int) number(x.get("retry_count")), string(x.get("last_error")), instant(x.get("created_at")),
                    instant(x.get("last_attempt")), instant(x.get("last_ready_at")), (int) number(x.get("in_flight"))));
        }
        List<String> stun = new ArrayList<>();
        for (Object s : list(m.get("configured_stun"))) {
            stun.add(String.valueOf(s));
        }
        return new GatewayStatus.P2p(bool(m.get("enabled")), string(m.get("transport")), stun,
                (int) number(m.get("configured_ice")), (int) number(m.get("active_sessions")),
                (int) number(m.get("ice_servers")), sessions);
    }

    private static GatewayStatus.Dispatch dispatch(Map<?, ?> m) {
        DispatchMode mode;
        try {
            mode = m.get("mode") == null ? null : DispatchMode.parse(string(m.get("mode")));
        } catch (IllegalArgumentException e) {
            mode = null;
        }
        return new GatewayStatus.Dispatch(instant(m.get("time")), string(m.get("node")), string(m.get("action")),
                mode, bool(m.get("ok")), string(m.get("code")), string(m.get("error")),
                string(m.get("used_transport")), string(m.get("fallback_from")), string(m.get("via_gateway")),
                number(m.get("duration_ms")), string(m.get("trace_id")), string(m.get("task")));
    }

    private static GatewayStatus.Cluster cluster(Map<?, ?> m) {
        List<GatewayEntry> gateways = new ArrayList<>();
        for (Object g : list(m.get("gateways"))) {
            Map<?, ?> x = map(g);
            Instant lastSeen = instant(x.get("last_seen"));
            gateways.add(new GatewayEntry(String.valueOf(x.get("id")), String.valueOf(x.get("url")),
                    (int) number(x.get("nodes")), lastSeen == null ? Instant.EPOCH : lastSeen, bool(x.get("alive"))));
        }
        Map<String, String> owners = new LinkedHashMap<>();
        map(m.get("owners")).forEach((node, gw) -> owners.put(String.valueOf(node), string(gw)));
        return new GatewayStatus.Cluster(string(m.get("provider")), string(m.get("name")),
                string(m.get("gateway_id")), bool(m.get("ready")), string(m.get("detail")), gateways, owners);
    }

    private static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }

    private static Map<?, ?> map(Object o) {
        return o instanceof Map<?, ?> m ? m : Map.of();
    }

    private static String string(Object o) {
        return o == null ? null : o.toString();
    }

    private static boolean bool(Object o) {
        return Boolean.TRUE.equals(o);
    }

    private static long number(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }

    /** An {@link Instant}, or the RFC 3339 text of one (the audit lines); anything else is {@code null}. */
    private static Instant instant(Object o) {
        if (o instanceof Instant i) {
            return i;
        }
        if (o instanceof String s) {
            try {
                return Instant.parse(s);
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        return null;
    }
}
