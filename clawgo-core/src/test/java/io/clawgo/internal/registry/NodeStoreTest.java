package io.clawgo.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.protocol.NodeInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link NodeStore}'s coalesced writes and its file, on real files in a temporary directory. */
class NodeStoreTest {
    @TempDir
    Path dir;

    private final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);
    /** What the store writes next. */
    private final AtomicReference<List<NodeInfo>> nodes = new AtomicReference<>(List.of());
    /** Every snapshot the store took: one per write. */
    private final List<List<NodeInfo>> writes = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    private NodeStore store(Path where) {
        return new NodeStore(where, () -> {
            List<NodeInfo> n = nodes.get();
            writes.add(n);
            return n;
        });
    }

    private static NodeInfo node(String id, Instant seen) {
        return NodeInfo.builder(id).endpoint("http://127.0.0.1:9/" + id).token("secret-" + id).lastSeenAt(seen)
                .registeredAt(Instant.EPOCH).online(true).build();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("timed out waiting for " + what).isNegative();
            Thread.sleep(10);
        }
    }

    @Test
    void manyStateChangesInOneWindowAreOneWriteOfTheNewestSnapshot() throws Exception {
        NodeStore store = store(dir);
        store.start(executor);
        nodes.set(List.of(node("a", Instant.EPOCH)));
        store.stateChanged();
        await("first write", () -> writes.size() == 1);
        // a burst right after a write waits for the window, then is written once, with what holds at write time
        for (int i = 0; i < 100; i++) {
            nodes.set(List.of(node("a", Instant.EPOCH), node("b" + i, Instant.EPOCH)));
            store.stateChanged();
        }
        await("second write", () -> writes.size() == 2);
        Thread.sleep(3 * NodeStore.WRITE_COALESCE_MILLIS);
        assertThat(writes).as("one write for the burst").hasSize(2);
        assertThat(store.load(0)).extracting(NodeInfo::id).containsExactly("a", "b99");
        assertThat(store.dirty()).isFalse();
    }

    @Test
    void lastSeenOnlyChangesWaitForTheSeenIntervalOrTheFlush() throws Exception {
        NodeStore store = store(dir);
        store.start(executor);
        nodes.set(List.of(node("a", Instant.EPOCH)));
        store.seenChanged();
        store.tick(); // the last write is not 30 s ago: nothing yet
        Thread.sleep(2 * NodeStore.WRITE_COALESCE_MILLIS);
        assertThat(writes).isEmpty();
        assertThat(store.file()).doesNotExist();
        assertThat(store.dirty()).isTrue();

        nodes.set(List.of(node("a", Instant.ofEpochSecond(42))));
        store.flush();
        assertThat(writes).hasSize(1);
        assertThat(store.load(0).get(0).lastSeenAt()).isEqualTo(Instant.ofEpochSecond(42));
        store.flush();
        assertThat(writes).as("nothing dirty, nothing written").hasSize(1);
    }

    @Test
    void changesBeforeStartAreWrittenOnceStarted() throws Exception {
        NodeStore store = store(dir);
        nodes.set(List.of(node("early", Instant.EPOCH)));
        store.seenChanged();
        Thread.sleep(NodeStore.WRITE_COALESCE_MILLIS);
        assertThat(writes).as("no executor yet").isEmpty();
        store.start(executor);
        await("written after start", () -> Files.exists(store.file()));
        assertThat(store.load(0)).extracting(NodeInfo::id).containsExactly("early");
    }

    @Test
    void aFailedWriteStaysDirtyAndIsRetriedOnALaterTick() throws Exception {
        Path blocked = dir.resolve("data");
        Files.writeString(blocked, "a file where the directory should be");
        NodeStore store = store(blocked);
        nodes.set(List.of(node("a", Instant.EPOCH)));
        store.flush(); // nothing dirty: no attempt
        store.stateChanged();
        store.flush();
        assertThat(writes).as("one attempt").hasSize(1);
        assertThat(store.dirty()).as("kept for a retry").isTrue();

        Files.delete(blocked);
        AtomicInteger before = new AtomicInteger(writes.size());
        store.start(executor);
        store.tick();
        await("retried", () -> Files.exists(blocked.resolve(NodeStore.STATE_FILE)));
        assertThat(writes.size()).isGreaterThan(before.get());
        assertThat(store.dirty()).isFalse();
        assertThat(store.load(0)).extracting(NodeInfo::token).containsExactly("secret-a");
    }

    @Test
    void writesAfterTheExecutorStoppedAreLeftToTheFlush() throws Exception {
        NodeStore store = store(dir);
        store.start(executor);
        executor.shutdown();
        nodes.set(List.of(node("late", Instant.EPOCH)));
        store.stateChanged(); // rejected by the executor: stays dirty
        assertThat(store.dirty()).isTrue();
        store.flush();
        assertThat(store.load(0)).extracting(NodeInfo::id).containsExactly("late");
    }
}
