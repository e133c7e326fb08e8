package io.clawgo.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.protocol.WireCodec;
import io.clawgo.testing.SeedEndpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/** {@code clawgo dispatch} against a gateway and a node in this JVM. */
@Execution(ExecutionMode.CONCURRENT)
class DispatchCliTest {
    private static final String TOKEN = "dispatch-test-token";
    private static final Duration TIMEOUT = Duration.ofSeconds(40);

    @TempDir
    static Path dataDir;

    private static Gateway gateway;
    private static SeedEndpoint endpoint;
    private static NodeAgent node;

    @BeforeAll
    static void start() throws Exception {
        gateway = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dataDir)
                .transport("websocket_tunnel")
                .localAgent("echo", "Echo", task -> "echo: " + task.task())
                .start();
        endpoint = SeedEndpoint.start("dispatch-endpoint");
        node = NodeAgent.builder().gateway(gateway.url()).token(TOKEN).id("dispatch-node")
                .endpoint(endpoint.url()).actions(List.of("run", "agent_task")).build();
        node.start();
        assertThat(node.awaitConnected(Duration.ofSeconds(15))).isTrue();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        if (endpoint != null) {
            endpoint.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void dispatchToANodePrintsTheCompletedReplyAndExits0() throws Exception {
        CliProcess.Result r = CliProcess.run(TIMEOUT, Map.of("CLAWGO_GATEWAY_TOKEN", TOKEN), "dispatch",
                "--gateway", gateway.url(), "--agent", "node.dispatch-node.main",
                "--task", "Return exactly the string NODE_P2P_OK", "--wait-sec", "20");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        Map<String, Object> reply = WireCodec.get().decodeMap(r.stdoutText(), 1 << 20);
        assertThat(reply.get("status")).isEqualTo("completed");
        assertThat(reply.get("result")).isEqualTo("agent_task from dispatch-endpoint");
        assertThat(reply.get("node")).isEqualTo("dispatch-node");
        assertThat(reply.get("used_transport")).isEqualTo("websocket_tunnel");
        assertThat(r.stdout()).as("pretty-printed").hasSizeGreaterThan(3);
    }

    @Test
    void dispatchToALocalAgentWorksToo() throws Exception {
        CliProcess.Result r = CliProcess.run(TIMEOUT, "dispatch", "--gateway", gateway.url(), "--token", TOKEN,
                "--agent", "echo", "--task", "hi");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        Map<String, Object> reply = WireCodec.get().decodeMap(r.stdoutText(), 1 << 20);
        assertThat(reply.get("result")).isEqualTo("echo: hi");
    }

    @Test
    void dispatchToAnUnknownAgentExits1() throws Exception {
        CliProcess.Result r = CliProcess.run(TIMEOUT, "dispatch", "--gateway", gateway.url(), "--token", TOKEN,
                "--agent", "node.nobody.main", "--task", "hi", "--wait-sec", "5");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        if (r.stdout().isEmpty()) {
            assertThat(r.errorLines()).as(r.toString()).hasSize(1);
        } else {
            Map<String, Object> reply = WireCodec.get().decodeMap(r.stdoutText(), 1 << 20);
            assertThat(reply.get("status")).isNotEqualTo("completed");
        }
    }
}
