package io.clawgo.spi.cluster;

import io.clawgo.protocol.NodeInfo;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Which gateway holds which node's connection, shared by every gateway of a cluster. Each gateway keeps a local mirror
 * of the directory, updated by the engine's events, so that lookups and the fleet view never ask other gateways.
 *
 * <p>Ownership: the newest connection of a node wins cluster-wide. {@link #claim} gives the connection a generation
 * larger than every earlier one of that node on any gateway; when a gateway sees a larger generation of a node it
 * holds, it is told through {@link ClusterContext#ownershipLost} and closes its connection. The backend keeps the
 * generations of the nodes its gateway holds, and answers a forwarded dispatch only for the generation it holds. A gateway that comes back
 * from a partition re-publishes its nodes only where no larger generation exists.
 *
 * <p>Writes are the gateway's events (a node connected, changed, disconnected), never heartbeats: a backend batches
 * what it refreshes. Thread-safe; methods other than {@link #claim} do not block on the engine.
 */
public interface NodeDirectory {

    /**
     * Publishes that this gateway now holds {@code node}'s connection.
     *
     * @param node the node (its endpoint token already removed), online
     * @return the generation of this connection, once the engine has ordered it; fails when the engine cannot be
     *         reached (the gateway serves the node locally all the same and claims it again later)
     */
    CompletableFuture<Long> claim(NodeInfo node);

    /**
     * Publishes a change of a node this gateway holds: new info, or offline (its connection closed here). Ignored
     * when another gateway holds a newer connection of the node. A backend may batch these writes.
     *
     * @param node the node (without its endpoint token)
     */
    void update(NodeInfo node);

    /**
     * Publishes that a node was deleted by an operator.
     *
     * @param nodeId the node id
     */
    void remove(String nodeId);

    /**
     * The local mirror's entry of one node.
     *
     * @param nodeId the node id
     * @return the entry, or empty when the directory holds none
     */
    Optional<DirectoryEntry> lookup(String nodeId);

    /**
     * The local mirror: every node of the cluster.
     *
     * @return a snapshot
     */
    List<DirectoryEntry> entries();

    /**
     * The gateways of the cluster, this one included.
     *
     * @return a snapshot
     */
    List<GatewayEntry> gateways();
}
