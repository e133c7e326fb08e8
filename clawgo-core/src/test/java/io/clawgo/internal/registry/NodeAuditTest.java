package io.clawgo.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import io.clawgo.protocol.NodeInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link NodeAudit} listening to a real {@link NodeRegistry}, writing real files in a temporary directory. */
class NodeAuditTest {
    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static final Duration LONG = Duration.ofHours(1);
    private static final Gson GSON = new Gson();
    private static final java.lang.reflect.Type LINE = new TypeToken<Map<String, Object>>() { }.getType();

    @TempDir
    Path dir;

    private static NodeInfo node(String id) {
        return NodeInfo.builder(id).version("1.0").endpoint("http://127.0.0.1:9/" + id).token("secret-token-" + id)
                .build();
    }

    private List<Map<String, Object>> fileLines() throws Exception {
        return Files.readAllLines(dir.resolve(NodeAudit.FILE)).stream()
                .map(l -> GSON.<Map<String, Object>>fromJson(l, LINE))
                .collect(Collectors.toList());
    }

    @Test
    void everyRegistryEventIsOneLineWithTheClocksTimeAndNoToken() throws Exception {
        NodeRegistryTest.MutableClock clock = new NodeRegistryTest.MutableClock(T0);
        try (NodeAudit audit = new NodeAudit(dir, 1 << 20, clock);
             NodeRegistry r = new NodeRegistry(null, LONG, Duration.ofSeconds(10), clock)) {
            r.addListener(audit);
            r.upsert(node("n1"));
            clock.advance(Duration.ofSeconds(1));
            r.upsert(NodeInfo.builder("n1").endpoint("http://10.0.0.2:1").build()); // moved without a token
            r.heartbeat("n1"); // online already: no line
            r.markOffline("n1", "socket closed");
            r.heartbeat("n1"); // revives it
            r.upsert(node("n2"));
            r.remove("n2");
            r.markOffline("n1", "bye");
            clock.advance(Duration.ofSeconds(11));
            r.reap(); // prunes n1
        }
        List<Map<String, Object>> lines = fileLines();
        assertThat(lines).extracting(l -> l.get("event") + ":" + l.get("node")).containsExactly(
                "upsert:n1", "upsert:n1", "offline:n1", "online:n1", "upsert:n2", "delete:n2", "offline:n1",
                "pruned:n1");
        assertThat(lines.get(0)).containsEntry("time", "2030-01-01T00:00:00Z").containsEntry("existed", false)
                .containsEntry("version", "1.0").containsEntry("endpoint", "http://127.0.0.1:9/n1")
                .doesNotContainKey("token_dropped");
        assertThat(lines.get(1)).containsEntry("time", "2030-01-01T00:00:01Z").containsEntry("existed", true)
                .containsEntry("token_dropped", true);
        assertThat(lines.get(2)).containsEntry("reason", "socket closed");
        assertThat(lines.get(3)).containsEntry("via", "heartbeat");
        assertThat(lines.get(7)).containsEntry("time", "2030-01-01T00:00:12Z")
                .containsEntry("last_seen_at", "2030-01-01T00:00:01Z");
        assertThat(Files.readString(dir.resolve(NodeAudit.FILE))).doesNotContain("secret-token");
        assertThat(List.of(lines.get(0).keySet().toArray()).get(0)).as("time first").isEqualTo("time");
    }

    @Test
    void itsLineComesBeforeLaterListenersHearOfTheEvent() throws Exception {
        try (NodeAudit audit = new NodeAudit(dir, 1 << 20, Clock.systemUTC());
             NodeRegistry r = new NodeRegistry(null, LONG, LONG, Clock.systemUTC())) {
            r.addListener(audit);
            List<Integer> linesSeen = new java.util.concurrent.CopyOnWriteArrayList<>();
            r.addListener(new NodeRegistry.Listener() {
                @Override
                public void onOffline(NodeInfo n, String reason) {
                    try {
                        linesSeen.add(Files.readAllLines(dir.resolve(NodeAudit.FILE)).size());
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
            r.upsert(node("n1"));
            r.markOffline("n1", "x");
            assertThat(linesSeen).containsExactly(2);
        }
    }

    @Test
    void theFileIsBoundedRotatedAndReadBackAfterARestart() throws Exception {
        long max = 2_000;
        Clock clock = Clock.fixed(T0, java.time.ZoneOffset.UTC);
        try (NodeAudit audit = new NodeAudit(dir, max, clock);
             NodeRegistry r = new NodeRegistry(null, LONG, LONG, clock)) {
            r.addListener(audit);
            for (int i = 0; i < 100; i++) {
                r.upsert(node("n" + (i % 7)));
            }
            assertThat(audit.recent(500)).hasSize(100);
            assertThat(audit.recent(1).get(0)).containsEntry("node", "n" + (99 % 7));
            assertThat(audit.droppedLines()).isZero();
        }
        Path file = dir.resolve(NodeAudit.FILE);
        assertThat(Files.size(file)).isLessThanOrEqualTo(max);
        assertThat(dir.resolve(NodeAudit.FILE + ".1")).exists();
        assertThat(Files.readString(file)).doesNotContain("secret-token").contains("\"event\":\"upsert\"");
        try (NodeAudit again = new NodeAudit(dir, max, clock)) {
            assertThat(again.recent(1).get(0)).as("the newest line survives a restart")
                    .containsEntry("event", "upsert").containsEntry("node", "n" + (99 % 7));
        }
    }

    @Test
    void aDataDirectoryOfNoneKeepsTheLinesInMemory() throws Exception {
        try (NodeAudit audit = new NodeAudit(null, 1 << 20, Clock.systemUTC());
             NodeRegistry r = new NodeRegistry(null, LONG, LONG, Clock.systemUTC())) {
            r.addListener(audit);
            r.upsert(node("n1"));
            assertThat(audit.recent(10)).hasSize(1);
        }
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void rejectsANonPositiveSize() {
        assertThatThrownBy(() -> new NodeAudit(dir, 0, Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBytes");
    }
}
