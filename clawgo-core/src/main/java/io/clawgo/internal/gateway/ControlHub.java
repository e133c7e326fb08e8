package io.clawgo.internal.gateway;

import io.clawgo.config.P2pConfig;
import io.clawgo.internal.registry.NodeRegistry;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.spi.ControlChannel;
import io.clawgo.spi.GatewayTransport;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which control connection currently owns each node id. The newest connection for an id wins: the older one is closed
 * and the transports are told, so its in-flight requests fail at once.
 */
final class ControlHub implements NodeRegistry.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(ControlHub.class);

    /** Close code of a socket that did not register within the register timeout. */
    static final int CLOSE_NO_REGISTER = 4006;
    /** Close code of a socket beyond the per-token or per-address cap. */
    static final int CLOSE_TOO_MANY_SOCKETS = 4008;
    /** Close code of a socket whose node connected to another gateway of the cluster (a newer connection). */
    static final int CLOSE_MOVED = 4010;

    /**
     * What a control socket may hold: the register deadline, the caps of open sockets per node token and per remote
     * address (0: none), the gateway-wide budget of incomplete messages, and the timers.
     */
    record Limits(java.time.Duration registerTimeout, int maxPerNodeToken, int maxPerAddress, PartialBudget partial,
                  ScheduledExecutorService scheduler) {
    }

    private final NodeRegistry registry;
    private final Limits limits;
    private final ConcurrentHashMap<String, ControlSocket> current = new ConcurrentHashMap<>();
    /** Open sockets per principal ({@code node:<id>} of a node token, {@code addr:<ip>} otherwise). */
    private final ConcurrentHashMap<String, AtomicInteger> open = new ConcurrentHashMap<>();
    private final AtomicLong generations = new AtomicLong();
    /** Control sockets closed (4004) because their send queue was full. */
    private final AtomicLong sendQueueOverflows = new AtomicLong();
    private volatile List<GatewayTransport> transports = List.of();
    private volatile P2pConfig p2p = P2pConfig.defaults();

    ControlHub(NodeRegistry registry, Limits limits) {
        this.registry = registry;
        this.limits = limits;
    }

    PartialBudget partialBudget() {
        return limits.partial();
    }

    /**
     * Counts a socket that just opened against the cap of its principal: its node token ({@code principal}), else,
     * when a per-address cap is set, its remote address.
     *
     * @return the key to give back with {@link #releaseSlot} ({@code ""} when nothing is counted), or {@code null}
     *         when the cap is reached (nothing counted)
     */
    String takeSlot(String principal, String remoteAddress) {
        String key;
        int cap;
        if (principal != null) {
            key = "node:" + principal;
            cap = limits.maxPerNodeToken();
        } else if (limits.maxPerAddress() > 0) {
            key = "addr:" + remoteAddress;
            cap = limits.maxPerAddress();
        } else {
            return "";
        }
        boolean[] ok = new boolean[1];
        open.compute(key, (k, n) -> {
            AtomicInteger c = n == null ? new AtomicInteger() : n;
            if (c.get() < cap) {
                c.incrementAndGet();
                ok[0] = true;
            }
            return c.get() == 0 ? null : c;
        });
        return ok[0] ? key : null;
    }

    /** Gives back a slot taken with {@link #takeSlot}. */
    void releaseSlot(String key) {
        if (key == null || key.isEmpty()) {
            return;
        }
        open.computeIfPresent(key, (k, c) -> c.decrementAndGet() <= 0 ? null : c);
    }

    /** Open sockets counted for {@code key} (for tests and logs). */
    int slots(String key) {
        AtomicInteger c = open.get(key);
        return c == null ? 0 : c.get();
    }

    /** Closes {@code socket} with 4006 unless it registered within the register timeout. */
    void registerDeadline(ControlSocket socket) {
        long ms = limits.registerTimeout().toMillis();
        try {
            limits.scheduler().schedule(() -> {
                if (socket.nodeId() == null && socket.isOpen()) {
                    LOG.debug("closing the control connection from {}: no register within {} ms", socket.remote(), ms);
                    socket.retire(CLOSE_NO_REGISTER, "no successful register within " + ms + " ms");
                }
            }, ms, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // shutting down: closeAll and the server stop close the socket
        }
    }

    /** Whether {@code socket} is the current socket of its node. */
    boolean isCurrent(ControlSocket socket) {
        String id = socket.nodeId();
        return id != null && current.get(id) == socket;
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

    /** Counts a control socket closed because its send queue overflowed. */
    void countSendQueueOverflow() {
        sendQueueOverflows.incrementAndGet();
    }

    /** Control sockets closed (4004) because their send queue was full, since the gateway started. */
    long sendQueueOverflows() {
        return sendQueueOverflows.get();
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
        if (socket.isRetired()) {
            // closed while it registered: its close found nothing to unbind yet, so unbind it here
            unbind(socket, "disconnected");
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
        // retired first: a frame on its way (say, a heartbeat) must not bring the node back once it is offline
        socket.markRetired();
        // then unbind, before the close: it may complete at once, and its callback would unbind with "disconnected"
        unbind(socket, reason);
        socket.retireHalfOpen(code, closeReason);
    }

    /**
     * Another gateway of the cluster holds a newer connection of {@code nodeId}: closes this gateway's socket (4010)
     * and takes the node offline here with {@code reason}, so this gateway stops answering for it.
     */
    void evict(String nodeId, String newGateway, String reason) {
        ControlSocket s = current.get(nodeId);
        if (s != null) {
            s.markRetired();
            unbind(s, reason);
            s.retire(CLOSE_MOVED, "node " + nodeId + " connected to gateway " + newGateway);
        } else {
            registry.markOffline(nodeId, reason);
        }
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
