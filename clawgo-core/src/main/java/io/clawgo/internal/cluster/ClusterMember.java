package io.clawgo.internal.cluster;

import io.clawgo.config.GatewayConfig;
import io.clawgo.internal.registry.NodeLookup;
import io.clawgo.internal.registry.NodeRegistry;
import io.clawgo.internal.transport.NodeDispatcher;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.spi.cluster.ClusterBackend;
import io.clawgo.spi.cluster.ClusterContext;
import io.clawgo.spi.cluster.ClusterHealth;
import io.clawgo.spi.cluster.DirectoryEntry;
import io.clawgo.spi.cluster.GatewayEntry;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This gateway as a member of its cluster: publishes the registry's liveness events to the directory, routes
 * dispatches for nodes held by other gateways through the forwarder, runs the dispatches other gateways forward here,
 * and closes a node's connection when another gateway holds a newer one.
 *
 * <p>With the {@code local} provider (no cluster) nothing is forwarded and the payloads stay as they were: no
 * {@code via_gateway}, no {@code cluster} section.
 */
public final class ClusterMember implements ClusterContext, NodeRegistry.Listener, NodeDispatcher.Remote, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterMember.class);
    /** The payload key that names the gateway which held the node's connection. */
    public static final String VIA_GATEWAY = "via_gateway";
    /** Reason a node goes offline on a gateway when another gateway took over its connection. */
    public static final String REASON_MOVED = "moved";

    /** Runs a dispatch on this gateway only, never forwarding it. */
    @FunctionalInterface
    public interface LocalDispatch {
        /** Dispatches to a node connected here; the future always completes normally. */
        CompletableFuture<Response> dispatch(Request request, DispatchMode mode, Duration timeout);
    }

    /** Closes the connection of a node another gateway took over. */
    @FunctionalInterface
    public interface Evictor {
        /** Closes {@code nodeId}'s control connection here and takes the node offline with {@link #REASON_MOVED}. */
        void evict(String nodeId, String newGateway);
    }

    private final GatewayConfig config;
    private final String gatewayId;
    private final NodeRegistry registry;
    private final ScheduledExecutorService scheduler;
    private final Supplier<String> url;
    private final boolean enabled;
    private volatile LocalDispatch local;
    private volatile Evictor evictor;
    private ClusterBackend backend;

    /**
     * @param url this gateway's own URL, known once it listens
     */
    public ClusterMember(GatewayConfig config, NodeRegistry registry, ScheduledExecutorService scheduler,
                         Supplier<String> url) {
        this.config = config;
        this.registry = registry;
        this.scheduler = scheduler;
        this.url = url;
        this.enabled = config.cluster().enabled();
        this.gatewayId = newMemberId();
    }

    /** Finds and starts the configured provider, and starts listening to the registry. */
    public void start(ClassLoader loader, LocalDispatch local, Evictor evictor) throws Exception {
        this.local = local;
        this.evictor = evictor;
        backend = ClusterCatalog.require(config.cluster().provider(), loader).create(this);
        backend.start();
        registry.addListener(this);
        for (NodeInfo n : registry.list()) {
            if (n.online()) {
                onOnline(n);
            }
        }
        if (enabled) {
            LOG.info("cluster {} ({}): this gateway is member {}", config.cluster().name(),
                    config.cluster().provider(), gatewayId);
        }
    }

    /** Whether this gateway shares its fleet with others. */
    public boolean enabled() {
        return enabled;
    }

    /** The cluster's health, for {@code /ready}. */
    public ClusterHealth health() {
        ClusterBackend b = backend;
        return b == null ? new ClusterHealth(false, "cluster not started") : b.health();
    }

    /** The gateways of the cluster. */
    public List<GatewayEntry> gateways() {
        ClusterBackend b = backend;
        return b == null ? List.of() : b.directory().gateways();
    }

    /**
     * The nodes other gateways hold, as this gateway's mirror has them; a node whose gateway is gone is offline.
     */
    public List<DirectoryEntry> remoteEntries() {
        ClusterBackend b = backend;
        if (!enabled || b == null) {
            return List.of();
        }
        Map<String, Boolean> alive = new java.util.HashMap<>();
        for (GatewayEntry g : b.directory().gateways()) {
            alive.put(g.id(), g.alive());
        }
        List<DirectoryEntry> out = new ArrayList<>();
        for (DirectoryEntry e : b.directory().entries()) {
            if (e.gatewayId().equals(gatewayId) || registry.get(e.node().id()).map(NodeInfo::online).orElse(false)) {
                continue; // held here: the registry has it
            }
            boolean online = e.node().online() && alive.getOrDefault(e.gatewayId(), false);
            out.add(online == e.node().online() ? e
                    : new DirectoryEntry(e.node().toBuilder().online(false).build(), e.gatewayId(), e.generation()));
        }
        return out;
    }

    /**
     * The whole fleet: this gateway's registry, and the nodes other gateways hold (which replace the registry's
     * offline record of a node that moved). Without a cluster, the registry itself.
     */
    public NodeLookup fleet() {
        if (!enabled) {
            return registry;
        }
        return new NodeLookup() {
            @Override
            public List<NodeInfo> list() {
                java.util.TreeMap<String, NodeInfo> all = new java.util.TreeMap<>();
                for (NodeInfo n : registry.list()) {
                    all.put(n.id(), n);
                }
                for (DirectoryEntry e : remoteEntries()) {
                    all.put(e.node().id(), e.node());
                }
                return new ArrayList<>(all.values());
            }

            @Override
            public Optional<NodeInfo> get(String id) {
                Optional<NodeInfo> local = registry.get(id);
                if (local.isPresent() && local.get().online()) {
                    return local;
                }
                ClusterBackend b = backend;
                Optional<DirectoryEntry> remote = b == null || id == null ? Optional.empty()
                        : b.directory().lookup(id.trim()).filter(e -> !e.gatewayId().equals(gatewayId));
                return remote.isPresent() ? remote.map(DirectoryEntry::node) : local;
            }
        };
    }

    /** Node id to the member id of the gateway that holds (or last held) it, for the fleet view. */
    public Map<String, String> owners() {
        Map<String, String> out = new java.util.TreeMap<>();
        for (NodeInfo n : registry.list()) {
            if (n.online()) {
                out.put(n.id(), gatewayId);
            }
        }
        for (DirectoryEntry e : remoteEntries()) {
            out.putIfAbsent(e.node().id(), e.gatewayId());
        }
        return out;
    }

    /**
     * Routes a dispatch for a node this gateway does not hold online.
     *
     * @return the forwarded dispatch, or empty when the directory does not know the node elsewhere (the caller then
     *         answers as a single gateway would)
     */
    @Override
    public Optional<CompletableFuture<Response>> route(Request request, DispatchMode mode, Duration timeout) {
        ClusterBackend b = backend;
        if (!enabled || b == null) {
            return Optional.empty();
        }
        Optional<DirectoryEntry> found = b.directory().lookup(request.node());
        if (found.isEmpty() || found.get().gatewayId().equals(gatewayId)) {
            return Optional.empty();
        }
        DirectoryEntry e = found.get();
        if (!e.node().online()) {
            return Optional.of(done(annotate(Response.error(request, ErrorCodes.NODE_OFFLINE, "node "
                    + request.node() + " is offline (last connected to gateway " + e.gatewayId() + ")"), e)));
        }
        if (!e.node().supports(request.action())) {
            return Optional.of(done(annotate(Response.error(request, ErrorCodes.UNSUPPORTED_ACTION, "node "
                    + request.node() + " does not support action " + request.action()), e)));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        return Optional.of(b.forwarder().forward(e, request, mode, timeout).thenCompose(r -> {
            if (!ErrorCodes.NODE_MOVED.equals(r.code())) {
                return done(annotate(r, e));
            }
            // the node moved between our directory's view and the request: once more, to where it is now
            Optional<DirectoryEntry> now = b.directory().lookup(request.node());
            long left = deadline - System.nanoTime();
            if (now.isEmpty() || now.get().generation() == e.generation() || left <= 0
                    || now.get().gatewayId().equals(gatewayId)) {
                return done(annotate(r, e));
            }
            return b.forwarder().forward(now.get(), request, mode, Duration.ofNanos(left))
                    .thenApply(again -> annotate(again, now.get()));
        }));
    }

    /** Names this gateway in {@code via_gateway} of a local dispatch's response (cluster only). */
    @Override
    public Response annotateLocal(Response r) {
        return enabled && !r.payload().containsKey(VIA_GATEWAY) ? r.withPayloadEntries(Map.of(VIA_GATEWAY, gatewayId))
                : r;
    }

    private static Response annotate(Response r, DirectoryEntry target) {
        return r.payload().containsKey(VIA_GATEWAY) ? r : r.withPayloadEntries(Map.of(VIA_GATEWAY, target.gatewayId()));
    }

    private static CompletableFuture<Response> done(Response r) {
        return CompletableFuture.completedFuture(r);
    }

    // ---- registry events -> directory

    @Override
    public void onOnline(NodeInfo n) {
        ClusterBackend b = backend;
        if (b == null) {
            return;
        }
        b.directory().claim(n.redacted()).whenComplete((gen, err) -> {
            if (err != null) {
                LOG.debug("cluster: node {} not claimed yet ({}); published when the engine is back", n.id(),
                        err.getMessage());
            }
        });
    }

    @Override
    public void onOffline(NodeInfo n, String reason) {
        ClusterBackend b = backend;
        if (b != null) {
            b.directory().update(n.redacted());
        }
    }

    @Override
    public void onRemoved(String id) {
        ClusterBackend b = backend;
        if (b != null) {
            b.directory().remove(id);
        }
    }

    // ---- ClusterContext

    @Override
    public String gatewayId() {
        return gatewayId;
    }

    @Override
    public String advertiseUrl() {
        String configured = config.cluster().advertiseUrl();
        return configured.isEmpty() ? url.get() : configured;
    }

    @Override
    public List<String> servers() {
        return config.cluster().servers();
    }

    @Override
    public String clusterName() {
        return config.cluster().name();
    }

    @Override
    public Map<String, String> options() {
        return config.cluster().options();
    }

    @Override
    public int maxMessageBytes() {
        return config.maxMessageBytes();
    }

    @Override
    public Duration offlineRetention() {
        return config.offlineRetention();
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    @Override
    public CompletableFuture<Response> dispatchHere(Request request, DispatchMode mode, Duration budget) {
        String id = request.node();
        boolean here = id != null && registry.get(id).map(NodeInfo::online).orElse(false);
        LocalDispatch d = local;
        if (!here || d == null) {
            return done(annotateLocal(Response.error(request, ErrorCodes.NODE_MOVED, "gateway " + gatewayId
                    + " does not hold node " + id + " now")));
        }
        return d.dispatch(request, mode, budget).thenApply(this::annotateLocal);
    }

    @Override
    public void ownershipLost(String nodeId, long newerGeneration, String gatewayId) {
        LOG.info("cluster: node {} connected to gateway {} (generation {}); closing its older connection here",
                nodeId, gatewayId, newerGeneration);
        Evictor e = evictor;
        if (e != null) {
            e.evict(nodeId, gatewayId);
        }
    }

    @Override
    public List<NodeInfo> localNodes() {
        List<NodeInfo> out = new ArrayList<>();
        for (NodeInfo n : registry.list()) {
            if (n.online()) {
                out.add(n.redacted());
            }
        }
        return out;
    }

    @Override
    public void close() {
        registry.removeListener(this);
        ClusterBackend b = backend;
        backend = null;
        if (b != null) {
            try {
                b.close();
            } catch (RuntimeException e) {
                LOG.warn("closing the cluster backend failed: {}", e.toString());
            }
        }
    }

    private static String newMemberId() {
        byte[] b = new byte[6];
        new SecureRandom().nextBytes(b);
        StringBuilder sb = new StringBuilder("gw-");
        for (byte x : b) {
            sb.append(String.format("%02x", x));
        }
        return sb.toString();
    }
}
