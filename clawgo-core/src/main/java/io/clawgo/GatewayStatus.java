package io.clawgo;

import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.spi.SessionStatus;
import io.clawgo.spi.cluster.GatewayEntry;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a gateway knows about its fleet at one moment, as {@link Gateway#status()} returns it: the same facts as the
 * whole view of {@code GET /webui/api/nodes} (no paging, no summary), typed. Each component names the JSON key it
 * comes from; the REST API keeps its JSON as it was.
 *
 * <p>An immutable snapshot: it does not change when the gateway does. Every list is unmodifiable.
 *
 * @param nodes      {@code nodes}: the gateway itself first, as node {@code local}, then every registered node sorted
 *                   by id, online or offline, with its endpoint token removed
 * @param trees      {@code trees}: the agent trees of the subagent runtime (today one, of node {@code local})
 * @param p2p        {@code p2p}: the P2P transport requests go over first and its sessions
 * @param dispatches {@code dispatches}: the most recent dispatches (up to 20), newest first, as the dispatch audit
 *                   holds them
 * @param alerts     {@code alerts}: offline nodes, P2P sessions down or unstable, nodes with repeated recent failures
 * @param stats      {@code stats}: node counts and the dispatches of the last hour
 * @param cluster    {@code cluster}: this gateway's cluster, or {@code null} when it is not part of one (the key is
 *                   then absent)
 */
