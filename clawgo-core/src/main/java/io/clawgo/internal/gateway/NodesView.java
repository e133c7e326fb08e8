package io.clawgo.internal.gateway;

import io.clawgo.config.GatewayConfig;
import io.clawgo.internal.Version;
import io.clawgo.internal.cluster.ClusterMember;
import io.clawgo.internal.registry.NodeLookup;
import io.clawgo.internal.subagent.DefaultSubagentRuntime;
import io.clawgo.internal.transport.NodeDispatcher;
import io.clawgo.protocol.AgentInfo;
import io.clawgo.protocol.Capabilities;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.spi.GatewayTransport;
import io.clawgo.spi.SessionStatus;
import io.clawgo.spi.TransportStatus;
import io.clawgo.spi.cluster.ClusterHealth;
import io.clawgo.spi.cluster.GatewayEntry;
import io.clawgo.subagent.AgentEntry;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds the {@code /webui/api/nodes} payload: nodes, agent trees, P2P sessions, recent dispatches, alerts, stats; or
 * one page of it, or the summary with the dispatch charts ({@link NodesQuery}).
 */
final class NodesView {
    static final int RECENT_DISPATCHES = 20;
    /** Sessions listed in the summary's {@code p2p.top_sessions}. */
    static final int TOP_SESSIONS = 20;
    private static final int FAILURE_WINDOW = 12;

    private final GatewayConfig config;
    private final NodeLookup fleet;
    private final ClusterMember cluster;
    private final NodeDispatcher dispatcher;
    private final GatewayTransport p2p;
    private final DefaultSubagentRuntime subagents;
    private final DispatchStats charts;
    private final String hostname;
    /** Wall-clock time of the {@code local} node's {@code registered_at} and {@code last_seen_at}. */
    private final java.time.Clock clock;
    private final Instant startedAt;

    NodesView(GatewayConfig config, ClusterMember cluster, NodeDispatcher dispatcher, GatewayTransport p2p,
              DefaultSubagentRuntime subagents, DispatchStats charts, java.time.Clock clock) {
        this.clock = clock;
        this.startedAt = clock.instant();
        this.charts = charts;
        this.config = config;
        this.cluster = cluster;
        this.fleet = cluster.fleet();
        this.dispatcher = dispatcher;
        this.p2p = p2p;
        this.subagents = subagents;
        this.hostname = hostname();
    }

    /** The whole payload, as before paging existed (also {@code Gateway.status()}). */
    Map<String, Object> payload() {
        return payload(NodesQuery.ALL);
    }

    /**
     * The payload for {@code query}: {@code stats} and {@code alerts} always cover the whole fleet; {@code nodes},
     * {@code trees} and {@code p2p.nodes} hold every node ({@link NodesQuery.Mode#ALL}), one page of the matching
     * nodes ({@link NodesQuery.Mode#PAGE}, with a {@code page} section), or are left out for the summary
     * ({@link NodesQuery.Mode#SUMMARY}, with {@code p2p} totals and {@code charts} instead).
     */
    Map<String, Object> payload(NodesQuery query) {
        TransportStatus st = status(); // one snapshot for the sessions, the totals and the alerts
        List<NodeInfo> all = fleet.list();
        int online = 0;
        for (NodeInfo n : all) {
            online += n.online() ? 1 : 0;
        }
        List<Map<String, Object>> dispatches = dispatcher.recent(RECENT_DISPATCHES);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ok", true);
        Set<String> pageIds = null;
        switch (query.mode()) {
            case ALL -> {
                List<AgentEntry> agents = subagents.registry();
                List<NodeInfo> nodes = new ArrayList<>(all.size() + 1);
                nodes.add(localNode(agents));
                for (NodeInfo n : all) {
                    nodes.add(n.redacted());
                }
                out.put("nodes", nodes);
                out.put("trees", trees(agents));
                out.put("p2p", p2pSection(st, null));
            }
            case PAGE -> {
                NodeInfo local = localNode(subagents.registry(List.of()));
                List<NodeInfo> matching = new ArrayList<>();
                if (query.matches(local)) {
                    matching.add(local);
                }
                for (NodeInfo n : all) {
                    if (query.matches(n)) {
                        matching.add(n);
                    }
                }
                int from = Math.min(query.offset(), matching.size());
                List<NodeInfo> page = matching.subList(from, Math.min(matching.size(), from + query.limit()));
                List<NodeInfo> remote = new ArrayList<>(page.size());
                List<NodeInfo> nodes = new ArrayList<>(page.size());
                pageIds = new HashSet<>();
                for (NodeInfo n : page) {
                    pageIds.add(n.id());
                    if (n == local) {
                        nodes.add(n);
                    } else {
                        remote.add(n);
                        nodes.add(n.redacted());
                    }
                }
                out.put("nodes", nodes);
                out.put("trees", trees(subagents.registry(remote)));
                out.put("p2p", p2pSection(st, pageIds));
                Map<String, Object> pageInfo = new LinkedHashMap<>();
                pageInfo.put("offset", from);
                pageInfo.put("limit", query.limit());
                pageInfo.put("returned", nodes.size());
                pageInfo.put("matching", matching.size());
                pageInfo.put("total", all.size() + 1);
                pageInfo.put("max_limit", NodesQuery.MAX_LIMIT);
                pageInfo.put("filter", query.describe());
                out.put("page", pageInfo);
            }
            case SUMMARY -> out.put("p2p", p2pSummary(st));
        }
        out.put("dispatches", dispatches);
        out.put("alerts", alerts(all, st.nodes(), dispatches));
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("nodes_total", all.size());
        stats.put("nodes_online", online);
        stats.putAll(dispatcher.lastHour());
        out.put("stats", stats);
        if (query.mode() == NodesQuery.Mode.SUMMARY) {
            out.put("charts", charts.snapshot());
        }
        if (cluster.enabled()) {
            out.put("cluster", clusterSection(query.mode(), pageIds));
        }
        return out;
    }

