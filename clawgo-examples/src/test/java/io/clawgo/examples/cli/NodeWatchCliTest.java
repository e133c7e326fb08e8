package io.clawgo.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.testing.LoopbackRelay;
import io.clawgo.testing.SeedEndpoint;
import io.clawgo.testing.TestHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI scenario: {@code clawgo node register ... --watch} as a real child process against a gateway in this
 * JVM, with the seed's endpoint, over {@code websocket_tunnel}.
 */
class NodeWatchCliTest {
    private static final String TOKEN = "watch-test-token";
    private static final String NODE = "cli-watch";
    private static final String LABEL = "cli-endpoint";

    @TempDir
    Path dataDir;

    private Gateway gateway;
    private SeedEndpoint endpoint;

    @BeforeEach
    void start() throws Exception {
        gateway = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dataDir)
                .nodeTtl(Duration.ofSeconds(3)).transport("websocket_tunnel")
                .nodePolicy(LoopbackRelay.POLICY) // the relay test's endpoint listens on 127.0.0.1
                .start();
        endpoint = SeedEndpoint.start(LABEL);
    }

    @AfterEach
    void stop() {
        if (endpoint != null) {
            endpoint.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void watchedNodeStaysOnlineRunsTunnelledTasksAndStopsCleanlyOnSigterm() throws Exception {
        try (CliProcess node = CliProcess.start("node", "register", "--gateway", gateway.url(), "--token", TOKEN,
                "--id", NODE, "--endpoint", endpoint.url(), "--actions", "run,agent_task",
                "--watch", "--heartbeat-sec", "1")) {
            node.awaitStdout("^" + Pattern.quote("Node registered: " + NODE + " -> " + gateway.url()) + "$",
                    Duration.ofSeconds(20));
            node.awaitStdout("^Heartbeat loop started: every 1s$", Duration.ofSeconds(5));
            assertThat(online(NODE)).as(node.dump()).isTrue();

            // heartbeats keep it online well past the 3 s TTL
            Thread.sleep(5_000);
            assertThat(node.isAlive()).as(node.dump()).isTrue();
            assertThat(online(NODE)).as(node.dump()).isTrue();

            // the seed's dispatch_and_wait, carried by the node's own WebSocket to an endpoint on 127.0.0.1
            TestHttp.Reply http = TestHttp.post(gateway.url() + "/webui/api/subagents_runtime", TOKEN,
                    "{\"action\":\"dispatch_and_wait\",\"agent_id\":\"node." + NODE + ".main\","
                            + "\"task\":\"Return exactly the string NODE_P2P_OK\",\"wait_timeout_sec\":20}");
            assertThat(http.status()).as(http.body()).isEqualTo(200);
            Map<?, ?> reply = (Map<?, ?>) ((Map<?, ?>) http.json().get("result")).get("reply");
            assertThat(reply.get("status")).as(http.body()).isEqualTo("completed");
            assertThat(String.valueOf(reply.get("result"))).contains("agent_task from " + LABEL);
            assertThat(reply.get("used_transport")).as(http.body()).isEqualTo("websocket_tunnel");
            assertThat(endpoint.paths()).contains("/agent/task");

            // SIGTERM: a clean stop with exit code 0, and the node goes offline
            long t0 = System.nanoTime();
            node.terminate();
            int code = node.waitFor(Duration.ofSeconds(10));
            long stopMillis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(code).as(node.dump()).isZero();
            assertThat(stopMillis).as("stop time").isLessThan(5_000);
            assertThat(node.stdout()).as(node.dump()).contains("Node stopped: " + NODE);
            assertThat(TestHttp.await(Duration.ofSeconds(6), () -> !online(NODE))).as("offline after SIGTERM")
                    .isTrue();
            assertThat(String.join("\n", node.stdout()) + String.join("\n", node.stderr())).doesNotContain(TOKEN);
        }
    }

    @Test
    void watchWithTransportsHttpRelayOffersNoP2pAndIsReachedOverTheRelay() throws Exception {
        String id = "cli-watch-relay";
        try (CliProcess node = CliProcess.start("node", "register", "--gateway", gateway.url(), "--token", TOKEN,
                "--id", id, "--endpoint", endpoint.url(), "--actions", "run", "--transports", "http_relay",
                "--watch")) {
            node.awaitStdout("^" + Pattern.quote("Node registered: " + id + " -> " + gateway.url()) + "$",
                    Duration.ofSeconds(20));
            assertThat(gateway.node(id).orElseThrow().transports()).as(node.dump()).containsExactly("http_relay");

            TestHttp.Reply http = TestHttp.post(gateway.url() + "/webui/api/node_dispatches/replay", TOKEN,
                    "{\"node\":\"" + id + "\",\"action\":\"run\",\"mode\":\"auto\",\"timeout_sec\":20}");
            assertThat(http.status()).as(http.body()).isEqualTo(200);
            Map<?, ?> payload = (Map<?, ?>) ((Map<?, ?>) http.json().get("result")).get("payload");
            assertThat(payload.get("used_transport")).as(http.body()).isEqualTo("http_relay");
            assertThat(endpoint.paths()).contains("/run");
        }
    }

    @Test
    void watchWithAWrongTokenExits1InsteadOfRetryingForever() throws Exception {
        try (CliProcess node = CliProcess.start("node", "register", "--gateway", gateway.url(), "--token", "wrong",
                "--id", "cli-watch-denied", "--watch")) {
            int code = node.waitFor(Duration.ofSeconds(20));
            assertThat(code).as(node.dump()).isEqualTo(1);
            List<String> errors = node.stderr().stream().filter(l -> l.startsWith("error:")).toList();
            assertThat(errors).as(node.dump()).hasSize(1);
            assertThat(errors.get(0)).startsWith("error: http 401");
        }
    }

    private boolean online(String id) {
        try {
            TestHttp.Reply r = TestHttp.get(gateway.url() + "/webui/api/nodes", TOKEN);
            List<?> nodes = (List<?>) r.json().get("nodes");
            return nodes.stream().map(n -> (Map<?, ?>) n)
                    .anyMatch(n -> id.equals(n.get("id")) && Boolean.TRUE.equals(n.get("online")));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
