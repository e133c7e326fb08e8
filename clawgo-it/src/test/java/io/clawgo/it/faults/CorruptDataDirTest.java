package io.clawgo.it.faults;

import static io.clawgo.it.faults.Faults.TOKEN;
import static io.clawgo.testing.TestHttp.list;
import static io.clawgo.testing.TestHttp.map;
import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.GatewayClient;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.testing.ChildJvm;
import io.clawgo.testing.TestHttp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway process starts on a data directory that a crash, a full disk or a stray editor left damaged: the start
 * must succeed, say what it found at WARN, keep the damaged data for the operator and go on writing good files.
 */
class CorruptDataDirTest {
    private static final String TORN = "{\"time\":\"2026-01-01T00:00:00Z\",\"node\":\"torn";

    @TempDir
    Path dir;

    /** Runs an in-process gateway on {@code dir} that registers {@code nodes} and dispatches to the first, 3 times. */
    private void seed(int nodes) {
        try (Gateway gw = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir).start();
             GatewayClient client = GatewayClient.create(gw.url(), TOKEN)) {
            for (int i = 0; i < nodes; i++) {
                client.register(NodeInfo.builder("seeded-" + i).build());
            }
            for (int i = 0; i < 3; i++) {
                client.postJson("/webui/api/node_dispatches/replay", Map.of("node", "seeded-0", "action", "run",
                        "mode", "relay", "timeout_sec", 5));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"truncated", "not UTF-8", "empty"})
    void aDamagedStateFileIsMovedAsideWithAWarningAndTheGatewayStartsWithoutIt(String damage) throws Exception {
        seed(3);
        Path state = dir.resolve(DataDir.STATE);
        byte[] good = Files.readAllBytes(state);
        byte[] bad = switch (damage) {
            case "truncated" -> Arrays.copyOf(good, good.length / 2);
            case "not UTF-8" -> new byte[] {'[', '{', '"', 'i', 'd', '"', ':', '"', (byte) 0xff, '"', '}', ']'};
            default -> new byte[0];
        };
        Files.write(state, bad);
        Path temp = dir.resolve(DataDir.STATE + ".4242.tmp");
        Files.write(temp, Arrays.copyOf(good, good.length / 3)); // a write the crash cut short

        int port = Faults.freePort();
        try (ChildJvm gw = Faults.startGateway(port, dir);
             GatewayClient client = GatewayClient.create("http://127.0.0.1:" + port, TOKEN)) {
            assertThat(gw.stderr()).as(gw.dump()).anySatisfy(l -> assertThat(l).contains(" WARN ")
                    .contains("node state file").contains("moved it to " + DataDir.STATE + ".corrupt-"));
            List<Path> aside = corruptCopies();
            assertThat(aside).hasSize(1);
            assertThat(Files.readAllBytes(aside.get(0))).as("kept as it was").isEqualTo(bad);
            assertThat(temp).as("the cut-short write is deleted").doesNotExist();
            assertThat(((Number) map(client.getJson("/webui/api/nodes").get("stats")).get("nodes_total")).intValue())
                    .isZero();

            // it works and writes a good state file again, next to the damaged copy
            client.register(NodeInfo.builder("after").build());
            assertThat(TestHttp.await(Duration.ofSeconds(5), () -> entries(dir) == 1)).isTrue();
            assertThat(Files.readString(state)).contains("\"after\"");
            assertThat(Files.readAllBytes(aside.get(0))).isEqualTo(bad);
        }
    }

    @Test
    void tornAuditLinesAreSkippedWithAWarningAndTheNextLinesStartOnLinesOfTheirOwn() throws Exception {
        seed(1);
        Path dispatchAudit = dir.resolve(DataDir.DISPATCH_AUDIT);
        Path nodeAudit = dir.resolve(DataDir.NODE_AUDIT);
        // a crash in the middle of a line (a power cut; a killed process finishes its write)
        Files.writeString(dispatchAudit, TORN, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Files.writeString(nodeAudit, TORN, StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        int port = Faults.freePort();
        try (ChildJvm gw = Faults.startGateway(port, dir);
             GatewayClient client = GatewayClient.create("http://127.0.0.1:" + port, TOKEN)) {
            for (Path audit : List.of(dispatchAudit, nodeAudit)) {
                assertThat(gw.stderr()).as(gw.dump()).anySatisfy(l -> assertThat(l).contains(" WARN ")
                        .contains("skipped 1 unreadable line(s) of audit file " + audit));
            }
            assertThat(list(client.getJson("/webui/api/node_dispatches").get("items"))).hasSize(3)
                    .allSatisfy(d -> assertThat(d).containsEntry("node", "seeded-0"));

            client.register(NodeInfo.builder("seeded-0").build());
            Map<String, Object> r = map(client.postJson("/webui/api/node_dispatches/replay", Map.of(
                    "node", "seeded-0", "action", "run", "mode", "relay", "timeout_sec", 5)).get("result"));
            assertThat(r).containsEntry("code", "endpoint_missing");
            assertThat(list(client.getJson("/webui/api/node_dispatches").get("items"))).hasSize(4);
            gw.terminate();
            assertThat(gw.waitFor(Duration.ofSeconds(20))).isNotZero(); // 143: ended by SIGTERM
        }
        // the torn line stays where it was, alone on its line; what came after it is whole
        for (Path audit : List.of(dispatchAudit, nodeAudit)) {
            List<String> lines = Files.readAllLines(audit, StandardCharsets.UTF_8);
            assertThat(lines).contains(TORN);
            DataDir.AuditLines parsed = DataDir.auditLines(audit);
            assertThat(parsed.invalid()).isEqualTo(1);
            assertThat(parsed.tornLast()).isFalse();
        }
        assertThat(DataDir.auditLines(dispatchAudit).valid()).isEqualTo(4);
    }

    private List<Path> corruptCopies() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith(DataDir.STATE + ".corrupt-")).toList();
        }
    }

    private static int entries(Path dir) {
        try {
            return DataDir.stateEntries(dir);
        } catch (IOException | RuntimeException | AssertionError e) {
            return -1;
        }
    }
}