    /**
     * The {@code cluster} section: this member, the cluster's health, the gateways and who holds which node
     * ({@code owners}: every node, the page's nodes, or left out of the summary).
     */
    private Map<String, Object> clusterSection(NodesQuery.Mode mode, Set<String> pageIds) {
        Map<String, Object> c = new LinkedHashMap<>();
        ClusterHealth h = cluster.health();
        c.put("enabled", true);
        c.put("provider", config.cluster().provider());
        c.put("name", config.cluster().name());
        c.put("gateway_id", cluster.gatewayId());
        c.put("ready", h.ready());
        c.put("detail", h.detail());
        List<Map<String, Object>> gws = new ArrayList<>();
        for (GatewayEntry g : cluster.gateways()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", g.id());
            m.put("url", g.url());
            m.put("nodes", g.nodes());
            m.put("last_seen", g.lastSeen());
            m.put("alive", g.alive());
            m.put("self", g.id().equals(cluster.gatewayId()));
            gws.add(m);
        }
        c.put("gateways", gws);
        if (mode == NodesQuery.Mode.ALL) {
            c.put("owners", cluster.owners());
        } else if (mode == NodesQuery.Mode.PAGE) {
            Map<String, Object> owners = new LinkedHashMap<>();
            cluster.owners().forEach((node, gw) -> {
                if (pageIds.contains(node)) {
                    owners.put(node, gw);
                }
            });
            c.put("owners", owners);
        }
        return c;
    }

    /** The {@code p2p} section with the sessions of {@code nodeIds}, or of every node when it is {@code null}. */
    private Map<String, Object> p2pSection(TransportStatus st, Set<String> nodeIds) {
        Map<String, Object> out = p2pHead(st);
        List<Map<String, Object>> sessions = new ArrayList<>();
        for (SessionStatus s : st.nodes()) {
            if (nodeIds == null || nodeIds.contains(s.node())) {
                sessions.add(session(s));
            }
        }
        out.put("nodes", sessions);
        return out;
    }

