package io.clawgo.internal.gateway;

import io.clawgo.config.P2pConfig;
import io.clawgo.internal.registry.NodeRegistry;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.spi.ControlChannel;
import io.clawgo.spi.GatewayTransport;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which control connection currently owns each node id. The newest connection for an id wins: the older one is closed
 * and the transports are told, so its in-flight requests fail at once.
 */
final class ControlHub implements NodeRegistry.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(ControlHub.class);

    private final NodeRegistry registry;
    private final ConcurrentHashMap<String, ControlSocket> current = new ConcurrentHashMap<>();
    private final AtomicLong generations = new AtomicLong();
    private volatile List<GatewayTransport> transports = List.of();
    private volatile P2pConfig p2p = P2pConfig.defaults();

    ControlHub(NodeRegistry registry) {
        this.registry = registry;
    }

    void setTransports(List<GatewayTransport> list) {
        this.transports = List.copyOf(list);
    }

    List<GatewayTransport> transports() {
        return transports;
    }

    /** Sets the P2P section whose signal limits the control sockets apply. */
    void setP2p(P2pConfig config) {
        this.p2p = config;
    }

    /** The signal limits: {@link P2pConfig#signalMaxBytes()} and the others. */
    P2pConfig p2p() {
        return p2p;
    }

    NodeRegistry registry() {
        return registry;
    }

    long nextGeneration() {
        return generations.incrementAndGet();
    }

    /** Makes {@code socket} the owner of {@code nodeId}, closing and retiring the previous owner. */
    void bind(String nodeId, ControlSocket socket) {
        ControlSocket old = current.put(nodeId, socket);
        if (old != null && old != socket) {
            LOG.info("node {} connected again from {}; closing its older connection", nodeId, socket.remote());
            old.retire(4001, "replaced by a newer connection for node " + nodeId);
            for (GatewayTransport t : transports) {
                notifySafely(() -> t.onNodeDisconnected(old), t, "onNodeDisconnected");
            }
        }
        for (GatewayTransport t : transports) {
            notifySafely(() -> t.onNodeConnected(socket), t, "onNodeConnected");
        }
    }

    /**
     * Called when {@code socket} closes or is retired; marks its node offline with {@code reason} if it was still the
     * owner.
     */
    void unbind(ControlSocket socket, String reason) {
        String id = socket.nodeId();
        if (id == null || !current.remove(id, socket)) {
            return;
        }
        registry.markOffline(id, reason);
        for (GatewayTransport t : transports) {
            notifySafely(() -> t.onNodeDisconnected(socket), t, "onNodeDisconnected");
        }
    }

    Optional<ControlChannel> channel(String nodeId) {
        ControlSocket s = nodeId == null ? null : current.get(nodeId);
        return s != null && s.isOpen() ? Optional.of(s) : Optional.empty();
    }

    int connectedCount() {
        return current.size();
    }

    /** The registered control sockets, one per node id (a weakly consistent live view). */
    java.util.Collection<ControlSocket> sockets() {
        return current.values();
    }

    /** Closes a half-open socket and, if it still owns its node, takes the node offline with {@code reason}. */
    void retireHalfOpen(ControlSocket socket, int code, String closeReason, String reason) {
        // unbind first: the close may complete at once, and its callback would unbind with "disconnected"
        unbind(socket, reason);
        socket.retireHalfOpen(code, closeReason);
    }

    /** Closes every control connection (gateway shutdown). */
    void closeAll() {
        for (ControlSocket s : current.values()) {
            s.retire(1001, "gateway shutting down");
        }
        current.clear();
    }

    @Override
    public void onOffline(NodeInfo node, String reason) {
        if (NodeRegistry.REASON_TTL.equals(reason)) {
            ControlSocket s = current.get(node.id());
            if (s != null) {
                // heard nothing within the TTL over an open socket: it is half-open
                LOG.info("node {} missed its TTL; closing its silent control connection", node.id());
                s.retire(4002, "no heartbeat within the TTL");
                unbind(s, NodeRegistry.REASON_TTL);
            }
        }
    }

    @Override
    public void onRemoved(String id) {
        ControlSocket s = current.get(id);
        if (s != null) {
            s.retire(4003, "node removed");
            unbind(s, "removed");
        }
    }

    private static void notifySafely(Runnable r, GatewayTransport t, String what) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("transport {} failed in {}: {}", t.name(), what, e.toString());
        }
    }
}
