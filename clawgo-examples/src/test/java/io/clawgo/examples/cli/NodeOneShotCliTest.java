package io.clawgo.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.GatewayClient;
import io.clawgo.protocol.Capabilities;
import io.clawgo.protocol.NodeInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/** {@code clawgo node register} (without --watch) and {@code clawgo node heartbeat} against an in-process gateway. */
@Execution(ExecutionMode.CONCURRENT)
class NodeOneShotCliTest {
    private static final String TOKEN = "oneshot-test-token";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    static Path dataDir;

    private static Gateway gateway;

    @BeforeAll
    static void startGateway() {
        gateway = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dataDir)
                .transport("websocket_tunnel").start();
    }

    @AfterAll
    static void stopGateway() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void registerWithoutWatchRegistersAndExits0() throws Exception {
        CliProcess.Result r = CliProcess.run(TIMEOUT, "node", "register", "--gateway", gateway.url(),
                "--token", TOKEN, "--id", "cli-once", "--name", "CLI once", "--endpoint", "http://127.0.0.1:19081/",
                "--node-token", "endpoint-secret", "--actions", "run,agent_task", "--models", "m1",
                "--tags", "a,b", "--capabilities", "run,camera");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).as(r.toString()).containsExactly("Node registered: cli-once -> " + gateway.url());
        NodeInfo node = gateway.node("cli-once").orElseThrow();
        assertThat(node.name()).isEqualTo("CLI once");
        assertThat(node.endpoint()).isEqualTo("http://127.0.0.1:19081");
        assertThat(node.actions()).containsExactly("run", "agent_task");
        assertThat(node.models()).containsExactly("m1");
        assertThat(node.tags()).containsExactly("a", "b");
        assertThat(node.capabilities()).isEqualTo(new Capabilities(true, false, false, true, false, false, false));
        assertThat(r.stdoutText() + r.stderrText()).doesNotContain(TOKEN).doesNotContain("endpoint-secret");
    }

    @Test
    void gatewayUrlAndTokenComeFromTheEnvironment() throws Exception {
        // no scheme and a trailing slash, as the original CLI accepts them
        String bare = gateway.url().substring("http://".length()) + "/";
        CliProcess.Result r = CliProcess.run(TIMEOUT,
                Map.of("CLAWGO_GATEWAY_URL", bare, "CLAWGO_GATEWAY_TOKEN", TOKEN),
                "node", "register", "--id", "cli-env");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).containsExactly("Node registered: cli-env -> " + gateway.url());
        NodeInfo node = gateway.node("cli-env").orElseThrow();
        assertThat(node.capabilities()).isEqualTo(Capabilities.DEFAULT);
    }

    @Test
    void registerWithAWrongTokenExits1WithOneErrorLine() throws Exception {
        CliProcess.Result r = CliProcess.run(TIMEOUT, "node", "register", "--gateway", gateway.url(),
                "--token", "not-the-token", "--id", "cli-denied");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.errorLines()).as(r.toString()).hasSize(1);
        assertThat(r.errorLines().get(0)).startsWith("error: http 401");
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderrText()).doesNotContain("not-the-token");
        assertThat(gateway.node("cli-denied")).isEmpty();
    }

    @Test
    void registerWithAnUnreachableGatewayExits1() throws Exception {
        CliProcess.Result r = CliProcess.run(TIMEOUT, "node", "register", "--gateway", "http://127.0.0.1:1",
                "--id", "cli-nowhere");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.errorLines()).as(r.toString()).hasSize(1);
    }

    @Test
    void heartbeatForAnUnknownNodeExits1() throws Exception {
        CliProcess.Result r = CliProcess.run(TIMEOUT, "node", "heartbeat", "--gateway", gateway.url(),
                "--token", TOKEN, "--id", "never-registered");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.errorLines()).as(r.toString()).hasSize(1);
        assertThat(r.errorLines().get(0)).startsWith("error: http 404");
        assertThat(r.stdout()).isEmpty();
    }

    @Test
    void heartbeatForARegisteredNodeExits0() throws Exception {
        try (GatewayClient client = GatewayClient.create(gateway.url(), TOKEN)) {
            client.register(NodeInfo.builder("cli-hb").build());
        }

        CliProcess.Result r = CliProcess.run(TIMEOUT, "node", "heartbeat", "--gateway", gateway.url(),
                "--token", TOKEN, "--id", "cli-hb");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).containsExactly("Heartbeat sent: cli-hb -> " + gateway.url());
    }
}
