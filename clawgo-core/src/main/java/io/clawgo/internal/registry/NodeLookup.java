package io.clawgo.internal.registry;

import io.clawgo.protocol.NodeInfo;
import java.util.List;
import java.util.Optional;

/**
 * Read access to a set of nodes: this gateway's registry, or the whole fleet of its cluster (the registry plus the
 * nodes other gateways hold).
 */
public interface NodeLookup {
    /** Every node, sorted by id. */
    List<NodeInfo> list();

    /** One node by id (surrounding blanks ignored), or empty. */
    Optional<NodeInfo> get(String id);
}
