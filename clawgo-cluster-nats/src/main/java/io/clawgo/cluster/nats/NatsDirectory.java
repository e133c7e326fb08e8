package io.clawgo.cluster.nats;

import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.WireCodec;
import io.clawgo.spi.cluster.ClusterContext;
import io.clawgo.spi.cluster.DirectoryEntry;
import io.clawgo.spi.cluster.GatewayEntry;
import io.clawgo.spi.cluster.NodeDirectory;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.api.StorageType;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node directory on a JetStream key-value bucket, with a local mirror kept by a watch on the whole bucket.
 *
 * <p>Generations: a claim is a plain put, and the bucket's revision of that put (a sequence number of the bucket's
 * stream, ordered across every key and gateway) is the connection's generation; later writes of the same connection
 * carry it in the value and are compare-and-set on the last revision, so a gateway that lost a node can never
 * overwrite the newer owner's entry. The watch tells a gateway when another one published a newer generation of a node
 * it holds.
 *
 * <p>Threads: every bucket write runs on one thread of its own ({@code clawgo-cluster-kv}), in order; the watch
 * updates the mirror on a jnats thread. Writes are events (claim, change, offline, delete) and one heartbeat per
 * gateway per interval; node heartbeats never reach the bucket.
 */
final class NatsDirectory implements NodeDirectory, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NatsDirectory.class);

    /** What this gateway last wrote for a node it holds. */
    /** A node this gateway holds: its generation, the revision it last wrote, the {@link #material} it wrote then. */
    private record Owned(long generation, long revision, NodeInfo material, long writtenAtNanos) {
    }

    private record Gateway(GatewayEntry entry, long seenNanos) {
    }

    private final ClusterContext context;
    private final Subjects subjects;
    private final NatsSettings settings;
    private final Consumer<String> onGatewayGone;
    private final WireCodec codec = WireCodec.get();
    private final ConcurrentHashMap<String, DirectoryEntry> mirror = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Gateway> gateways = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Owned> owned = new ConcurrentHashMap<>();
    /**
     * Nodes another gateway took over while this one still held a connection (closing now): never claimed back by
     * the heartbeat or a republish, only by a new connection ({@link #claim}).
     */
    private final java.util.Set<String> lost = ConcurrentHashMap.newKeySet();
    private final ExecutorService writer;
    /**
     * Writes this gateway's own entry, apart from the writer: behind thousands of claims (a gateway that many nodes
     * join at once) the entry came late and the other gateways took this one for dead.
     */
    private final ExecutorService beat;
    /** A write of this gateway's own entry is queued or running on {@link #beat}. */
    private final java.util.concurrent.atomic.AtomicBoolean beatQueued = new java.util.concurrent.atomic.AtomicBoolean();
    private final long refreshNanos;
    /** A heartbeat write is queued or running on the writer. */
    private final java.util.concurrent.atomic.AtomicBoolean heartbeatQueued =
            new java.util.concurrent.atomic.AtomicBoolean();
    private volatile KeyValue kv;
    /** The watch of the nodes' entries. */
    private volatile NatsKeyValueWatchSubscription watch;
    /**
     * The watch of the gateways' entries, apart (each watch has its own dispatcher thread): behind tens of thousands of
     * node entries (gateways that many nodes join at once) the gateways' heartbeats were seen late and the gateways
     * took each other for dead.
     */
    private volatile NatsKeyValueWatchSubscription gatewayWatch;
    private volatile boolean watching;
    /** Set by {@link #leave}: no more writes of this gateway's own entry, which leave deletes. */
    private volatile boolean leaving;

    NatsDirectory(ClusterContext context, Subjects subjects, NatsSettings settings, Consumer<String> onGatewayGone) {
        this.context = context;
        this.subjects = subjects;
        this.settings = settings;
        this.onGatewayGone = onGatewayGone;
        this.refreshNanos = context.offlineRetention().dividedBy(2).toNanos();
        ThreadPoolExecutor w = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "clawgo-cluster-kv");
            t.setDaemon(true);
            return t;
        });
        w.allowCoreThreadTimeOut(true);
        this.writer = w;
        ThreadPoolExecutor b = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "clawgo-cluster-beat");
            t.setDaemon(true);
            return t;
        });
        b.allowCoreThreadTimeOut(true);
        this.beat = b;
    }

    /**
     * Opens (or creates) the bucket, restarts the watch and publishes this gateway's nodes again. Called on the
     * writer thread after every (re)connect.
     */
    void attach(Connection connection) throws Exception {
        KeyValueManagement kvm = connection.keyValueManagement();
        try {
            kvm.getStatus(subjects.bucket());
        } catch (JetStreamApiException notFound) {
            try {
                kvm.create(KeyValueConfiguration.builder().name(subjects.bucket()).maxHistoryPerKey(1)
                        .storageType(StorageType.File).ttl(context.offlineRetention()).replicas(settings.replicas())
                        .maximumValueSize(Math.max(64 * 1024, context.maxMessageBytes())).build());
            } catch (JetStreamApiException raced) {
                LOG.debug("bucket {} created by another gateway meanwhile: {}", subjects.bucket(), raced.toString());
            }
        }
        KeyValue bucket = connection.keyValue(subjects.bucket());
        for (NatsKeyValueWatchSubscription old : java.util.Arrays.asList(watch, gatewayWatch)) {
            if (old != null) {
                try {
                    old.unsubscribe();
                } catch (RuntimeException e) {
                    LOG.debug("old watch: {}", e.toString());
                }
            }
        }
        CompletableFuture<Void> nodesLoaded = new CompletableFuture<>();
        CompletableFuture<Void> gatewaysLoaded = new CompletableFuture<>();
        gatewayWatch = bucket.watch(Subjects.GATEWAY_PREFIX + ">", new Watcher(gatewaysLoaded));
        watch = bucket.watch(Subjects.NODE_PREFIX + ">", new Watcher(nodesLoaded));
        CompletableFuture.allOf(nodesLoaded, gatewaysLoaded).get(10, TimeUnit.SECONDS);
        kv = bucket;
        watching = true;
        republish();
    }

    /** The engine went away: writes fail until {@link #attach} runs again. */
    void detach() {
        watching = false;
    }

    boolean watching() {
        return watching && kv != null;
    }

    @Override
    public CompletableFuture<Long> claim(NodeInfo node) {
        String id = node.id();
        lost.remove(node.id());
        return CompletableFuture.supplyAsync(() -> claimNow(node), writer);
    }

    /** Claims on the writer thread. */
    private long claimNow(NodeInfo node) {
        String id = node.id();
        KeyValue bucket = requireBucket();
        String json = encode(node, 0);
        try {
            long rev = bucket.put(Subjects.nodeKey(id), json.getBytes(StandardCharsets.UTF_8));
            owned.put(id, new Owned(rev, rev, material(node), System.nanoTime()));
            return rev;
        } catch (Exception e) {
            throw new IllegalStateException("cannot claim node " + id + ": " + e, e);
        }
    }

    @Override
    public void update(NodeInfo node) {
        writer.execute(() -> write(node, false));
    }

    /**
     * The generation of the connection this gateway holds of a node.
     *
     * @return the generation, or 0 when this gateway does not hold the node (as far as the directory knows)
     */
    long heldGeneration(String nodeId) {
        Owned o = owned.get(nodeId);
        return o == null ? 0 : o.generation();
    }

    @Override
    public void remove(String nodeId) {
        writer.execute(() -> {
            owned.remove(nodeId);
            KeyValue bucket = kv;
            if (bucket == null) {
                return;
            }
            try {
                bucket.delete(Subjects.nodeKey(nodeId));
            } catch (Exception e) {
                LOG.warn("cluster: cannot delete node {} from the directory: {}", nodeId, e.toString());
            }
        });
    }

    @Override
    public Optional<DirectoryEntry> lookup(String nodeId) {
        return Optional.ofNullable(mirror.get(nodeId));
    }

    @Override
    public List<DirectoryEntry> entries() {
        return new ArrayList<>(mirror.values());
    }

    @Override
    public List<GatewayEntry> gateways() {
        long now = System.nanoTime();
        long dead = settings.deadAfter().toNanos();
        List<GatewayEntry> out = new ArrayList<>();
        for (Gateway g : gateways.values()) {
            GatewayEntry e = g.entry();
            out.add(new GatewayEntry(e.id(), e.url(), e.nodes(), e.lastSeen(), now - g.seenNanos() < dead));
        }
        out.sort(Comparator.comparing(GatewayEntry::id));
        return out;
    }

    /** Whether gateway {@code id} was heard from within the dead-after time. */
    boolean alive(String id) {
        if (id.equals(context.gatewayId())) {
            return true;
        }
        Gateway g = gateways.get(id);
        return g != null && System.nanoTime() - g.seenNanos() < settings.deadAfter().toNanos();
    }

    /**
     * Once per heartbeat: writes this gateway's entry, refreshes its nodes' entries that changed or are getting old,
     * and tells the caller of gateways that went silent.
     */
    void heartbeat() {
        long now = System.nanoTime();
        long dead = settings.deadAfter().toNanos();
        for (Map.Entry<String, Gateway> e : gateways.entrySet()) {
            String id = e.getKey();
            if (!id.equals(context.gatewayId()) && now - e.getValue().seenNanos() >= dead
                    && gateways.remove(id, e.getValue())) {
                LOG.warn("cluster: gateway {} ({}) not heard from for {} ms; its nodes are offline until they connect "
                        + "elsewhere", id, e.getValue().entry().url(), settings.deadAfter().toMillis());
                onGatewayGone.accept(id);
                writer.execute(() -> deleteQuietly(Subjects.gatewayKey(id)));
            }
        }
        // one write of each kind at a time: a slow engine must not pile them up on a queue
        if (beatQueued.compareAndSet(false, true)) {
            beat.execute(() -> {
                try {
                    KeyValue bucket = kv;
                    if (bucket == null || !watching || leaving) {
                        return;
                    }
                    GatewayEntry self = new GatewayEntry(context.gatewayId(), context.advertiseUrl(), owned.size(),
                            Instant.now(), true);
                    bucket.put(Subjects.gatewayKey(context.gatewayId()), codec.toJsonBytes(self));
                } catch (Exception e) {
                    LOG.debug("cluster heartbeat failed: {}", e.toString());
                } finally {
                    beatQueued.set(false);
                }
            });
        }
        if (heartbeatQueued.compareAndSet(false, true)) {
            writer.execute(() -> {
                try {
                    if (kv != null && watching) {
                        publishLocal(false);
                    }
                } finally {
                    heartbeatQueued.set(false);
                }
            });
        }
    }

    /** Publishes every node this gateway holds again (after a reconnect), keeping newer owners' entries. */
    private void republish() {
        int n = publishLocal(true);
        if (n > 0) {
            LOG.info("cluster: published {} nodes again after connecting", n);
        }
    }

    /**
     * Publishes the nodes this gateway holds: claims those it could not claim before (the engine was away), writes
     * those that changed (all of them when {@code force}), and marks offline those it still owns in the directory but
     * no longer holds. Runs on the writer thread.
     *
     * @return how many nodes this gateway holds
     */
    private int publishLocal(boolean force) {
        List<NodeInfo> local = context.localNodes();
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (NodeInfo n : local) {
            ids.add(n.id());
            if (owned.containsKey(n.id())) {
                write(n, force);
            } else if (!lost.contains(n.id())) {
                try {
                    claimNow(n);
                } catch (IllegalStateException e) {
                    LOG.debug("cluster: {}", e.getMessage());
                }
            }
        }
        lost.retainAll(ids);
        for (String id : List.copyOf(owned.keySet())) {
            DirectoryEntry last = mirror.get(id);
            if (!ids.contains(id) && last != null) {
                write(last.node().toBuilder().online(false).build(), true);
            }
        }
        return local.size();
    }

    /**
     * Writes a node this gateway holds (nothing when it does not), compare-and-set on the last revision it wrote. Runs
     * on the writer thread.
     *
     * @param force write even when nothing changed (after a reconnect)
     */
    private void write(NodeInfo node, boolean force) {
        String id = node.id();
        Owned o = owned.get(id);
        KeyValue bucket = kv;
        if (o == null || bucket == null || !watching) {
            return;
        }
        long generation = o.generation();
        NodeInfo material = material(node);
        boolean stale = System.nanoTime() - o.writtenAtNanos() > refreshNanos;
        if (!force && !stale && material.equals(o.material())) {
            return;
        }
        String json = encode(node, generation);
        try {
            long rev = bucket.update(Subjects.nodeKey(id), json.getBytes(StandardCharsets.UTF_8), o.revision());
            owned.put(id, new Owned(generation, rev, material, System.nanoTime()));
        } catch (JetStreamApiException e) {
            // someone wrote after us: a newer owner, or the bucket lost our entry
            resolveConflict(node, o, json, material);
        } catch (Exception e) {
            LOG.debug("cluster: cannot publish node {}: {}", id, e.toString());
        }
        if (!node.online()) {
            owned.remove(id, owned.get(id));
        }
    }

    private void resolveConflict(NodeInfo node, Owned o, String json, NodeInfo material) {
        String id = node.id();
        KeyValue bucket = kv;
        try {
            KeyValueEntry current = bucket.get(Subjects.nodeKey(id));
            DirectoryEntry theirs = current == null || current.getValue() == null ? null : decodeNode(current);
            if (theirs != null && !theirs.gatewayId().equals(context.gatewayId())
                    && theirs.generation() > o.generation()) {
                owned.remove(id);
                lost.add(id);
                context.ownershipLost(id, theirs.generation(), theirs.gatewayId());
                return;
            }
            // our entry is gone (deleted, expired, a new bucket): publish it again with the same generation
            long rev = current == null ? bucket.create(Subjects.nodeKey(id), json.getBytes(StandardCharsets.UTF_8))
                    : bucket.update(Subjects.nodeKey(id), json.getBytes(StandardCharsets.UTF_8), current.getRevision());
            owned.put(id, new Owned(o.generation(), rev, material, System.nanoTime()));
        } catch (Exception e) {
            LOG.debug("cluster: node {} not published again: {}", id, e.toString());
        }
    }

    private void deleteQuietly(String key) {
        KeyValue bucket = kv;
        if (bucket == null) {
            return;
        }
        try {
            bucket.delete(key);
        } catch (Exception e) {
            LOG.debug("cluster: delete {}: {}", key, e.toString());
        }
    }

    private KeyValue requireBucket() {
        KeyValue bucket = kv;
        if (bucket == null || !watching) {
            throw new IllegalStateException("the cluster engine cannot be reached");
        }
        return bucket;
    }

    private String encode(NodeInfo node, long generation) {
        return codec.toJson(new DirectoryEntry(node.redacted(), context.gatewayId(), generation));
    }

    /**
     * What other gateways must learn when it changes: the published node without {@code last_seen_at}, which every
     * node heartbeat moves. Heartbeats thus never become bucket writes; a held node's entry is refreshed (with its
     * last seen time) only when something else changed or it gets old (half the offline retention). Compared as a
     * record, not as JSON: each heartbeat looks at every held node, and encoding them all was the cost of it.
     */
    private static NodeInfo material(NodeInfo node) {
        return node.redacted().toBuilder().lastSeenAt(null).build();
    }

    private DirectoryEntry decodeNode(KeyValueEntry e) throws ProtocolException {
        DirectoryEntry d = codec.decode(new String(e.getValue(), StandardCharsets.UTF_8), DirectoryEntry.class,
                Integer.MAX_VALUE);
        // a claim's generation is the revision of its own put
        return d.generation() == 0 ? new DirectoryEntry(d.node(), d.gatewayId(), e.getRevision()) : d;
    }

    @Override
    public void close() {
        watching = false;
        writer.shutdown();
        beat.shutdown();
        try {
            writer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Leaves: deletes this gateway's entry and marks its nodes offline, so others need not wait for the timeout. */
    void leave() {
        leaving = true;
        try {
            // a put of this gateway's entry already running on the beat thread must land before the delete below, or
            // it would bring the entry back and others would wait for the timeout after all; later ones see leaving
            beat.submit(() -> { }).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("cluster: leaving: the last heartbeat write did not finish: {}", e.toString());
        }
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
            KeyValue bucket = kv;
            if (bucket == null || !watching) {
                return;
            }
            for (NodeInfo n : context.localNodes()) {
                write(n.toBuilder().online(false).build(), true);
            }
            deleteQuietly(Subjects.gatewayKey(context.gatewayId()));
        }, writer);
        try {
            done.get(3, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("cluster: leaving: {}", e.toString());
        }
    }

    private final class Watcher implements KeyValueWatcher {
        private final CompletableFuture<Void> loaded;

        Watcher(CompletableFuture<Void> loaded) {
            this.loaded = loaded;
        }

        @Override
        public void watch(KeyValueEntry e) {
            try {
                String key = e.getKey();
                boolean gone = e.getOperation() != KeyValueOperation.PUT;
                if (key.startsWith(Subjects.NODE_PREFIX)) {
                    String id = Subjects.nodeIdOf(key);
                    if (gone) {
                        mirror.remove(id);
                        return;
                    }
                    DirectoryEntry d = decodeNode(e);
                    mirror.put(id, d);
                    Owned mine = owned.get(id);
                    if (mine != null && !d.gatewayId().equals(context.gatewayId())
                            && d.generation() > mine.generation() && owned.remove(id, mine)) {
                        lost.add(id);
                        context.ownershipLost(id, d.generation(), d.gatewayId());
                    }
                } else if (key.startsWith(Subjects.GATEWAY_PREFIX)) {
                    String id = Subjects.gatewayIdOf(key);
                    if (gone) {
                        gateways.remove(id);
                        return;
                    }
                    GatewayEntry g = codec.decode(new String(e.getValue(), StandardCharsets.UTF_8),
                            GatewayEntry.class, Integer.MAX_VALUE);
                    long seen = System.nanoTime();
                    if (!loaded.isDone()) {
                        // an entry from before this gateway watched: as old as the engine says it is
                        long ageNanos = Duration.between(e.getCreated().toInstant(), Instant.now()).toNanos();
                        seen -= Math.max(0, ageNanos);
                    }
                    gateways.put(id, new Gateway(g, seen));
                }
            } catch (Exception ex) {
                LOG.warn("cluster: skipping directory entry {}: {}", e.getKey(), ex.toString());
            }
        }

        @Override
        public void endOfData() {
            loaded.complete(null);
        }
    }
}