    /**
     * The {@code p2p} section of the summary: totals instead of the per-node list ({@code sessions},
     * {@code by_status}, {@code retries_total}), and {@code top_sessions}: the {@link #TOP_SESSIONS} sessions that
     * most need attention (down, then other states, then connecting, then open; more retries first; then by node).
     */
    private Map<String, Object> p2pSummary(TransportStatus st) {
        Map<String, Object> out = p2pHead(st);
        Map<String, Integer> byStatus = new TreeMap<>();
        long retries = 0;
        for (SessionStatus s : st.nodes()) {
            byStatus.merge(statusOf(s), 1, Integer::sum);
            retries += s.retryCount();
        }
        List<SessionStatus> top = new ArrayList<>(st.nodes());
        top.sort(Comparator.comparingInt((SessionStatus s) -> attentionRank(statusOf(s)))
                .thenComparing(Comparator.comparingInt(SessionStatus::retryCount).reversed())
                .thenComparing(SessionStatus::node, Comparator.nullsLast(Comparator.naturalOrder())));
        List<Map<String, Object>> shown = new ArrayList<>();
        for (SessionStatus s : top.subList(0, Math.min(TOP_SESSIONS, top.size()))) {
            shown.add(session(s));
        }
        out.put("sessions", st.nodes().size());
        out.put("by_status", byStatus);
        out.put("retries_total", retries);
        out.put("top_sessions", shown);
        return out;
    }

    private static int attentionRank(String status) {
        return switch (status) {
            case "failed", "closed", "disconnected" -> 0;
            case "connecting" -> 2;
            case "open" -> 3;
            default -> 1;
        };
    }

