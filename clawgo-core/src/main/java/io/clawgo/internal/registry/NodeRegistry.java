package io.clawgo.internal.registry;

import io.clawgo.internal.audit.Clipped;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.NodeInfo;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's node registry: every registered node and its liveness. What is kept on disk is {@link NodeStore}'s
 * job; what is audited is a listener's ({@link NodeAudit}).
 *
 * <p><b>Liveness.</b> {@link #upsert} and {@link #heartbeat} mark a node online and refresh its {@code lastSeenAt}.
 * A reaper thread ({@code clawgo-registry-reaper}, started by {@link #start}) marks online nodes offline when they
 * have not been heard from within the TTL, and removes offline nodes whose {@code lastSeenAt} is older than the
 * offline retention. {@code registeredAt}, {@code lastSeenAt} and {@code online} are owned by the registry: values a
 * node sends are ignored.
 *
 * <p><b>Ids.</b> Ids are trimmed and must be 1..128 characters of {@code A-Z a-z 0-9 . _ : -} ({@link #normalizeId}).
 *
 * <p><b>Registrations</b> must also pass the {@link RegistrationRules}: reserved ids, caps per field, a plain http(s)
 * endpoint, ids reserved by their per-node token, and a rate limit on changes per id. A registration that changes the
 * endpoint without giving a token drops the stored token: the old endpoint's secret never goes to a new endpoint.
 *
 * <p><b>Limit.</b> The registry holds at most {@code maxNodes} nodes, online and offline alike (an offline node still
 * costs memory and state-file space until the offline retention prunes it or it is deleted). {@link #upsert} of a new
 * id beyond the limit throws {@link NodeLimitException}; a known id always registers again. The check and the insert
 * are one atomic step, so concurrent registrations never exceed the limit. Nodes restored from the state file are
 * all kept, even above a limit that was lowered since; new ids are then refused until the count is below it.
 *
 * <p><b>Persistence.</b> With a data directory, the node set (tokens included) is kept in
 * {@code <dataDir>/nodes-state.json} by a {@link NodeStore}: the registry tells it what changed (membership and
 * fields, or only {@code lastSeenAt}) and it writes coalesced snapshots on the reaper thread; {@link #close} writes
 * what is left. Restored nodes are offline until they reconnect.
 *
 * <p><b>Events.</b> {@link Listener}s hear of liveness (online, offline, removed), of registrations, and of what a
 * record keeper needs besides (a stored registration, a heartbeat reviving a node, a delete, a prune): the gateway's
 * {@link NodeAudit} is such a listener.
 *
 * <p><b>Threads.</b> All methods are thread-safe. Each update is an atomic per-id {@code compute} on a concurrent map;
 * no lock is held during file I/O. {@link Listener}s are called on the calling thread (the reaper thread for TTL and
 * retention events) outside any lock, in the order they were added; an exception from a listener is logged and
 * ignored.
 */
public final class NodeRegistry implements NodeLookup, AutoCloseable {

    /** Notified of node liveness changes; every method has an empty default. */
    public interface Listener {
        /** {@code n} became online: it registered for the first time, or came back from offline. */
        default void onOnline(NodeInfo n) {
        }

        /** {@code n} went offline; {@code reason} is {@code "ttl"} for the reaper, else what the caller passed. */
        default void onOffline(NodeInfo n, String reason) {
        }

        /** The node was removed (deleted or pruned after the offline retention). */
        default void onRemoved(String id) {
        }

        /**
         * A registration was asked for with {@link #upsert}: {@code outcome} is {@code ok} when it was stored, else
         * the code it was refused with ({@code invalid_request}, {@code forbidden}, {@code rate_limited},
         * {@code too_many_nodes}). {@code id} is the trimmed id as asked (not necessarily valid).
         */
        default void onRegistration(String id, String outcome) {
        }

        /**
         * A registration was stored ({@link #upsert}); {@link #onOnline} follows when the node was not online.
         *
         * @param stored       the record as stored now
         * @param existed      whether the id was known before
         * @param tokenDropped whether the stored token was dropped because the endpoint changed without a new one
         */
        default void onStored(NodeInfo stored, boolean existed, boolean tokenDropped) {
        }

        /** A {@link #heartbeat} brought offline node {@code n} back; {@link #onOnline} follows. */
        default void onRevived(NodeInfo n) {
        }

        /** Node {@code id} was deleted with {@link #remove}; {@link #onRemoved} follows. */
        default void onDeleted(String id) {
        }

        /**
         * Node {@code id} was pruned, offline for longer than the offline retention; {@link #onRemoved} follows.
         *
         * @param lastSeen its last contact
         */
        default void onPruned(String id, Instant lastSeen) {
        }
    }

    /** The outcome of a stored registration, as {@link Listener#onRegistration} gets it. */
    public static final String REGISTRATION_OK = "ok";

    /** Reason given by the reaper when a node was not heard from within the TTL. */
    public static final String REASON_TTL = "ttl";

    static final String THREAD_NAME = "clawgo-registry-reaper";
    static final long MIN_TICK_MILLIS = 50;
    static final long MAX_TICK_MILLIS = 15_000;
    private static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private static final int MAX_ID_LENGTH = 128;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_ID_LENGTH + "}");
    private static final String ID_RULE = "node id must be 1..128 characters of A-Z a-z 0-9 . _ : -";

    private static final Logger LOG = LoggerFactory.getLogger(NodeRegistry.class);

    private final ConcurrentHashMap<String, NodeInfo> nodes = new ConcurrentHashMap<>();
    /** Entries of {@link #nodes}; changed only inside the per-id atomic step that adds or removes an entry. */
    private final AtomicInteger count = new AtomicInteger();
    private final int maxNodes;
    private final AtomicLong lastFullWarnNanos = new AtomicLong();
    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Duration ttl;
    private final Duration offlineRetention;
    private final Clock clock;
    private final long tickMillis;
    /** The state file, or {@code null} for an in-memory registry. */
    private final NodeStore store;
    /** Makes the reaper thread. */
    private final ThreadFactory threads;
    private final RegistrationRules rules;
    /** Change budgets (token buckets) of the ids that changed their registration; dropped with the node. */
    private final ConcurrentHashMap<String, ChangeBudget> budgets = new ConcurrentHashMap<>();
    private final AtomicLong lastLimitWarnNanos = new AtomicLong();

    private final Object lifecycle = new Object();
    private volatile ScheduledThreadPoolExecutor executor;
    private boolean started;
    private boolean closed;

    /**
     * A registry without a node limit.
     *
     * @param dataDir          where {@code nodes-state.json} lives, or {@code null} for an in-memory registry (nothing
     *                         written)
     * @param ttl              a node is online while heard from within this; positive
     * @param offlineRetention an offline node is removed once its last contact is older than this; not negative
     * @param clock            time source for {@code lastSeenAt}, {@code registeredAt}, TTL and retention
     */
    public NodeRegistry(Path dataDir, Duration ttl, Duration offlineRetention, Clock clock) {
        this(dataDir, ttl, offlineRetention, Integer.MAX_VALUE, clock);
    }

    /**
     * @param dataDir          where {@code nodes-state.json} lives, or {@code null} for an in-memory registry (nothing
     *                         written)
     * @param ttl              a node is online while heard from within this; positive
     * @param offlineRetention an offline node is removed once its last contact is older than this; not negative
     * @param maxNodes         most nodes held, online and offline; positive
     * @param clock            time source for {@code lastSeenAt}, {@code registeredAt}, TTL and retention
     */
    public NodeRegistry(Path dataDir, Duration ttl, Duration offlineRetention, int maxNodes, Clock clock) {
        this(dataDir, ttl, offlineRetention, maxNodes, RegistrationRules.NONE, clock, null);
    }

    /**
     * @param dataDir          where {@code nodes-state.json} lives, or {@code null} for an in-memory registry (nothing
     *                         written)
     * @param ttl              a node is online while heard from within this; positive
     * @param offlineRetention an offline node is removed once its last contact is older than this; not negative
     * @param maxNodes         most nodes held, online and offline; positive
     * @param rules            ids reserved by node tokens and the rate limit of changing registrations
     * @param clock            time source for {@code lastSeenAt}, {@code registeredAt}, TTL and retention
     * @param threads          makes the reaper thread, or {@code null} for a daemon thread named
     *                         {@code clawgo-registry-reaper}
     */
    public NodeRegistry(Path dataDir, Duration ttl, Duration offlineRetention, int maxNodes, RegistrationRules rules,
                        Clock clock, ThreadFactory threads) {
        this.rules = Objects.requireNonNull(rules, "rules");
        if (maxNodes <= 0) {
            throw new IllegalArgumentException("max nodes must be positive, got " + maxNodes);
        }
        this.maxNodes = maxNodes;
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.offlineRetention = Objects.requireNonNull(offlineRetention, "offlineRetention");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (ttl.isZero() || ttl.isNegative()) {
            throw new IllegalArgumentException("node ttl must be positive, got " + ttl);
        }
        if (offlineRetention.isNegative()) {
            throw new IllegalArgumentException("node offline retention must not be negative, got " + offlineRetention);
        }
        long quarter = ttl.dividedBy(4).toMillis();
        this.tickMillis = Math.max(MIN_TICK_MILLIS, Math.min(quarter, MAX_TICK_MILLIS));
        this.store = dataDir == null ? null : new NodeStore(dataDir, this::list);
        this.threads = threads != null ? threads : r -> {
            Thread t = new Thread(r, THREAD_NAME);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Trims {@code raw} and checks it is a valid node id.
     *
     * @return the trimmed id
     * @throws IllegalArgumentException when it is not 1..128 characters of {@code A-Z a-z 0-9 . _ : -}
     */
    public static String normalizeId(String raw) {
        String id = raw == null ? "" : raw.trim();
        if (id.isEmpty()) {
            throw new IllegalArgumentException("node id required: " + ID_RULE);
        }
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException(ID_RULE + (id.length() > MAX_ID_LENGTH
                    ? " (got " + id.length() + " characters)" : " (got '" + printable(id) + "')"));
        }
        return id;
    }

    /**
     * Loads the persisted nodes (all offline until they reconnect) and starts the reaper. Nodes registered before
     * {@code start} win over persisted ones with the same id. Calling it again is a no-op.
     *
     * @throws IllegalStateException after {@link #close}
     */
    public void start() {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("node registry is closed");
            }
            if (started) {
                return;
            }
            started = true;
            if (store != null) {
                restore();
            }
            ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, threads);
            ex.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            ex.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
            ex.setRemoveOnCancelPolicy(true);
            ex.scheduleWithFixedDelay(this::tick, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
            executor = ex;
            LOG.debug("node registry started (ttl {}, offline retention {}, reaper every {} ms, state {})", ttl,
                    offlineRetention, tickMillis, store == null ? "in memory" : store.file());
        }
        if (store != null) {
            store.start(executor); // writes what changed before start
        }
    }

    private void restore() {
        store.deleteStaleTemps();
        Instant now = clock.instant();
        int restored = 0;
        for (NodeInfo n : store.load(clock.millis())) {
            String id;
            try {
                id = normalizeId(n.id());
            } catch (IllegalArgumentException e) {
                LOG.warn("skipping persisted node with an invalid id: {}", e.getMessage());
                continue;
            }
            Instant seen = n.lastSeenAt() != null ? n.lastSeenAt() : now;
            Instant registered = n.registeredAt() != null ? n.registeredAt() : seen;
            NodeInfo offline = n.toBuilder().id(id).lastSeenAt(seen).registeredAt(registered).online(false).build();
            boolean[] added = new boolean[1];
            nodes.computeIfAbsent(id, k -> {
                count.incrementAndGet(); // restored nodes are kept even above the limit
                added[0] = true;
                return offline;
            });
            if (added[0]) {
                restored++;
            }
        }
        if (restored > 0) {
            LOG.info("restored {} node(s) from {} (offline until they reconnect)", restored, store.file());
        }
    }

    // --------------------------------------------------------------------------------------------------- updates

    /**
     * Registers or updates a node with the gateway token (or without auth): {@link #upsert(NodeInfo, String)} with no
     * principal.
     *
     * @return the stored record
     * @throws IllegalArgumentException when the id is invalid
     * @throws RegistrationRefusedException when a {@link RegistrationRules rule} refuses it
     * @throws NodeLimitException       when the id is new and the registry already holds {@code maxNodes} nodes
     */
    public NodeInfo upsert(NodeInfo info) {
        return upsert(info, null);
    }

    /**
     * Registers or updates a node. The id is trimmed and validated, then the registration is checked against the
     * {@link RegistrationRules}; {@code lastSeenAt} becomes now, {@code online} true, {@code registeredAt} is kept
     * from the existing record (now for a new node; the client's value is ignored). A blank endpoint keeps the stored
     * one; a blank token keeps the stored one only while the endpoint stays the same (a new endpoint never gets the old
     * endpoint's token). Every other field is replaced.
     *
     * @param principal the node id of the per-node token the registration came with, or {@code null} for the gateway
     *                  token or no auth (the caller has checked that a per-node token registers only its own id)
     * @return the stored record
     * @throws IllegalArgumentException     when the id is invalid
     * @throws RegistrationRefusedException when a {@link RegistrationRules rule} refuses it; nothing is changed
     * @throws NodeLimitException           when the id is new and the registry already holds {@code maxNodes} nodes
     */
    public NodeInfo upsert(NodeInfo info, String principal) {
        Objects.requireNonNull(info, "info");
        String asked = info.id() == null ? "" : info.id().trim();
        NodeInfo stored;
        try {
            stored = store(info, principal);
        } catch (RegistrationRefusedException e) {
            fire(l -> l.onRegistration(asked, e.code()));
            throw e;
        } catch (NodeLimitException e) {
            fire(l -> l.onRegistration(asked, e.code()));
            throw e;
        } catch (IllegalArgumentException e) {
            fire(l -> l.onRegistration(asked, ErrorCodes.INVALID_REQUEST));
            throw e;
        }
        fire(l -> l.onRegistration(stored.id(), REGISTRATION_OK));
        return stored;
    }

    /** {@link #upsert(NodeInfo, String)} without telling {@link Listener#onRegistration}. */
    private NodeInfo store(NodeInfo info, String principal) {
        String id = normalizeId(info.id());
        RegistrationRules.checkInfo(id, info);
        rules.checkPrincipal(id, principal);
        Instant now = clock.instant();
        NodeInfo[] before = new NodeInfo[1];
        boolean[] refused = new boolean[1];
        boolean[] tokenDropped = new boolean[1];
        long[] limitedNanos = new long[1];
        NodeInfo stored = nodes.compute(id, (k, old) -> {
            before[0] = old;
            NodeInfo.Builder b = info.toBuilder().id(id).lastSeenAt(now).online(true)
                    .registeredAt(old != null && old.registeredAt() != null ? old.registeredAt() : now);
            boolean endpointChanged = old != null && !isBlank(info.endpoint())
                    && !info.endpoint().trim().equals(old.endpoint() == null ? "" : old.endpoint().trim());
            if (isBlank(info.endpoint())) {
                b.endpoint(old != null ? old.endpoint() : null);
            }
            if (isBlank(info.token())) {
                // the stored token is the secret of the stored endpoint: it never follows the id to another one
                b.token(old != null && !endpointChanged ? old.token() : null);
                tokenDropped[0] = endpointChanged && old.token() != null;
            }
            NodeInfo next = b.build();
            if (old != null && !declared(old).equals(declared(next))) {
                long wait = takeChange(id);
                if (wait > 0) {
                    limitedNanos[0] = wait;
                    tokenDropped[0] = false;
                    return old; // refused: the record stays as it was, liveness included
                }
            }
            // the slot is taken last, once nothing can throw: the count and the map change together
            if (old == null && !reserveSlot()) {
                refused[0] = true;
                return null; // no entry is created
            }
            return next;
        });
        if (refused[0]) {
            warnFull(id);
            throw new NodeLimitException(maxNodes);
        }
        if (limitedNanos[0] > 0) {
            throw rateLimited(id, limitedNanos[0]);
        }
        NodeInfo old = before[0];
        boolean existed = old != null;
        if (existed && stored.equals(old.toBuilder().lastSeenAt(now).build())) {
            markSeenDirty();
        } else {
            markStateDirty();
        }
        boolean dropped = tokenDropped[0];
        fire(l -> l.onStored(stored, existed, dropped));
        LOG.debug("node {} {} (endpoint {}, version {})", id, existed ? "updated" : "registered",
                Clipped.forLog(stored.endpoint()), Clipped.forLog(stored.version()));
        if (old == null || !old.online()) {
            fire(l -> l.onOnline(stored));
        }
        return stored;
    }

    /**
     * Checks that {@code principal} may act as node {@code id}: an id with its own node token is refused to the
     * gateway token (and to no auth).
     *
     * @param id        the node id
     * @param principal the node id of the per-node token used, or {@code null}
     * @throws RegistrationRefusedException with code {@code forbidden} when refused
     */
    public void checkPrincipal(String id, String principal) {
        rules.checkPrincipal(id == null ? "" : id.trim(), principal);
    }

    /** The fields a node declares: everything but the liveness fields the registry owns. */
    private static NodeInfo declared(NodeInfo n) {
        return n.toBuilder().registeredAt(null).lastSeenAt(null).online(false).build();
    }

    /** A token bucket of registration changes for one id. */
    private static final class ChangeBudget {
        private double tokens;
        private long atNanos;

        ChangeBudget(double tokens, long atNanos) {
            this.tokens = tokens;
            this.atNanos = atNanos;
        }
    }

    /** Takes one change from {@code id}'s budget: 0 when taken, else the nanoseconds until one is available. */
    private long takeChange(String id) {
        int perMinute = rules.changesPerMinute();
        if (perMinute == Integer.MAX_VALUE) {
            return 0;
        }
        long now = System.nanoTime();
        ChangeBudget b = budgets.computeIfAbsent(id, k -> new ChangeBudget(perMinute, now));
        double perNano = perMinute / (double) TimeUnit.MINUTES.toNanos(1);
        synchronized (b) {
            b.tokens = Math.min(perMinute, b.tokens + (now - b.atNanos) * perNano);
            b.atNanos = now;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - b.tokens) / perNano));
        }
    }

    private RegistrationRefusedException rateLimited(String id, long waitNanos) {
        long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(waitNanos + 999_999_999L));
        String msg = "node " + id + " changed its registration more than " + rules.changesPerMinute()
                + " times in a minute (gateway.nodes.max_register_changes_per_min); retry in " + seconds + " s";
        long now = System.nanoTime();
        long last = lastLimitWarnNanos.get();
        if ((last == 0 || now - last >= WARN_INTERVAL_NANOS) && lastLimitWarnNanos.compareAndSet(last, now | 1L)) {
            LOG.warn("{} (further refusals within a minute are logged at DEBUG)", msg);
        } else {
            LOG.debug(msg);
        }
        return new RegistrationRefusedException(io.clawgo.protocol.ErrorCodes.RATE_LIMITED, 429, seconds, msg);
    }

    /**
     * Refreshes {@code lastSeenAt} and marks a known node online. No event unless the node was offline.
     *
     * @return the stored record, or empty when the node is unknown (it must register first)
     */
    public Optional<NodeInfo> heartbeat(String id) {
        String key = lookupKey(id);
        if (key == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        boolean[] revived = new boolean[1];
        NodeInfo stored = nodes.computeIfPresent(key, (k, old) -> {
            revived[0] = !old.online();
            return old.toBuilder().lastSeenAt(now).online(true).build();
        });
        if (stored == null) {
            return Optional.empty();
        }
        if (revived[0]) {
            markStateDirty();
            fire(l -> l.onRevived(stored));
            fire(l -> l.onOnline(stored));
        } else {
            markSeenDirty();
        }
        return Optional.of(stored);
    }

    /**
     * Refreshes {@code lastSeenAt} of a node that is online; unlike {@link #heartbeat}, never marks an offline node
     * online. For the frames of a control socket: while a socket is bound its node is online, so an offline node
     * means the gateway is retiring that socket (at the TTL), and a frame still on its way must not revive the node.
     *
     * @return the stored record, or empty when the node is unknown or offline
     */
    public Optional<NodeInfo> touch(String id) {
        String key = lookupKey(id);
        if (key == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        NodeInfo stored = nodes.computeIfPresent(key, (k, old) ->
                old.online() ? old.toBuilder().lastSeenAt(now).build() : old);
        if (stored == null || !stored.online()) {
            return Optional.empty();
        }
        markSeenDirty();
        return Optional.of(stored);
    }

    /**
     * Marks a node offline (for example when its control connection closed).
     *
     * @return false when the node is unknown or already offline
     */
    public boolean markOffline(String id, String reason) {
        String key = lookupKey(id);
        if (key == null) {
            return false;
        }
        NodeInfo[] changed = new NodeInfo[1];
        nodes.computeIfPresent(key, (k, old) -> {
            if (!old.online()) {
                return old;
            }
            changed[0] = old.toBuilder().online(false).build();
            return changed[0];
        });
        NodeInfo n = changed[0];
        if (n == null) {
            return false;
        }
        String why = reason == null || reason.isBlank() ? "unspecified" : reason;
        wentOffline(n, why);
        return true;
    }

    /**
     * Deletes a node.
     *
     * @return false when the node is unknown
     */
    public boolean remove(String id) {
        String key = lookupKey(id);
        if (key == null) {
            return false;
        }
        boolean[] removed = new boolean[1];
        nodes.computeIfPresent(key, (k, old) -> {
            count.decrementAndGet();
            removed[0] = true;
            return null;
        });
        if (!removed[0]) {
            return false;
        }
        budgets.remove(key);
        markStateDirty();
        fire(l -> l.onDeleted(key));
        LOG.info("node {} deleted", key);
        fire(l -> l.onRemoved(key));
        return true;
    }

    // ----------------------------------------------------------------------------------------------------- reads

    /** The node with this id (trimmed). */
    @Override
    public Optional<NodeInfo> get(String id) {
        String key = lookupKey(id);
        return key == null ? Optional.empty() : Optional.ofNullable(nodes.get(key));
    }

    /** Every node, sorted by id. */
    @Override
    public List<NodeInfo> list() {
        List<NodeInfo> out = new ArrayList<>(nodes.values());
        out.sort(Comparator.comparing(NodeInfo::id));
        return out;
    }

    /** How many nodes are registered, online or not. */
    public int size() {
        return nodes.size();
    }

    /** The most nodes this registry holds, online and offline. */
    public int maxNodes() {
        return maxNodes;
    }

    /** How many nodes are online. */
    public int onlineCount() {
        int n = 0;
        for (NodeInfo info : nodes.values()) {
            if (info.online()) {
                n++;
            }
        }
        return n;
    }

    /** The TTL after which a silent node is offline. */
    public Duration ttl() {
        return ttl;
    }

    public void addListener(Listener l) {
        listeners.add(Objects.requireNonNull(l, "listener"));
    }

    public void removeListener(Listener l) {
        listeners.remove(l);
    }

    // ---------------------------------------------------------------------------------------------------- reaper

    private void tick() {
        try {
            reap();
            if (store != null) {
                store.tick();
            }
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            LOG.warn("node registry reaper tick failed", t);
        }
    }

    /** One reaper pass: TTL offlining, then retention pruning. Package-private for tests. */
    void reap() {
        Instant now = clock.instant();
        Instant offlineCutoff = now.minus(ttl);
        Instant pruneCutoff = now.minus(offlineRetention);
        for (NodeInfo seen : nodes.values()) {
            if (seen.online()) {
                if (lastSeen(seen).isBefore(offlineCutoff)) {
                    NodeInfo[] changed = new NodeInfo[1];
                    nodes.computeIfPresent(seen.id(), (k, cur) -> {
                        if (cur.online() && lastSeen(cur).isBefore(offlineCutoff)) {
                            changed[0] = cur.toBuilder().online(false).build();
                            return changed[0];
                        }
                        return cur;
                    });
                    if (changed[0] != null) {
                        wentOffline(changed[0], REASON_TTL);
                    }
                }
            } else if (lastSeen(seen).isBefore(pruneCutoff)) {
                boolean[] pruned = new boolean[1];
                nodes.computeIfPresent(seen.id(), (k, cur) -> {
                    if (!cur.online() && lastSeen(cur).isBefore(pruneCutoff)) {
                        count.decrementAndGet();
                        pruned[0] = true;
                        return null;
                    }
                    return cur;
                });
                if (pruned[0]) {
                    String id = seen.id();
                    Instant last = lastSeen(seen);
                    budgets.remove(id);
                    markStateDirty();
                    fire(l -> l.onPruned(id, last));
                    LOG.info("node {} pruned: offline for longer than {}", id, offlineRetention);
                    fire(l -> l.onRemoved(id));
                }
            }
        }
    }

    /** One WARN a minute at most while new ids are refused, DEBUG for the others. */
    private void warnFull(String id) {
        long now = System.nanoTime();
        long last = lastFullWarnNanos.get();
        if ((last == 0 || now - last >= WARN_INTERVAL_NANOS) && lastFullWarnNanos.compareAndSet(last, now | 1L)) {
            LOG.warn("node registry full ({} of gateway.max_nodes {}): refusing new node {} with too_many_nodes "
                    + "(known nodes still register; delete offline nodes or raise the limit)", count.get(), maxNodes,
                    id);
        } else {
            LOG.debug("node {} refused: the registry holds its maximum of {} nodes", id, maxNodes);
        }
    }

    /** Takes one slot of the limit, atomically; false when none is left. */
    private boolean reserveSlot() {
        while (true) {
            int n = count.get();
            if (n >= maxNodes) {
                return false;
            }
            if (count.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    private void wentOffline(NodeInfo n, String reason) {
        markStateDirty();
        LOG.info("node {} offline ({})", n.id(), reason);
        fire(l -> l.onOffline(n, reason));
    }

    private static Instant lastSeen(NodeInfo n) {
        return n.lastSeenAt() != null ? n.lastSeenAt() : Instant.EPOCH;
    }

    // ------------------------------------------------------------------------------------------------ persistence

    private void markStateDirty() {
        if (store != null) {
            store.stateChanged();
        }
    }

    private void markSeenDirty() {
        if (store != null) {
            store.seenChanged();
        }
    }

    // -------------------------------------------------------------------------------------------------- lifecycle

    /** Stops the reaper and writes what is not yet on disk. Idempotent. */
    @Override
    public void close() {
        ScheduledThreadPoolExecutor ex;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            ex = executor;
            executor = null;
        }
        if (ex != null) {
            ex.shutdown();
            try {
                if (!ex.awaitTermination(5, TimeUnit.SECONDS)) {
                    ex.shutdownNow();
                    if (!ex.awaitTermination(2, TimeUnit.SECONDS)) {
                        LOG.warn("node registry reaper did not stop within 7 s");
                    }
                }
            } catch (InterruptedException e) {
                ex.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        if (store != null) {
            store.flush();
        }
    }

    // ---------------------------------------------------------------------------------------------------- helpers

    private void fire(Consumer<Listener> call) {
        for (Listener l : listeners) {
            try {
                call.accept(l);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                LOG.warn("node registry listener {} failed", l.getClass().getName(), t);
            }
        }
    }

    /** The map key for a lookup: the trimmed id, or null when it cannot be a valid id. */
    private static String lookupKey(String id) {
        if (id == null) {
            return null;
        }
        String key = id.trim();
        return key.isEmpty() || key.length() > MAX_ID_LENGTH ? null : key;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    private static String printable(String id) {
        StringBuilder sb = new StringBuilder(id.length());
        id.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", c));
            } else {
                sb.append(Character.toChars(c));
            }
        });
        return sb.toString();
    }
}
