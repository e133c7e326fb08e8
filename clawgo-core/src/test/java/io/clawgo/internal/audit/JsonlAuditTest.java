package io.clawgo.internal.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clawgo.protocol.WireCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlAuditTest {

    @TempDir
    Path dir;

    private static Map<String, Object> entry(long seq) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", "test");
        m.put("seq", seq);
        return m;
    }

    private static List<String> lines(Path p) throws IOException {
        return Files.exists(p) ? Files.readAllLines(p, StandardCharsets.UTF_8) : List.of();
    }

    private static Map<String, Object> parse(String line) throws Exception {
        return WireCodec.get().decodeMap(line, Integer.MAX_VALUE);
    }

    private static List<Long> seqs(List<Map<String, Object>> entries) {
        List<Long> out = new ArrayList<>();
        for (Map<String, Object> e : entries) {
            out.add((Long) e.get("seq"));
        }
        return out;
    }

    @Test
    void appendWritesOneCompactJsonLineWithTimeFirst() throws Exception {
        Path file = dir.resolve("sub/dir/audit.jsonl");
        Instant before = Instant.now().minusSeconds(1);
        try (JsonlAudit audit = new JsonlAudit(file, 1 << 20, 10)) {
            assertThat(file.getParent()).as("parent created lazily").doesNotExist();
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("event", "upsert");
            e.put("node", "n1");
            e.put("skipped", null);
            audit.append(e);
            audit.append(Map.of("time", "2020-01-02T03:04:05Z", "event", "given"));
        }
        List<String> lines = lines(file);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("{\"time\":\"").doesNotContain("\n").doesNotContain(" ")
                .doesNotContain("skipped");
        Map<String, Object> first = parse(lines.get(0));
        assertThat(first.keySet()).containsExactly("time", "event", "node");
        assertThat(OffsetDateTime.parse((String) first.get("time")).toInstant()).isAfter(before);
        assertThat((String) first.get("time")).endsWith("Z");
        assertThat(parse(lines.get(1))).containsEntry("time", "2020-01-02T03:04:05Z").containsEntry("event", "given");
    }

    @Test
    void recentIsNewestFirstAndBoundedByCapacity() {
        try (JsonlAudit audit = new JsonlAudit(dir.resolve("a.jsonl"), 1 << 20, 5)) {
            for (long i = 0; i < 8; i++) {
                audit.append(entry(i));
            }
            assertThat(seqs(audit.recent(100))).containsExactly(7L, 6L, 5L, 4L, 3L);
            assertThat(seqs(audit.recent(2))).containsExactly(7L, 6L);
            assertThat(audit.recent(0)).isEmpty();
            assertThat(audit.recent(-1)).isEmpty();
            assertThatThrownBy(() -> audit.recent(1).get(0).put("x", 1))
                    .isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Test
    void memoryOnlyWhenFileIsNull() throws IOException {
        try (JsonlAudit audit = new JsonlAudit(null, 100, 3)) {
            for (long i = 0; i < 5; i++) {
                audit.append(entry(i));
            }
            assertThat(audit.file()).isNull();
            assertThat(seqs(audit.recent(10))).containsExactly(4L, 3L, 2L);
        }
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void rotationKeepsTheFileUnderMaxBytesAndKeepsOnePreviousFile() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        Path rotated = dir.resolve("audit.jsonl.1");
        long maxBytes = 1_000;
        try (JsonlAudit audit = new JsonlAudit(file, maxBytes, 10)) {
            for (long i = 0; i < 200; i++) {
                audit.append(entry(i));
                assertThat(Files.size(file)).isLessThanOrEqualTo(maxBytes);
            }
        }
        assertThat(rotated).exists();
        assertThat(Files.size(rotated)).isLessThanOrEqualTo(maxBytes).isGreaterThan(maxBytes / 2);
        assertThat(Files.list(dir).count()).as("only the file and one rotated copy").isEqualTo(2);
        List<String> current = lines(file);
        List<String> previous = lines(rotated);
        assertThat(parse(current.get(current.size() - 1))).containsEntry("seq", 199L);
        // The .1 file holds the lines immediately preceding the current file.
        long firstCurrent = (Long) parse(current.get(0)).get("seq");
        long lastPrevious = (Long) parse(previous.get(previous.size() - 1)).get("seq");
        assertThat(lastPrevious).isEqualTo(firstCurrent - 1);
        for (String l : previous) {
            assertThat(parse(l)).containsKey("time");
        }
    }

    @Test
    void recentSurvivesReopen() {
        Path file = dir.resolve("audit.jsonl");
        try (JsonlAudit audit = new JsonlAudit(file, 1 << 20, 5)) {
            for (long i = 0; i < 10; i++) {
                audit.append(entry(i));
            }
        }
        try (JsonlAudit reopened = new JsonlAudit(file, 1 << 20, 5)) {
            assertThat(seqs(reopened.recent(10))).containsExactly(9L, 8L, 7L, 6L, 5L);
            reopened.append(entry(10));
            assertThat(seqs(reopened.recent(3))).containsExactly(10L, 9L, 8L);
        }
        try (JsonlAudit again = new JsonlAudit(file, 1 << 20, 20)) {
            assertThat(seqs(again.recent(100))).hasSize(11).startsWith(10L, 9L).endsWith(0L);
        }
    }

    @Test
    void reopenReadsThePreviousFileWhenTheCurrentOneHoldsFewerEntries() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        long maxBytes = 400;
        try (JsonlAudit audit = new JsonlAudit(file, maxBytes, 8)) {
            for (long i = 0; i < 40; i++) {
                audit.append(entry(i));
            }
        }
        int inCurrent = lines(file).size();
        assertThat(inCurrent).isLessThan(8);
        assertThat(dir.resolve("audit.jsonl.1")).exists();
        try (JsonlAudit reopened = new JsonlAudit(file, maxBytes, 8)) {
            assertThat(seqs(reopened.recent(100))).containsExactly(39L, 38L, 37L, 36L, 35L, 34L, 33L, 32L);
        }
    }

    @Test
    void unparsableAndPartialLinesAreSkippedAndAppendsStartOnANewLine() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        Files.writeString(file, "{\"seq\":1}\nnot json\n\n{\"seq\":2}\n[1,2]\n{\"seq\":3,\"trunc", StandardCharsets.UTF_8);
        try (JsonlAudit audit = new JsonlAudit(file, 1 << 20, 10)) {
            assertThat(seqs(audit.recent(10))).containsExactly(2L, 1L);
            audit.append(entry(4));
            assertThat(seqs(audit.recent(10))).containsExactly(4L, 2L, 1L);
        }
        List<String> lines = lines(file);
        assertThat(lines.get(lines.size() - 2)).isEqualTo("{\"seq\":3,\"trunc");
        assertThat(parse(lines.get(lines.size() - 1))).containsEntry("seq", 4L);
    }

    @Test
    void loadsTheTailOfAFileLargerThanOneReadChunk() throws Exception {
        Path file = dir.resolve("big.jsonl");
        StringBuilder sb = new StringBuilder();
        String pad = "é".repeat(300); // multi-byte characters straddle chunk boundaries
        for (int i = 0; i < 1_000; i++) {
            sb.append("{\"seq\":").append(i).append(",\"pad\":\"").append(pad).append("\"}\n");
        }
        Files.writeString(file, sb, StandardCharsets.UTF_8);
        assertThat(Files.size(file)).isGreaterThan(3 * 64 * 1024);
        try (JsonlAudit audit = new JsonlAudit(file, 1L << 30, 300)) {
            List<Map<String, Object>> recent = audit.recent(1_000);
            assertThat(recent).hasSize(300);
            for (int i = 0; i < 300; i++) {
                assertThat(recent.get(i)).containsEntry("seq", (long) (999 - i)).containsEntry("pad", pad);
            }
        }
    }

    @Test
    void concurrentAppendsNeverInterleaveLines() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        int threads = 8;
        int perThread = 500;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        try (JsonlAudit audit = new JsonlAudit(file, 64L << 20, 100)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long base = (long) t * perThread;
                futures.add(pool.submit(() -> {
                    go.await();
                    for (long i = 0; i < perThread; i++) {
                        audit.append(entry(base + i));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertThat(audit.recent(1_000)).hasSize(100);
            // The memory ring and the file agree on the newest entry.
            List<String> lines = lines(file);
            assertThat(parse(lines.get(lines.size() - 1)).get("seq")).isEqualTo(audit.recent(1).get(0).get("seq"));
        } finally {
            pool.shutdownNow();
        }
        List<String> lines = lines(file);
        assertThat(lines).hasSize(threads * perThread);
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (String l : lines) {
            seen.add((Long) parse(l).get("seq"));
        }
        assertThat(seen).hasSize(threads * perThread);
    }

    @Test
    void ioErrorsAreNotThrownAndMemoryStillWorks() throws IOException {
        Path blocker = dir.resolve("not-a-dir");
        Files.writeString(blocker, "x");
        Path file = blocker.resolve("audit.jsonl"); // its parent is a regular file: cannot be created
        try (JsonlAudit audit = new JsonlAudit(file, 1_000, 5)) {
            assertThatCode(() -> {
                for (long i = 0; i < 3; i++) {
                    audit.append(entry(i));
                }
            }).doesNotThrowAnyException();
            assertThat(seqs(audit.recent(5))).containsExactly(2L, 1L, 0L);
        }
        assertThat(Files.readString(blocker)).isEqualTo("x");
    }

    @Test
    void appendsAfterCloseStayInMemory() throws IOException {
        Path file = dir.resolve("audit.jsonl");
        JsonlAudit audit = new JsonlAudit(file, 1_000, 5);
        audit.append(entry(1));
        audit.close();
        audit.close();
        audit.append(entry(2));
        assertThat(seqs(audit.recent(5))).containsExactly(2L, 1L);
        assertThat(lines(file)).hasSize(1);
    }

    @Test
    void rejectsInvalidLimits() {
        assertThatThrownBy(() -> new JsonlAudit(null, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxBytes");
        assertThatThrownBy(() -> new JsonlAudit(null, 10, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("recentCapacity");
    }

    // ------------------------------------------------------------------------------------------ with a flusher

    private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopFlusher() {
        flusher.shutdownNow();
    }

    private static List<Long> fileSeqs(Path file) throws Exception {
        List<Long> out = new ArrayList<>();
        for (String l : lines(file)) {
            out.add((Long) parse(l).get("seq"));
        }
        return out;
    }

    @Test
    void withAFlusherLinesReachTheFileSoonAndAllOfThemOnClose() throws Exception {
        Path file = dir.resolve("buffered.jsonl");
        JsonlAudit audit = new JsonlAudit(file, 1 << 20, 10, flusher);
        for (long i = 0; i < 3; i++) {
            audit.append(entry(i));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (lines(file).size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(lines(file)).hasSize(3);
        for (long i = 3; i < 50; i++) {
            audit.append(entry(i));
        }
        audit.close(); // writes what is pending, without waiting for the flusher
        assertThat(fileSeqs(file)).hasSize(50).isSorted();
        assertThat(seqs(audit.recent(3))).containsExactly(49L, 48L, 47L);
    }

    @Test
    void withAFlusherConcurrentAppendsAreAllWrittenInOrderOfTheRing() throws Exception {
        Path file = dir.resolve("buffered.jsonl");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            JsonlAudit audit = new JsonlAudit(file, 64L << 20, 4000, flusher);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long base = t * 1000L;
                futures.add(pool.submit(() -> {
                    for (long i = 0; i < 1000; i++) {
                        audit.append(entry(base + i));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
            audit.flush();
            List<Long> fromFile = fileSeqs(file);
            List<Long> fromRing = seqs(audit.recent(4000));
            java.util.Collections.reverse(fromRing);
            assertThat(fromFile).hasSize(4000).isEqualTo(fromRing);
            audit.close();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void withAFlusherRotationStillBoundsTheFile() throws Exception {
        Path file = dir.resolve("buffered.jsonl");
        try (JsonlAudit audit = new JsonlAudit(file, 2_000, 10, flusher)) {
            for (long i = 0; i < 200; i++) { // about 50 bytes a line: several rotations inside one batch
                audit.append(entry(i));
            }
            audit.flush();
            assertThat(Files.size(file)).isLessThanOrEqualTo(2_000);
            Path rotated = dir.resolve("buffered.jsonl.1");
            assertThat(Files.size(rotated)).isLessThanOrEqualTo(2_000);
            List<String> current = lines(file);
            assertThat(parse(current.get(current.size() - 1)).get("seq")).isEqualTo(199L);
            List<String> previous = lines(rotated);
            assertThat((Long) parse(previous.get(previous.size() - 1)).get("seq") + 1)
                    .isEqualTo(parse(current.get(0)).get("seq"));
        }
    }

    @Test
    void withAStuckFlusherTheAppenderWritesOnceTheBoundIsReached() throws Exception {
        Path file = dir.resolve("buffered.jsonl");
        CountDownLatch release = new CountDownLatch(1);
        flusher.execute(() -> {
            try {
                release.await(30, TimeUnit.SECONDS); // the flusher's only thread is busy
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (JsonlAudit audit = new JsonlAudit(file, 64L << 20, 10, flusher)) {
            audit.append(entry(-1));
            // below the bound the appender leaves the write to the (stuck) flusher: the caller never waits for I/O
            assertThat(file).doesNotExist();
            assertThat(audit.recent(1)).hasSize(1);
            Map<String, Object> big = new LinkedHashMap<>(entry(0));
            big.put("pad", "x".repeat(64 * 1024));
            int n = (int) (JsonlAudit.MAX_PENDING_BYTES / (64 * 1024)) + 2;
            for (int i = 0; i < n; i++) {
                audit.append(big);
            }
            // the flusher never ran, yet the lines up to the bound are in the file: memory stays bounded
            assertThat(Files.size(file)).isGreaterThanOrEqualTo(JsonlAudit.MAX_PENDING_BYTES);
        } finally {
            release.countDown();
        }
        assertThat(lines(dir.resolve("buffered.jsonl"))).hasSize((int) (JsonlAudit.MAX_PENDING_BYTES / (64 * 1024)) + 3);
    }
}