    private Map<String, Object> p2pHead(TransportStatus st) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("enabled", p2p != null);
        out.put("transport", p2p == null ? "" : p2p.name());
        out.put("configured_stun", config.p2p().stunServers());
        out.put("configured_ice", config.p2p().iceServers().size());
        out.put("active_sessions", st.activeSessions());
        out.put("ice_servers", st.iceServers());
        return out;
    }

    /**
     * One node's P2P session summary, or {@code null} when P2P is off. Backed by one status snapshot per
     * {@link #SNAPSHOT_TTL_MS}, so building the registry of N nodes costs one snapshot, not N.
     */
    Map<String, Object> sessionOf(String nodeId) {
        if (p2p == null) {
            return null;
        }
        SessionStatus s = sessionsByNode().get(nodeId);
        Map<String, Object> m;
        if (s != null) {
            m = session(s);
        } else {
            m = new LinkedHashMap<>();
            m.put("status", "none");
        }
        m.put("transport", p2p.name());
        return m;
    }

    private static final long SNAPSHOT_TTL_MS = 500;
    private volatile Map<String, SessionStatus> snapshot = Map.of();
    private volatile long snapshotAt;

    private Map<String, SessionStatus> sessionsByNode() {
        long now = System.currentTimeMillis();
        if (now - snapshotAt > SNAPSHOT_TTL_MS) {
            Map<String, SessionStatus> m = new java.util.HashMap<>();
            for (SessionStatus s : status().nodes()) {
                m.put(s.node(), s);
            }
            snapshot = m;
            snapshotAt = now;
        }
        return snapshot;
    }

    private TransportStatus status() {
        if (p2p == null) {
            return TransportStatus.empty("");
        }
        try {
            return p2p.status();
        } catch (RuntimeException e) {
            return TransportStatus.empty(p2p.name());
        }
    }

    private static String statusOf(SessionStatus s) {
        return s.status() == null || s.status().isBlank() ? "connecting" : s.status();
    }

    private static Map<String, Object> session(SessionStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", s.node());
        m.put("status", statusOf(s));
        m.put("retry_count", s.retryCount());
        m.put("last_error", s.lastError() == null ? "" : s.lastError());
        m.put("created_at", s.createdAt());
        m.put("last_attempt", s.lastAttempt());
        m.put("last_ready_at", s.lastReadyAt());
        m.put("in_flight", s.inFlight());
        return m;
    }

    private NodeInfo localNode(List<AgentEntry> registry) {
        List<AgentInfo> agents = new ArrayList<>();
        for (AgentEntry e : registry) {
            if ("local".equals(e.type()) || "router".equals(e.type())) {
                agents.add(new AgentInfo(e.agentId(), e.displayName(), null, e.type(), "local", e.parentAgentId()));
            }
        }
        return NodeInfo.builder("local")
                .name(hostname)
                .os(System.getProperty("os.name", "").toLowerCase(Locale.ROOT))
                .arch(System.getProperty("os.arch", ""))
                .version(Version.VERSION)
                .endpoint("gateway")
                .capabilities(new Capabilities(false, false, true, false, false, false, false))
                .actions(List.of("agent_task"))
                .agents(agents)
                .registeredAt(startedAt)
                .lastSeenAt(clock.instant())
                .online(true)
                .build();
    }

    private List<Map<String, Object>> trees(List<AgentEntry> entries) {
        Map<String, Map<String, Object>> byId = new LinkedHashMap<>();
        for (AgentEntry e : entries) {
            Map<String, Object> n = new LinkedHashMap<>();
            n.put("agent_id", e.agentId());
            n.put("display_name", e.displayName());
            n.put("type", e.type());
            n.put("transport", e.transport());
            n.put("node_id", e.nodeId() == null ? "local" : e.nodeId());
            n.put("parent_agent_id", e.parentAgentId() == null ? "" : e.parentAgentId());
            n.put("enabled", e.enabled());
            n.put("online", e.online());
            n.put("managed_by", e.managedBy());
            if (e.p2p() != null) {
                n.put("p2p", e.p2p());
            }
            n.put("children", new ArrayList<Map<String, Object>>());
            byId.put(e.agentId(), n);
        }
        Map<String, Object> root = byId.get("main");
        for (AgentEntry e : entries) {
            if (e.agentId().equals("main")) {
                continue;
            }
            Map<String, Object> parent = byId.getOrDefault(e.parentAgentId() == null ? "main" : e.parentAgentId(), root);
            childrenOf(parent).add(byId.get(e.agentId()));
        }
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("node_id", "local");
        tree.put("node_name", hostname);
        tree.put("online", true);
        tree.put("source", "local_runtime");
        tree.put("readonly", false);
        Map<String, Object> rootWrap = new LinkedHashMap<>();
        rootWrap.put("node_id", "local");
        rootWrap.put("agent_id", "main");
        rootWrap.put("root", root);
        rootWrap.put("child_cnt", childrenOf(root).size());
        tree.put("root", rootWrap);
        return List.of(tree);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> childrenOf(Map<String, Object> node) {
        return (List<Map<String, Object>>) node.get("children");
    }

    /** Every alert of the fleet: offline nodes, P2P sessions down or unstable, repeated recent failures. */
    private static List<Map<String, Object>> alerts(List<NodeInfo> nodes, List<SessionStatus> sessions,
                                                    List<Map<String, Object>> dispatches) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (NodeInfo n : nodes) {
            if (!n.online() && !"local".equals(n.id())) {
                out.add(alert("critical", "node_offline", n.id(), "Node offline", "node " + n.id() + " is offline", 1));
            }
        }
        for (SessionStatus s : sessions) {
            String node = String.valueOf(s.node());
            String status = statusOf(s).toLowerCase(Locale.ROOT);
            int retry = s.retryCount();
            String err = s.lastError() == null ? "" : s.lastError();
            if (status.equals("failed") || status.equals("closed") || status.equals("disconnected")) {
                out.add(alert("critical", "p2p_session_down", node, "P2P session down",
                        err.isEmpty() ? "node " + node + " p2p session is " + status : err, 1));
            } else if (retry >= 3 || (status.equals("connecting") && retry >= 2)) {
                out.add(alert("warning", "p2p_session_unstable", node, "P2P session unstable",
                        err.isEmpty() ? "node " + node + " p2p session retry_count=" + retry : err, retry));
            }
        }
        Map<String, Integer> failures = new TreeMap<>();
        for (Map<String, Object> row : dispatches.subList(0, Math.min(FAILURE_WINDOW, dispatches.size()))) {
            if (!Boolean.TRUE.equals(row.get("ok")) && row.get("node") != null) {
                failures.merge(String.valueOf(row.get("node")), 1, Integer::sum);
            }
        }
        failures.forEach((node, count) -> {
            if (count >= 2) {
                out.add(alert("warning", "dispatch_failures", node, "Repeated dispatch failures",
                        "node " + node + " has " + count + " recent failed dispatches", count));
            }
        });
        return out;
    }

    private static Map<String, Object> alert(String severity, String kind, String node, String title, String detail,
                                             int count) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("severity", severity);
        a.put("kind", kind);
        a.put("node", node);
        a.put("title", title);
        a.put("detail", detail);
        a.put("count", count);
        return a;
    }

    Map<String, Object> version() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("ok", true);
        v.put("gateway_version", Version.VERSION);
        v.put("webui_version", Version.VERSION);
        v.put("protocol_version", Version.PROTOCOL);
        v.put("compiled_channels", List.of());
        v.put("p2p_transport", p2p == null ? "" : p2p.name());
        v.put("nodes_online", fleet.list().stream().filter(NodeInfo::online).count());
        return v;
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "local";
        }
    }

}
