package io.clawgo.internal.cluster;

import io.clawgo.config.ClusterConfig;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.spi.cluster.ClusterBackend;
import io.clawgo.spi.cluster.ClusterContext;
import io.clawgo.spi.cluster.ClusterHealth;
import io.clawgo.spi.cluster.DirectoryEntry;
import io.clawgo.spi.cluster.Forwarder;
import io.clawgo.spi.cluster.GatewayEntry;
import io.clawgo.spi.cluster.NodeDirectory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code local} provider: one gateway, which holds every node it knows. Its directory is the gateway's own
 * claims, in memory; its forwarder has nowhere to forward to. Needs no server.
 */
public final class LocalClusterProvider extends io.clawgo.spi.cluster.ClusterProvider {

    /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
    public LocalClusterProvider() {
    }

    @Override
    public String name() {
        return ClusterConfig.LOCAL;
    }

    @Override
    public ClusterBackend create(ClusterContext context) {
        return new Local(context);
    }

    private static final class Local implements ClusterBackend, NodeDirectory, Forwarder {
        private final ClusterContext context;
        private final AtomicLong generations = new AtomicLong();
        private final ConcurrentHashMap<String, DirectoryEntry> entries = new ConcurrentHashMap<>();

        Local(ClusterContext context) {
            this.context = context;
        }

        @Override
        public void start() {
        }

        @Override
        public NodeDirectory directory() {
            return this;
        }

        @Override
        public Forwarder forwarder() {
            return this;
        }

        @Override
        public ClusterHealth health() {
            return new ClusterHealth(true, "local: one gateway");
        }

        @Override
        public void close() {
            entries.clear();
        }

        @Override
        public CompletableFuture<Long> claim(NodeInfo node) {
            long gen = generations.incrementAndGet();
            entries.put(node.id(), new DirectoryEntry(node.redacted(), context.gatewayId(), gen));
            return CompletableFuture.completedFuture(gen);
        }

        @Override
        public void update(NodeInfo node) {
            entries.computeIfPresent(node.id(), (k, e) -> new DirectoryEntry(node.redacted(), e.gatewayId(),
                    e.generation()));
        }

        @Override
        public void remove(String nodeId) {
            entries.remove(nodeId);
        }

        @Override
        public Optional<DirectoryEntry> lookup(String nodeId) {
            return Optional.ofNullable(entries.get(nodeId));
        }

        @Override
        public List<DirectoryEntry> entries() {
            return new ArrayList<>(entries.values());
        }

        @Override
        public List<GatewayEntry> gateways() {
            return List.of(new GatewayEntry(context.gatewayId(), context.advertiseUrl(), context.localNodes().size(),
                    Instant.now(), true));
        }

        @Override
        public CompletableFuture<Response> forward(DirectoryEntry target, Request request, DispatchMode mode,
                                                   Duration budget) {
            return CompletableFuture.completedFuture(Response.error(request, ErrorCodes.NODE_OFFLINE,
                    "node " + request.node() + " is not connected to this gateway"));
        }
    }
}
