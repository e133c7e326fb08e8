package io.clawgo.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.clawgo.protocol.Capabilities;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.WireCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeRegistryTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static final Duration LONG = Duration.ofHours(1);
    private static final Duration SHORT_TTL = Duration.ofMillis(200);

    @TempDir
    Path dir;

    /** A clock that only moves when told to. */
    static final class MutableClock extends Clock {
        private final AtomicReference<Instant> now;

        MutableClock(Instant start) {
            this.now = new AtomicReference<>(start);
        }

        void advance(Duration d) {
            now.updateAndGet(t -> t.plus(d));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    /** Records listener calls. */
    static final class Events implements NodeRegistry.Listener {
        final BlockingQueue<String> log = new LinkedBlockingQueue<>();
        final Map<String, AtomicInteger> online = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> offline = new ConcurrentHashMap<>();

        @Override
        public void onOnline(NodeInfo n) {
            online.computeIfAbsent(n.id(), k -> new AtomicInteger()).incrementAndGet();
            log.add("online:" + n.id());
        }

        @Override
        public void onOffline(NodeInfo n, String reason) {
            offline.computeIfAbsent(n.id(), k -> new AtomicInteger()).incrementAndGet();
            log.add("offline:" + n.id() + ":" + reason + ":" + n.online());
        }

        @Override
        public void onRemoved(String id) {
            log.add("removed:" + id);
        }

        String next() throws InterruptedException {
            String e = log.poll(5, TimeUnit.SECONDS);
            assertThat(e).as("listener event within 5 s").isNotNull();
            return e;
        }
    }

    private static NodeInfo node(String id) {
        return NodeInfo.builder(id).name("name-" + id).os("linux").arch("amd64").version("1.0")
                .endpoint("http://127.0.0.1:9/" + id.trim()).token("secret-token-" + id).capabilities(Capabilities.DEFAULT)
                .build();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("timed out waiting for " + what).isNegative();
            Thread.sleep(10);
        }
    }

    private Path stateFile() {
        return dir.resolve("nodes-state.json");
    }

    private static List<NodeInfo> readState(Path file) throws Exception {
        JsonArray array = JsonParser.parseString(Files.readString(file)).getAsJsonArray();
        List<NodeInfo> out = new ArrayList<>();
        for (JsonElement el : array) {
            out.add(WireCodec.get().decode(el.toString(), NodeInfo.class, Integer.MAX_VALUE));
        }
        return out;
    }

    /** The node audit listening to {@code r}, in memory, as the gateway attaches it (before other listeners). */
    private static NodeAudit audit(NodeRegistry r, Clock clock) {
        NodeAudit audit = new NodeAudit(null, 1 << 20, clock);
        r.addListener(audit);
        return audit;
    }

    private static List<String> events(NodeAudit audit) {
        return audit.recent(1_000).stream().map(e -> e.get("event") + ":" + e.get("node"))
                .collect(Collectors.toList());
    }

    @Test
    void upsertKeepsRegisteredAtAndRefreshesLastSeen() {
        MutableClock clock = new MutableClock(T0);
        try (NodeRegistry r = new NodeRegistry(null, LONG, LONG, clock)) {
            NodeAudit audit = audit(r, clock);
            NodeInfo sent = node("n1").toBuilder().registeredAt(Instant.parse("2001-01-01T00:00:00Z"))
                    .lastSeenAt(Instant.parse("2001-01-01T00:00:00Z")).online(false).build();
            NodeInfo first = r.upsert(sent);
            assertThat(first.registeredAt()).as("client registered_at ignored").isEqualTo(T0);
            assertThat(first.lastSeenAt()).isEqualTo(T0);
            assertThat(first.online()).isTrue();

            clock.advance(Duration.ofSeconds(5));
            NodeInfo second = r.upsert(node("n1").toBuilder().name("renamed")
                    .registeredAt(Instant.parse("2099-01-01T00:00:00Z")).build());
            assertThat(second.registeredAt()).isEqualTo(T0);
            assertThat(second.lastSeenAt()).isEqualTo(T0.plusSeconds(5));
            assertThat(second.name()).isEqualTo("renamed");
            assertThat(r.get("n1")).contains(second);
            assertThat(r.get("  n1 ")).as("lookups trim the id").contains(second);

            Map<String, Object> last = audit.recent(1).get(0);
            assertThat(last).containsEntry("event", "upsert").containsEntry("node", "n1")
                    .containsEntry("existed", true).containsEntry("version", "1.0")
                    .containsEntry("endpoint", "http://127.0.0.1:9/n1").containsEntry("time", "2030-01-01T00:00:05Z");
            assertThat(audit.recent(10).get(1)).containsEntry("existed", false);
            assertThat(audit.recent(10).toString()).doesNotContain("secret-token");
        }
    }

    @Test
    void blankEndpointAndTokenKeepTheStoredOnesWhileOtherFieldsAreReplaced() {
        try (NodeRegistry r = new NodeRegistry(null, LONG, LONG, new MutableClock(T0))) {
            r.upsert(node("n1").toBuilder().tags(List.of("gpu")).actions(List.of("run")).build());
            NodeInfo updated = r.upsert(NodeInfo.builder("n1").endpoint("   ").token(null).version("2.0").build());
            assertThat(updated.endpoint()).isEqualTo("http://127.0.0.1:9/n1");
            assertThat(updated.token()).isEqualTo("secret-token-n1");
            assertThat(updated.version()).isEqualTo("2.0");
            assertThat(updated.name()).isNull();
            assertThat(updated.tags()).isEmpty();
            assertThat(updated.actions()).isEmpty();

            NodeInfo moved = r.upsert(NodeInfo.builder("n1").endpoint("http://10.0.0.2:1").token("t2").build());
            assertThat(moved.endpoint()).isEqualTo("http://10.0.0.2:1");
            assertThat(moved.token()).isEqualTo("t2");
        }
    }

    @Test
    void invalidIdsAreRejectedAndValidOnesTrimmed() {
        try (NodeRegistry r = new NodeRegistry(null, LONG, LONG, new MutableClock(T0))) {
            for (String bad : new String[] {null, "", "   ", "a b", "a/b", "node\n1", "ünï", "x".repeat(129)}) {
                assertThatThrownBy(() -> r.upsert(NodeInfo.builder(bad).build()))
                        .as("id %s", bad)
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("node id must be 1..128 characters of A-Z a-z 0-9 . _ : -");
            }
            assertThat(r.size()).isZero();

            NodeInfo trimmed = r.upsert(node("  edge-01.lab:a_b  "));
            assertThat(trimmed.id()).isEqualTo("edge-01.lab:a_b");
            assertThat(r.get("edge-01.lab:a_b")).isPresent();
            String max = "A".repeat(128);
            assertThat(r.upsert(node(max)).id()).isEqualTo(max);
            assertThat(r.size()).isEqualTo(2);
            assertThat(NodeRegistry.normalizeId(" x ")).isEqualTo("x");
        }
    }

    @Test
    void heartbeatRefreshesKnownNodesOnlyAndWritesNoAuditLine() throws Exception {
        MutableClock clock = new MutableClock(T0);
        Events ev = new Events();
        try (NodeRegistry r = new NodeRegistry(null, LONG, LONG, clock)) {
            NodeAudit audit = audit(r, clock);
            r.addListener(ev);
            assertThat(r.heartbeat("ghost")).isEmpty();
            assertThat(r.heartbeat(null)).isEmpty();
            r.upsert(node("n1"));
            assertThat(ev.next()).isEqualTo("online:n1");
            int auditLines = audit.recent(1_000).size();

            clock.advance(Duration.ofSeconds(3));
            assertThat(r.heartbeat("n1")).hasValueSatisfying(n -> {
                assertThat(n.lastSeenAt()).isEqualTo(T0.plusSeconds(3));
                assertThat(n.registeredAt()).isEqualTo(T0);
                assertThat(n.online()).isTrue();
            });
            assertThat(audit.recent(1_000)).hasSize(auditLines);
            assertThat(ev.log).as("no event for a heartbeat of an online node").isEmpty();

            assertThat(r.markOffline("n1", "disconnect")).isTrue();
            assertThat(ev.next()).isEqualTo("offline:n1:disconnect:false");
            assertThat(r.heartbeat("n1")).hasValueSatisfying(n -> assertThat(n.online()).isTrue());
            assertThat(ev.next()).as("a heartbeat revives an offline node").isEqualTo("online:n1");
            assertThat(events(audit)).startsWith("online:n1", "offline:n1");
        }
    }

    @Test
    void markOfflineAndRemoveReportWhetherAnythingChanged() throws Exception {
        Events ev = new Events();
        try (NodeRegistry r = new NodeRegistry(null, LONG, LONG, new MutableClock(T0))) {
            NodeAudit audit = audit(r, Clock.systemUTC());
            r.addListener(ev);
            r.upsert(node("n1"));
            assertThat(ev.next()).isEqualTo("online:n1");
            r.upsert(node("n1"));
            assertThat(ev.log).as("no onOnline for an already online node").isEmpty();

            assertThat(r.markOffline("unknown", "x")).isFalse();
            assertThat(r.markOffline("n1", "socket closed")).isTrue();
            assertThat(r.markOffline("n1", "socket closed")).as("already offline").isFalse();
            assertThat(ev.next()).isEqualTo("offline:n1:socket closed:false");
            assertThat(r.get("n1")).hasValueSatisfying(n -> assertThat(n.online()).isFalse());
            assertThat(r.size()).isEqualTo(1);
            assertThat(r.onlineCount()).isZero();
            assertThat(audit.recent(1).get(0)).containsEntry("event", "offline")
                    .containsEntry("reason", "socket closed");

            r.upsert(node("n1"));
            assertThat(ev.next()).as("re-registering an offline node").isEqualTo("online:n1");

            assertThat(r.remove("unknown")).isFalse();
            assertThat(r.remove("n1")).isTrue();
            assertThat(r.remove("n1")).isFalse();
            assertThat(ev.next()).isEqualTo("removed:n1");
            assertThat(r.get("n1")).isEmpty();
            assertThat(audit.recent(1).get(0)).containsEntry("event", "delete").containsEntry("node", "n1");
        }
    }

    @Test
    void ttlReaperMarksSilentNodesOfflineAndFiresTheListener() throws Exception {
        MutableClock clock = new MutableClock(T0);
        Events ev = new Events();
        try (NodeRegistry r = new NodeRegistry(null, SHORT_TTL, LONG, clock)) {
            NodeAudit audit = audit(r, clock);
            r.addListener(ev);
            r.start();
            r.upsert(node("quiet"));
            r.upsert(node("chatty"));
            assertThat(ev.next()).startsWith("online:");
            assertThat(ev.next()).startsWith("online:");
            Thread.sleep(150); // several reaper ticks with the clock frozen: nothing happens
            assertThat(r.onlineCount()).isEqualTo(2);

            clock.advance(Duration.ofMillis(150));
            r.heartbeat("chatty");
            clock.advance(Duration.ofMillis(100)); // quiet: 250 ms silent > ttl; chatty: 100 ms
            assertThat(ev.next()).isEqualTo("offline:quiet:ttl:false");
            assertThat(r.get("quiet")).hasValueSatisfying(n -> assertThat(n.online()).isFalse());
            assertThat(r.get("chatty")).hasValueSatisfying(n -> assertThat(n.online()).isTrue());
            assertThat(r.onlineCount()).isEqualTo(1);
            assertThat(r.size()).as("offline nodes stay listed").isEqualTo(2);
            Map<String, Object> line = audit.recent(1).get(0);
            assertThat(line).containsEntry("event", "offline").containsEntry("node", "quiet")
                    .containsEntry("reason", "ttl");
        }
    }

    @Test
    void offlineNodesArePrunedAfterTheRetention() throws Exception {
        MutableClock clock = new MutableClock(T0);
        Events ev = new Events();
        try (NodeRegistry r = new NodeRegistry(null, SHORT_TTL, Duration.ofSeconds(10), clock)) {
            NodeAudit audit = audit(r, clock);
            r.addListener(ev);
            r.start();
            r.upsert(node("old"));
            assertThat(ev.next()).isEqualTo("online:old");
            clock.advance(Duration.ofSeconds(1));
            assertThat(ev.next()).isEqualTo("offline:old:ttl:false");
            r.upsert(node("young"));
            assertThat(ev.next()).isEqualTo("online:young");
            r.markOffline("young", "bye");
            assertThat(ev.next()).isEqualTo("offline:young:bye:false");

            clock.advance(Duration.ofSeconds(9) .plusMillis(500)); // old: 10.5 s since last seen; young: 9.5 s
            assertThat(ev.next()).isEqualTo("removed:old");
            await("old pruned", () -> r.get("old").isEmpty());
            assertThat(r.get("young")).as("within the retention").isPresent();
            assertThat(audit.recent(1).get(0)).containsEntry("event", "pruned").containsEntry("node", "old");

            clock.advance(Duration.ofSeconds(1));
            assertThat(ev.next()).isEqualTo("removed:young");
            assertThat(r.size()).isZero();
        }
    }

    @Test
    void listIsSortedById() {
        try (NodeRegistry r = new NodeRegistry(null, LONG, LONG, new MutableClock(T0))) {
            for (String id : List.of("m", "b", "z", "a-1", "A", "a", "0")) {
                r.upsert(node(id));
            }
            r.markOffline("z", "test");
            assertThat(r.list()).extracting(NodeInfo::id).containsExactly("0", "A", "a", "a-1", "b", "m", "z");
            assertThat(r.size()).isEqualTo(7);
            assertThat(r.onlineCount()).isEqualTo(6);
        }
    }

    @Test
    void stateSurvivesARestartWithNodesOfflineAndTokensKeptInAnOwnerOnlyFile() throws Exception {
        MutableClock clock = new MutableClock(T0);
        try (NodeRegistry r = new NodeRegistry(dir, LONG, LONG, clock)) {
            r.start();
            r.upsert(node("n1"));
            clock.advance(Duration.ofSeconds(2));
            r.upsert(node("n2").toBuilder().agents(List.of()).models(List.of("m1")).build());
            clock.advance(Duration.ofSeconds(2));
            r.heartbeat("n1");
        }
        Path state = stateFile();
        assertThat(state).exists();
        String text = Files.readString(state);
        assertThat(text).contains("secret-token-n1", "secret-token-n2");
        if (state.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state))).isEqualTo("rw-------");
        }
        assertThat(readState(state)).extracting(NodeInfo::id).containsExactly("n1", "n2");
        assertThat(readState(state).get(0).lastSeenAt()).as("close flushes heartbeats").isEqualTo(T0.plusSeconds(4));

        clock.advance(Duration.ofMinutes(5));
        Events ev = new Events();
        try (NodeRegistry r = new NodeRegistry(dir, LONG, LONG, clock)) {
            r.addListener(ev);
            r.start();
            assertThat(r.list()).extracting(NodeInfo::id).containsExactly("n1", "n2");
            assertThat(r.onlineCount()).isZero();
            NodeInfo n1 = r.get("n1").orElseThrow();
            assertThat(n1.online()).isFalse();
            assertThat(n1.token()).isEqualTo("secret-token-n1");
            assertThat(n1.registeredAt()).isEqualTo(T0);
            assertThat(n1.lastSeenAt()).isEqualTo(T0.plusSeconds(4));
            assertThat(r.get("n2").orElseThrow().models()).containsExactly("m1");

            // A restored node reconnecting with a blank token keeps the persisted one and its registered_at.
            NodeInfo back = r.upsert(NodeInfo.builder("n1").version("1.1").build());
            assertThat(back.online()).isTrue();
            assertThat(back.token()).isEqualTo("secret-token-n1");
            assertThat(back.registeredAt()).isEqualTo(T0);
            assertThat(ev.next()).isEqualTo("online:n1");
        }
    }

    @Test
    void changesAreWrittenSoonWithoutCloseButHeartbeatsAreNotWrittenEachTime() throws Exception {
        MutableClock clock = new MutableClock(T0);
        try (NodeRegistry r = new NodeRegistry(dir, LONG, LONG, clock)) {
            r.start();
            r.upsert(node("n1"));
            await("state written", () -> Files.exists(stateFile()));
            assertThat(readState(stateFile())).extracting(NodeInfo::id).containsExactly("n1");

            r.upsert(node("n2"));
            await("second node written", () -> {
                try {
                    return readState(stateFile()).size() == 2;
                } catch (Exception e) {
                    return false;
                }
            });

            String before = Files.readString(stateFile());
            clock.advance(Duration.ofSeconds(1));
            for (int i = 0; i < 50; i++) {
                r.heartbeat("n1");
                r.upsert(node("n2")); // only lastSeenAt changes
            }
            Thread.sleep(600); // > 2 coalescing windows
            assertThat(Files.readString(stateFile())).as("lastSeenAt-only changes are not written at once")
                    .isEqualTo(before);

            r.markOffline("n2", "test");
            await("offline written", () -> {
                try {
                    return !readState(stateFile()).get(1).online();
                } catch (Exception e) {
                    return false;
                }
            });
            assertThat(readState(stateFile()).get(0).lastSeenAt())
                    .as("a later write carries the newest lastSeenAt too").isEqualTo(T0.plusSeconds(1));
        }
    }

    @Test
    void writesAreAtomicAndLeaveNoTemporaryFiles() throws Exception {
        Files.writeString(dir.resolve("nodes-state.json.123.tmp"), "left over by a crash");
        try (NodeRegistry r = new NodeRegistry(dir, LONG, LONG, Clock.systemUTC())) {
            r.start();
            assertThat(dir.resolve("nodes-state.json.123.tmp")).as("stale temp cleaned at start").doesNotExist();
            for (int i = 0; i < 200; i++) {
                r.upsert(node("n" + (i % 20)).toBuilder().version("v" + i).build());
                if (i % 40 == 0) {
                    Thread.sleep(60);
                }
            }
            await("state written", () -> Files.exists(stateFile()));
            // Every observable version of the file is complete JSON.
            for (int i = 0; i < 20; i++) {
                assertThat(readState(stateFile())).isNotEmpty();
                Thread.sleep(5);
            }
        }
        assertThat(readState(stateFile())).hasSize(20).allSatisfy(n -> assertThat(n.online()).isTrue());
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("nodes-state.json");
        }
    }

    @Test
    void corruptStateFileIsMovedAsideAndTheRegistryStartsEmpty() throws Exception {
        MutableClock clock = new MutableClock(T0);
        Files.writeString(stateFile(), "[{\"id\":\"n1\",\"token\":\"t\"}, garbage");
        try (NodeRegistry r = new NodeRegistry(dir, LONG, LONG, clock)) {
            assertThatCode(r::start).doesNotThrowAnyException();
            assertThat(r.size()).isZero();
            Path aside = dir.resolve("nodes-state.json.corrupt-" + T0.toEpochMilli());
            assertThat(aside).exists();
            assertThat(Files.readString(aside)).startsWith("[{\"id\":\"n1\"");
            assertThat(stateFile()).doesNotExist();
            r.upsert(node("fresh"));
        }
        assertThat(readState(stateFile())).extracting(NodeInfo::id).containsExactly("fresh");

        // Valid JSON of the wrong shape is corrupt too; a bad entry inside a valid array is only skipped.
        Files.writeString(stateFile(), "{\"id\":\"n1\"}");
        clock.advance(Duration.ofMillis(1));
        try (NodeRegistry r = new NodeRegistry(dir, LONG, LONG, clock)) {
            r.start();
            assertThat(r.size()).isZero();
            assertThat(dir.resolve("nodes-state.json.corrupt-" + (T0.toEpochMilli() + 1))).exists();
        }
        Files.writeString(stateFile(), "[{\"id\":\"ok\"},{\"id\":\"bad id!\"},{\"id\":\"x\",\"registered_at\":\"nope\"},"
                + "{\"id\":\"ok2\",\"online\":true}]");
        try (NodeRegistry r = new NodeRegistry(dir, LONG, LONG, clock)) {
            r.start();
            assertThat(r.list()).extracting(NodeInfo::id).containsExactly("ok", "ok2");
            assertThat(r.onlineCount()).as("restored nodes are offline").isZero();
            assertThat(r.get("ok").orElseThrow().lastSeenAt()).as("missing last_seen_at = load time").isNotNull();
        }
    }

    @Test
    void aStateFileThatCannotBeReadIsMovedAsideNotOverwrittenByTheNextWrite() throws Exception {
        byte[] notUtf8 = {'[', '{', '"', 'i', 'd', '"', ':', '"', (byte) 0xff, (byte) 0xfe, '"', '}', ']'};
        Files.write(stateFile(), notUtf8);
        try (NodeRegistry r = new NodeRegistry(dir, LONG, LONG, new MutableClock(T0))) {
            assertThatCode(r::start).doesNotThrowAnyException();
            assertThat(r.size()).isZero();
            r.upsert(node("fresh"));
        }
        assertThat(readState(stateFile())).extracting(NodeInfo::id).containsExactly("fresh");
        Path aside = dir.resolve("nodes-state.json.corrupt-" + T0.toEpochMilli());
        assertThat(aside).as("kept for the operator").exists();
        assertThat(Files.readAllBytes(aside)).isEqualTo(notUtf8);
    }

    @Test
    void aThrowingListenerDoesNotBreakTheRegistryOrOtherListeners() throws Exception {
        Events ev = new Events();
        try (NodeRegistry r = new NodeRegistry(null, LONG, LONG, new MutableClock(T0))) {
            r.addListener(new NodeRegistry.Listener() {
                @Override
                public void onOnline(NodeInfo n) {
                    throw new IllegalStateException("boom");
                }

                @Override
                public void onRemoved(String id) {
                    throw new AssertionError("boom");
                }
            });
            r.addListener(ev);
            assertThat(r.upsert(node("n1")).online()).isTrue();
            assertThat(ev.next()).isEqualTo("online:n1");
            assertThat(r.remove("n1")).isTrue();
            assertThat(ev.next()).isEqualTo("removed:n1");
            assertThat(r.size()).isZero();
        }
    }

    @Test
    void concurrentMixedUpdatesLeaveTheRegistryConsistent() throws Exception {
        int threads = 16;
        int opsPerThread = 2_000;
        int ids = 50;
        Events ev = new Events();
        Set<String> upserted = ConcurrentHashMap.newKeySet();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        try (NodeRegistry r = new NodeRegistry(dir, LONG, LONG, Clock.systemUTC())) {
            r.addListener(ev);
            r.start();
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (int i = 0; i < opsPerThread; i++) {
                        String id = "node-" + rnd.nextInt(ids);
                        try {
                            switch (rnd.nextInt(4)) {
                                case 0 -> {
                                    r.upsert(node(id).toBuilder().version("v" + rnd.nextInt(3))
                                            .token(rnd.nextBoolean() ? "" : "secret-token-" + id).build());
                                    upserted.add(id);
                                }
                                case 1 -> r.heartbeat(id);
                                case 2 -> r.markOffline(id, "race");
                                default -> {
                                    List<NodeInfo> list = r.list();
                                    for (int k = 1; k < list.size(); k++) {
                                        if (list.get(k - 1).id().compareTo(list.get(k).id()) >= 0) {
                                            throw new AssertionError("list not sorted: " + list);
                                        }
                                    }
                                }
                            }
                        } catch (Throwable e) {
                            errors.add(e);
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertThat(errors).isEmpty();
            assertThat(upserted).hasSize(ids);
            assertThat(r.size()).isEqualTo(ids);
            List<NodeInfo> list = r.list();
            assertThat(list).extracting(NodeInfo::id).isSorted().doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(upserted);
            long online = list.stream().filter(NodeInfo::online).count();
            assertThat(r.onlineCount()).isEqualTo((int) online);
            for (NodeInfo n : list) {
                assertThat(n.token()).as("blank tokens never erase the stored one").isEqualTo("secret-token-" + n.id());
                assertThat(n.registeredAt()).isNotNull().isBeforeOrEqualTo(n.lastSeenAt());
                // Every transition fired exactly one event, so the counts differ by the final state.
                int on = ev.online.getOrDefault(n.id(), new AtomicInteger()).get();
                int off = ev.offline.getOrDefault(n.id(), new AtomicInteger()).get();
                assertThat(on - off).as("online-offline events of %s", n.id()).isEqualTo(n.online() ? 1 : 0);
            }
        } finally {
            pool.shutdownNow();
        }
        List<NodeInfo> persisted = readState(stateFile());
        assertThat(persisted).hasSize(ids).extracting(NodeInfo::id).isSorted();
    }

    @Test
    void closeStopsTheReaperAndIsIdempotent() throws Exception {
        NodeRegistry r = new NodeRegistry(dir, SHORT_TTL, LONG, Clock.systemUTC());
        r.start();
        r.start();
        await("reaper thread running", () -> reaperThreads() > 0);
        r.upsert(node("n1"));
        r.close();
        r.close();
        await("reaper thread gone", () -> reaperThreads() == 0);
        assertThat(readState(stateFile())).extracting(NodeInfo::id).containsExactly("n1");
        assertThatThrownBy(r::start).isInstanceOf(IllegalStateException.class);
        assertThat(r.upsert(node("late")).id()).as("in-memory updates still work after close").isEqualTo("late");
    }

    private static long reaperThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("clawgo-registry-reaper")).count();
    }

    @Test
    void aNewIdBeyondTheLimitIsRefusedWhileKnownIdsAlwaysRegisterAgain() throws Exception {
        MutableClock clock = new MutableClock(T0);
        try (NodeRegistry r = new NodeRegistry(null, SHORT_TTL, LONG, 2, clock)) {
            NodeAudit audit = audit(r, clock);
            r.start();
            r.upsert(node("a"));
            r.upsert(node("b"));
            assertThatThrownBy(() -> r.upsert(node("c"))).isInstanceOfSatisfying(NodeLimitException.class, e -> {
                assertThat(e.code()).isEqualTo("too_many_nodes");
                assertThat(e.limit()).isEqualTo(2);
                assertThat(e.getMessage()).contains("maximum of 2 nodes").contains("gateway.max_nodes");
            });
            assertThat(r.get("c")).isEmpty();
            assertThat(r.size()).isEqualTo(2);
            assertThat(events(audit)).doesNotContain("upsert:c");

            // offline nodes count, and register again
            r.markOffline("a", "bye");
            assertThatThrownBy(() -> r.upsert(node("c"))).isInstanceOf(NodeLimitException.class);
            assertThat(r.upsert(node(" a ")).online()).isTrue();
            assertThat(r.upsert(node("b")).online()).isTrue();

            // a deletion frees a slot
            assertThat(r.remove("b")).isTrue();
            assertThat(r.upsert(node("c")).online()).isTrue();
            assertThatThrownBy(() -> r.upsert(node("d"))).isInstanceOf(NodeLimitException.class);
        }
    }

    @Test
    void pruningAnOfflineNodeFreesItsSlot() throws Exception {
        MutableClock clock = new MutableClock(T0);
        Events ev = new Events();
        try (NodeRegistry r = new NodeRegistry(null, SHORT_TTL, Duration.ofSeconds(10), 1, clock)) {
            r.addListener(ev);
            r.start();
            r.upsert(node("old"));
            assertThat(ev.next()).isEqualTo("online:old");
            assertThatThrownBy(() -> r.upsert(node("new"))).isInstanceOf(NodeLimitException.class);
            clock.advance(Duration.ofSeconds(11));
            assertThat(ev.next()).isEqualTo("offline:old:ttl:false");
            assertThat(ev.next()).isEqualTo("removed:old");
            assertThat(r.upsert(node("new")).online()).isTrue();
        }
    }

    @Test
    void concurrentRegistrationsNeverExceedTheLimit() throws Exception {
        int limit = 100;
        int threads = 16;
        int perThread = 50;
        try (NodeRegistry r = new NodeRegistry(null, LONG, LONG, limit, Clock.systemUTC())) {
            r.start();
            for (int i = 0; i < 10; i++) {
                r.upsert(node("known-" + i));
            }
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch go = new CountDownLatch(1);
            AtomicInteger accepted = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            AtomicInteger knownFailures = new AtomicInteger();
            List<Future<?>> done = new ArrayList<>();
            try {
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        go.await();
                        for (int i = 0; i < perThread; i++) {
                            try {
                                r.upsert(node("new-" + thread + "-" + i));
                                accepted.incrementAndGet();
                            } catch (NodeLimitException e) {
                                refused.incrementAndGet();
                            }
                            // known ids register again at any time, even with the registry full
                            try {
                                r.upsert(node("known-" + (i % 10)));
                            } catch (NodeLimitException e) {
                                knownFailures.incrementAndGet();
                            }
                            if (i % 7 == 0) {
                                r.remove("new-" + thread + "-" + (i / 2)); // frees a slot now and then
                            }
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : done) {
                    f.get(30, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(knownFailures).hasValue(0);
            assertThat(accepted.get() + refused.get()).isEqualTo(threads * perThread);
            assertThat(refused.get()).as("the limit was reached").isPositive();
            assertThat(r.size()).isLessThanOrEqualTo(limit);
            assertThat(r.list()).hasSize(r.size());
            // the count behind the limit matches the map: exactly the free slots are accepted now
            int free = limit - r.size();
            for (int i = 0; i < free; i++) {
                r.upsert(node("fill-" + i));
            }
            assertThat(r.size()).isEqualTo(limit);
            assertThatThrownBy(() -> r.upsert(node("one-too-many"))).isInstanceOf(NodeLimitException.class);
        }
    }

    @Test
    void restoredNodesAreKeptAboveALoweredLimit() throws Exception {
        try (NodeRegistry r = new NodeRegistry(dir, LONG, LONG, 10, Clock.systemUTC())) {
            r.start();
            for (int i = 0; i < 3; i++) {
                r.upsert(node("n" + i));
            }
        }
        try (NodeRegistry r = new NodeRegistry(dir, LONG, LONG, 2, Clock.systemUTC())) {
            r.start();
            assertThat(r.size()).isEqualTo(3);
            assertThat(r.upsert(node("n1")).online()).isTrue();
            assertThatThrownBy(() -> r.upsert(node("n9"))).isInstanceOf(NodeLimitException.class);
            r.remove("n0");
            assertThatThrownBy(() -> r.upsert(node("n9"))).as("still at the limit of 2")
                    .isInstanceOf(NodeLimitException.class);
            r.remove("n2");
            assertThat(r.upsert(node("n9")).online()).isTrue();
        }
    }

    @Test
    void rejectsInvalidConstructorArguments() {
        assertThatThrownBy(() -> new NodeRegistry(null, Duration.ZERO, LONG, 1, Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttl");
        assertThatThrownBy(() -> new NodeRegistry(null, LONG, Duration.ofSeconds(-1), 1, Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retention");
        assertThatThrownBy(() -> new NodeRegistry(null, LONG, LONG, 0, Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max nodes");
    }
}
