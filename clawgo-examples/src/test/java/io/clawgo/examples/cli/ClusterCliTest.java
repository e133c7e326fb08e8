package io.clawgo.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.examples.ClusterPair;
import io.clawgo.testing.ChildJvm;
import io.clawgo.testing.NatsServer;
import io.clawgo.testing.TestHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code clawgo gateway --cluster} processes and a {@code clawgo node register --watch --gateway a,b} process on
 * a real nats-server: a dispatch at the other gateway reaches the node, and after a SIGKILL of the node's gateway the
 * node moves to the survivor and is dispatchable there. And the {@link ClusterPair} example runs.
 */
class ClusterCliTest {
    private static final String TOKEN = "cluster-cli-token";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private NatsServer nats;

    @BeforeEach
    void startNats() throws Exception {
        NatsServer.assumeInstalled();
        nats = NatsServer.start(dir.resolve("nats"));
    }

    @AfterEach
    void stopNats() {
        if (nats != null) {
            nats.close();
        }
    }

    private CliProcess gateway(String name) throws Exception {
        return CliProcess.start("gateway", "--host", "127.0.0.1", "--port", "0", "--token", TOKEN,
                "--data-dir", dir.resolve(name).toString(), "--transport", "websocket_tunnel",
                "--cluster", nats.url(), "--cluster-name", "cli");
    }

    private static String url(CliProcess gw) throws Exception {
        Matcher m = gw.awaitStdout("^clawgo gateway listening on (http://\\S+) ", WAIT);
        gw.awaitStdout("^Cluster cli via .*: this gateway is member gw-[0-9a-f]+$", WAIT);
        return m.group(1);
    }

    private static Map<String, Object> dispatch(String gatewayUrl, String task) throws Exception {
        TestHttp.Reply r = TestHttp.post(gatewayUrl + "/webui/api/subagents_runtime", TOKEN,
                "{\"action\":\"dispatch_and_wait\",\"agent_id\":\"node.cli-node.main\",\"task\":\"" + task + "\","
                        + "\"wait_timeout_sec\":10}");
        return r.status() == 200 ? TestHttp.map(TestHttp.map(r.json().get("result")).get("reply")) : Map.of();
    }

    @Test
    void aNodeOfTwoGatewaysIsReachedFromBothAndMovesWhenItsGatewayIsKilled() throws Exception {
        try (CliProcess a = gateway("a"); CliProcess b = gateway("b")) {
            String urlA = url(a);
            String urlB = url(b);
            try (CliProcess node = CliProcess.start(Map.of("CLAWGO_GATEWAY_TOKEN", TOKEN), "node", "register",
                    "--gateway", urlA + "," + urlB, "--id", "cli-node", "--actions", "run,agent_task", "--watch",
                    "--heartbeat-sec", "1")) {
                node.awaitStdout("^Node registered: cli-node -> " + java.util.regex.Pattern.quote(urlA) + "$", WAIT);
                // the node has no endpoint: its answer is an error from the node, which proves the dispatch got there
                assertThat(TestHttp.await(WAIT, () -> reachedNode(urlB))).as(node.dump()).isTrue();

                a.kill(); // SIGKILL: no goodbye to NATS, sockets reset
                node.awaitStdout("^Node re-registered: cli-node$", WAIT);
                assertThat(TestHttp.await(WAIT, () -> reachedNode(urlB))).as(node.dump() + b.dump()).isTrue();
            }
        }
    }

    private static boolean reachedNode(String gatewayUrl) {
        try {
            return reached(dispatch(gatewayUrl, "hello"));
        } catch (Exception e) {
            return false;
        }
    }

    /** The node answered (its own error, endpoint_missing: no endpoint), as opposed to offline or not found. */
    private static boolean reached(Map<String, Object> reply) {
        return "endpoint_missing".equals(reply.get("code")) || "completed".equals(reply.get("status"));
    }

    @Test
    void theClusterPairExampleRunsAgainstARealNatsServer() throws Exception {
        try (ChildJvm pair = ChildJvm.startIn(dir, java.util.List.of(), ClusterPair.class.getName(),
                Map.of("CLAWGO_GATEWAY_TOKEN", TOKEN), nats.url())) {
            ChildJvm.Result r = pair.result(WAIT);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.stdoutText()).contains(": ran hello (via_gateway gw-");
        }
    }
}