public record GatewayStatus(List<NodeInfo> nodes, List<AgentTree> trees, P2p p2p, List<Dispatch> dispatches,
                            List<Alert> alerts, Totals stats, Cluster cluster) {

    /**
     * Checks and copies the components.
     *
     * @param nodes      the nodes, the gateway first
     * @param trees      the agent trees
     * @param p2p        the P2P section
     * @param dispatches the recent dispatches, newest first
     * @param alerts     the alerts
     * @param stats      the counts
     * @param cluster    the cluster section, or {@code null}
     * @throws NullPointerException when a component other than {@code cluster} is {@code null}, or a list holds a
     *                              {@code null}
     */
    public GatewayStatus {
        nodes = List.copyOf(nodes);
        trees = List.copyOf(trees);
        Objects.requireNonNull(p2p, "p2p");
        dispatches = List.copyOf(dispatches);
        alerts = List.copyOf(alerts);
        Objects.requireNonNull(stats, "stats");
    }

    /**
     * One agent tree ({@code trees[i]}). In the JSON the root agent sits inside a wrapper:
     * <code>"root": {"node_id", "agent_id", "root": {...}, "child_cnt"}</code>, whose values are {@link #nodeId()},
     * {@code root.agentId()}, {@code root} and {@code root.children().size()}.
     *
     * @param nodeId   {@code node_id}: the node the tree belongs to ({@code local}: the gateway)
     * @param nodeName {@code node_name}: its host name
     * @param online   {@code online}
     * @param source   {@code source}: where the tree comes from ({@code local_runtime})
     * @param readonly {@code readonly}: whether it can be changed from the web UI
     * @param root     {@code root.root}: the root agent ({@code main}) with its children
     */
    public record AgentTree(String nodeId, String nodeName, boolean online, String source, boolean readonly,
                            AgentNode root) {
        /**
         * Checks the root.
         *
         * @param nodeId   the node
         * @param nodeName its host name
         * @param online   whether it is online
         * @param source   where the tree comes from
         * @param readonly whether it is read-only
         * @param root     the root agent
         * @throws NullPointerException when {@code root} is {@code null}
         */
        public AgentTree {
            Objects.requireNonNull(root, "root");
        }
    }

    /**
     * One agent of a tree, with the agents under it; the values of {@link io.clawgo.subagent.AgentEntry} as the tree
     * shows them.
     *
     * @param agentId       {@code agent_id}
     * @param displayName   {@code display_name}
     * @param type          {@code type}: {@code router} (the root {@code main}), {@code local} or {@code node_branch}
     * @param transport     {@code transport}: {@code local} or {@code node}
     * @param nodeId        {@code node_id}: the node of a node branch, else {@code local}
     * @param parentAgentId {@code parent_agent_id}: the agent it hangs under; empty for the root
     * @param enabled       {@code enabled}: whether tasks can be sent now
     * @param online        {@code online}
     * @param managedBy     {@code managed_by}: {@code local} or {@code node_registry}
     * @param p2p           {@code p2p}: for node branches, the node's P2P session as
     *                      {@link io.clawgo.subagent.AgentEntry#p2p()} has it; {@code null} for the others (the key is
     *                      then absent)
     * @param children      {@code children}: the agents under this one
     */
    public record AgentNode(String agentId, String displayName, String type, String transport, String nodeId,
                            String parentAgentId, boolean enabled, boolean online, String managedBy,
                            Map<String, Object> p2p, List<AgentNode> children) {
        /**
         * Copies the map and the list.
         *
         * @param agentId       the agent id
         * @param displayName   its human name
         * @param type          its type
         * @param transport     {@code local} or {@code node}
         * @param nodeId        its node, {@code local} for the gateway's own agents
         * @param parentAgentId its parent, empty for the root
         * @param enabled       whether tasks can be sent now
         * @param online        whether it is online
         * @param managedBy     who manages it
         * @param p2p           the node's P2P session, or {@code null}
         * @param children      the agents under it
         * @throws NullPointerException when {@code children} is or holds {@code null}
         */
        public AgentNode {
            p2p = p2p == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(p2p));
            children = List.copyOf(children);
        }
    }

    /**
     * The {@code p2p} section: the P2P transport and its sessions.
     *
     * @param enabled        {@code enabled}: whether a P2P transport is in use
     * @param transport      {@code transport}: its name, empty when none is
     * @param configuredStun {@code configured_stun}: the configured STUN urls ({@code gateway.nodes.p2p.stun_servers})
     * @param configuredIce  {@code configured_ice}: how many ICE servers are configured
     * @param activeSessions {@code active_sessions}: sessions that can carry requests now
     * @param iceServers     {@code ice_servers}: ICE servers the transport uses
     * @param sessions       {@code nodes}: one session per node, as the REST API shows it: a {@code null} or blank
     *                       status is {@code connecting}, a {@code null} last error is empty
     */
    public record P2p(boolean enabled, String transport, List<String> configuredStun, int configuredIce,
                      int activeSessions, int iceServers, List<SessionStatus> sessions) {
        /**
         * Copies the lists.
         *
         * @param enabled        whether a P2P transport is in use
         * @param transport      its name
         * @param configuredStun the configured STUN urls
         * @param configuredIce  configured ICE servers
         * @param activeSessions sessions that can carry requests now
         * @param iceServers     ICE servers the transport uses
         * @param sessions       the sessions
         * @throws NullPointerException when a list is or holds {@code null}
         */
        public P2p {
            configuredStun = List.copyOf(configuredStun);
            sessions = List.copyOf(sessions);
        }
    }

    /**
     * One recent dispatch ({@code dispatches[i]}), one line of the dispatch audit. The optional values are
     * {@code null} when the line does not have them.
     *
     * @param time          {@code time}: when the dispatch was asked for (milliseconds); {@code null} when the line has
     *                      none that reads as a timestamp
     * @param node          {@code node}
     * @param action        {@code action}
     * @param mode          {@code mode}; {@code null} when the line has none that reads as a mode
     * @param ok            {@code ok}
     * @param code          {@code code}: {@code ok} or an error code, at most 64 characters
     * @param error         {@code error}, clipped to {@code gateway.nodes.max_stored_text_chars}, or {@code null}
     * @param usedTransport {@code used_transport}, or {@code null} when no transport carried it
     * @param fallbackFrom  {@code fallback_from}: the P2P transport that failed first, or {@code null}
     * @param viaGateway    {@code via_gateway}: the cluster member that carried it, or {@code null}
     * @param durationMs    {@code duration_ms}
     * @param traceId       {@code trace_id}: the W3C trace id it carried, or {@code null}
     * @param task          {@code task}: the start of the request's task text, or {@code null}
     */
    public record Dispatch(Instant time, String node, String action, DispatchMode mode, boolean ok, String code,
                           String error, String usedTransport, String fallbackFrom, String viaGateway,
                           long durationMs, String traceId, String task) {
    }

    /**
     * One alert ({@code alerts[i]}).
     *
     * @param severity {@code severity}: {@code critical} or {@code warning}
     * @param kind     {@code kind}: {@code node_offline}, {@code p2p_session_down}, {@code p2p_session_unstable} or
     *                 {@code dispatch_failures}
     * @param node     {@code node}: the node it is about
     * @param title    {@code title}: a short human title
     * @param detail   {@code detail}: a human sentence
     * @param count    {@code count}: retries or failures behind it, 1 for a state
     */
    public record Alert(String severity, String kind, String node, String title, String detail, int count) {
    }

    /**
     * The {@code stats} section.
     *
     * @param nodesTotal         {@code nodes_total}: registered nodes, online and offline (the gateway not counted)
     * @param nodesOnline        {@code nodes_online}
     * @param dispatchesLastHour {@code dispatches_last_hour}, counted exactly
     * @param failuresLastHour   {@code failures_last_hour}
     */
    public record Totals(int nodesTotal, int nodesOnline, long dispatchesLastHour, long failuresLastHour) {
    }

    /**
     * The {@code cluster} section: this gateway as a member of its cluster (see docs/cluster.md).
     *
     * @param provider  {@code provider}: the cluster provider, for example {@code nats}
     * @param name      {@code name}: the cluster's name
     * @param gatewayId {@code gateway_id}: this gateway's member id ({@link Gateway#memberId()})
     * @param ready     {@code ready}: whether the cluster engine is reachable
     * @param detail    {@code detail}: a human sentence on its state
     * @param gateways  {@code gateways}: every member the directory knows, this one included (in the JSON each has
     *                  {@code self}: whether its id is {@code gatewayId})
     * @param owners    {@code owners}: node id to the member id of the gateway that holds its connection
     */
    public record Cluster(String provider, String name, String gatewayId, boolean ready, String detail,
                          List<GatewayEntry> gateways, Map<String, String> owners) {
        /**
         * Copies the list and the map.
         *
         * @param provider  the provider
         * @param name      the cluster's name
         * @param gatewayId this gateway's member id
         * @param ready     whether the engine is reachable
         * @param detail    its state
         * @param gateways  the members
         * @param owners    node id to member id
         * @throws NullPointerException when {@code gateways} is or holds {@code null}, or {@code owners} is
         *                              {@code null}
         */
        public Cluster {
            gateways = List.copyOf(gateways);
            owners = Collections.unmodifiableMap(new LinkedHashMap<>(owners));
        }
    }
}
