package io.clawgo.internal.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.config.GatewayConfig;
import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.subagent.DispatchResult;
import io.clawgo.subagent.SpawnRequest;
import io.clawgo.testing.SeedEndpoint;
import io.clawgo.testing.TestHttp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: the data directory the gateway creates is {@code 0700}, and every file it writes there is {@code 0600}
 * (the node state holds node tokens, the task audit whole tasks and results): checked on a real gateway after real
 * dispatches over the relay, rotated audits included. Old code: the audits were created with the umask's mode
 * ({@code rw-r--r--} under the usual 022), and the directory too when an audit created it first.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DataDirectoryPermissionsTest {
    private static final String TOKEN = "perm-token";
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    @BeforeEach
    void posixOnly() {
        Assumptions.assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"),
                "POSIX permissions only");
    }

    private static Gateway gateway(Path data) {
        // a small audit size: a few dispatches rotate the dispatch audit to its .1 file
        return Gateway.builder().config(GatewayConfig.builder().auditMaxBytes(2048).build()).host("127.0.0.1")
                .port(0).token(TOKEN).dataDir(data).p2p(P2pConfig.disabled())
                .nodePolicy(io.clawgo.testing.LoopbackRelay.POLICY) // the endpoint listens on 127.0.0.1
                .start();
    }

    /** Registers a node with an endpoint, runs a task and some dispatches over the relay. */
    private static void useIt(Gateway gw, SeedEndpoint endpoint) throws Exception {
        try (NodeAgent n = NodeAgent.builder().gateway(gw.url()).token(TOKEN).id("perm-node")
                .endpoint(endpoint.url()).nodeToken("perm-node-endpoint-token")
                .actions(List.of("run", "agent_task")).build()) {
            n.start();
            assertThat(n.awaitConnected(WAIT)).isTrue();
            DispatchResult r = gw.subagents().dispatchAndWait(SpawnRequest.of("node.perm-node.main", "secret task"),
                    WAIT);
            assertThat(r.reply().status()).isEqualTo("completed");
            for (int i = 0; i < 12; i++) {
                Response resp = gw.dispatch(new Request("run", "perm-node", "t" + i, null, Map.of()),
                        DispatchMode.RELAY, WAIT)
                        .get(30, TimeUnit.SECONDS);
                assertThat(resp.ok()).as("%s", resp).isTrue();
            }
        }
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    /** Every file of {@code dir} with its mode, once the audits are on disk. */
    private static Map<String, String> files(Path dir) throws Exception {
        List<String> expected = List.of("nodes-state.json", "nodes-audit.jsonl", "nodes-dispatch-audit.jsonl",
                "nodes-dispatch-audit.jsonl.1", "subagent-tasks.jsonl");
        assertThat(TestHttp.await(Duration.ofSeconds(10), () -> expected.stream()
                .allMatch(f -> Files.exists(dir.resolve(f))))).as("files written: %s", list(dir)).isTrue();
        Map<String, String> modes = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                try {
                    modes.put(p.getFileName().toString(), mode(p));
                } catch (java.nio.file.NoSuchFileException e) {
                    // a temporary state file renamed in between: the state file is listed as well
                }
            }
        }
        assertThat(modes).containsKeys(expected.toArray(String[]::new));
        return modes;
    }

    private static List<String> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (Exception e) {
            return List.of(e.toString());
        }
    }

    @Test
    void aNewDataDirectoryIsOwnerOnlyAndSoIsEveryFileInIt() throws Exception {
        Path data = tmp.resolve("made-by-the-gateway").resolve("data");
        try (SeedEndpoint endpoint = SeedEndpoint.start("perm-node");
             Gateway gw = gateway(data)) {
            useIt(gw, endpoint);
            assertThat(files(data)).allSatisfy((name, mode) -> assertThat(mode).as(name).isEqualTo("rw-------"));
            assertThat(mode(data)).isEqualTo("rwx------");
            assertThat(mode(data.getParent())).as("a parent made on the way").isEqualTo("rwx------");
        }
    }

    /**
     * An existing directory is the operator's: it is left as it is, with a WARN when group or others may use it;
     * files of an older version in it are tightened to 0600.
     */
    @Test
    void anExistingOpenDirectoryIsLeftAsItIsWithAWarningButItsFilesAreTightened() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("shared"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x")); // whatever the umask
        for (String old : List.of("nodes-dispatch-audit.jsonl", "nodes-dispatch-audit.jsonl.1", "subagent-tasks.jsonl",
                "nodes-state.json")) {
            Path f = Files.writeString(data.resolve(old), old.endsWith(".json") ? "[]" : "");
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try (SeedEndpoint endpoint = SeedEndpoint.start("perm-node");
             Gateway gw = gateway(data)) {
            useIt(gw, endpoint);
            assertThat(files(data)).allSatisfy((name, mode) -> assertThat(mode).as(name).isEqualTo("rw-------"));
        } finally {
            System.setErr(saved);
        }
        assertThat(mode(data)).as("not changed").isEqualTo("rwxr-xr-x");
        String log = err.toString(StandardCharsets.UTF_8);
        assertThat(log).contains("WARN").contains("data directory " + data.toAbsolutePath()
                + " is open to group or others (rwxr-xr-x)").contains("chmod 700");
        assertThat(log.split("is open to group or others", -1)).as("warned once").hasSize(2);
    }
}
