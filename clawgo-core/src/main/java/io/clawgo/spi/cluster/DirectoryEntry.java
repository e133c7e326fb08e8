package io.clawgo.spi.cluster;

import io.clawgo.protocol.NodeInfo;
import java.util.Objects;

/**
 * What the directory knows of one node: its info, which gateway holds its connection, and the generation of that
 * connection.
 *
 * @param node       the node as its gateway last published it (without its endpoint token); {@link NodeInfo#online()}
 *                   says whether that gateway still holds the connection
 * @param gatewayId  the id of the gateway that holds (or last held) the node's connection
 * @param generation orders the node's connections across gateways: a newer connection has a larger generation
 */
public record DirectoryEntry(NodeInfo node, String gatewayId, long generation) {

    /**
     * Checks the components.
     *
     * @param node       the node
     * @param gatewayId  its gateway
     * @param generation its connection's generation
     * @throws NullPointerException when {@code node} or {@code gatewayId} is {@code null}
     */
    public DirectoryEntry {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(gatewayId, "gatewayId");
    }
}
