package io.clawgo.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.testing.ChildJvm;
import io.clawgo.testing.SeedEndpoint;
import io.clawgo.testing.TestHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Runs each example's {@code main} as a real child JVM ({@code java -cp <test class path> io.clawgo.examples.X}) and
 * checks what it does through the gateway's REST API: the gateway, nodes and endpoints they talk to run in this JVM on
 * 127.0.0.1 with ephemeral ports.
 */
@Execution(ExecutionMode.CONCURRENT)
class ExamplesTest {
    private static final String TOKEN = "examples-test-token";
    private static final Duration START = Duration.ofSeconds(30);

    @TempDir
    static Path dataDir;

    /** The gateway that the node examples connect to. */
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

    private static Map<String, String> nodeEnv() {
        return Map.of("CLAWGO_GATEWAY_URL", gateway.url(), "CLAWGO_GATEWAY_TOKEN", TOKEN);
    }

    @Test
    void embeddedGatewayServesItsLocalAgentNextToNodeBranches(@TempDir Path workDir) throws Exception {
        try (ChildJvm child = ChildJvm.startIn(workDir, List.of(), EmbeddedGateway.class.getName(),
                Map.of("CLAWGO_GATEWAY_TOKEN", "gw-secret"), "--port", "0")) {
            Matcher m = child.awaitStdout("gateway on (http://127\\.0\\.0\\.1:\\d+); Ctrl-C to stop", START);
            String url = m.group(1);
            try (NodeAgent node = NodeAgent.builder().gateway(url).token("gw-secret").id("edge-1")
                    .actions(List.of("agent_task"))
                    .handler(req -> io.clawgo.protocol.Response.ok(Map.of("result", "edge-1: " + req.task())))
                    .build()) {
                node.start();
                assertThat(node.awaitConnected(Duration.ofSeconds(15))).isTrue();

                assertThat(dispatch(url, "gw-secret", "echo", "hi")).containsEntry("status", "completed")
                        .containsEntry("result", "echo: hi");
                assertThat(dispatch(url, "gw-secret", "node.edge-1.main", "hi"))
                        .containsEntry("status", "completed").containsEntry("result", "edge-1: hi")
                        .containsEntry("used_transport", "websocket_tunnel");
                Map<?, ?> registry = (Map<?, ?>) TestHttp.post(url + "/webui/api/subagents_runtime", "gw-secret",
                        "{\"action\":\"registry\"}").json().get("result");
                assertThat(((List<?>) registry.get("items")).stream()
                        .map(i -> String.valueOf(((Map<?, ?>) i).get("agent_id"))))
                        .contains("echo", "node.edge-1.main");
            }
            assertThat(workDir.resolve("clawgo-data")).as("default data directory, relative to the working dir")
                    .isDirectory();
            child.terminate();
            child.waitFor(Duration.ofSeconds(15));
        }
    }

    @Test
    void embeddedGatewayOnceAnswersTheVersionRouteAndExits0(@TempDir Path workDir) throws Exception {
        try (ChildJvm child = ChildJvm.startIn(workDir, List.of(), EmbeddedGateway.class.getName(), Map.of(),
                "--once")) {
            ChildJvm.Result r = child.result(START);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.stdoutText()).as(r.toString()).containsPattern("gateway on http://127\\.0\\.0\\.1:\\d+")
                    .contains("version: {ok=true").contains("p2p_transport=websocket_tunnel");
        }
    }

    @Test
    void embeddedNodeAnswersWithItsInProcessHandler() throws Exception {
        try (ChildJvm child = ChildJvm.start(EmbeddedNode.class.getName(), nodeEnv())) {
            child.awaitStdout("connected: true; Ctrl-C to stop", START);
            assertThat(gateway.subagents().dispatchAndWait(
                    io.clawgo.subagent.SpawnRequest.of("node.embedded-1.main", "hello"), Duration.ofSeconds(20))
                    .reply()).satisfies(reply -> {
                        assertThat(reply.status()).isEqualTo("completed");
                        assertThat(reply.result()).isEqualTo("embedded-1 did: hello");
                        assertThat(reply.usedTransport()).isEqualTo("websocket_tunnel");
                    });
            assertThat(gateway.node("embedded-1").map(NodeInfo::endpoint)).as("no HTTP endpoint at all").isEmpty();
            child.terminate();
            child.waitFor(Duration.ofSeconds(15));
            assertThat(TestHttp.await(Duration.ofSeconds(10),
                    () -> gateway.node("embedded-1").map(n -> !n.online()).orElse(false))).isTrue();
        }
    }

    @Test
    void forwardingNodeStartsATinyEndpointWhenNoneIsGiven() throws Exception {
        try (ChildJvm child = ChildJvm.start(ForwardingNode.class.getName(), nodeEnv())) {
            Matcher m = child.awaitStdout("forwarding to (http://127\\.0\\.0\\.1:\\d+); connected: true", START);
            assertThat(gateway.node("forwarding-1").map(NodeInfo::endpoint)).contains(m.group(1));
            Map<String, Object> reply = dispatch(gateway.url(), TOKEN, "node.forwarding-1.main", "hello");
            assertThat(reply).containsEntry("status", "completed")
                    .containsEntry("result", "agent_task handled by /agent/task: hello")
                    .containsEntry("used_transport", "websocket_tunnel");
        }
    }

    @Test
    void forwardingNodeForwardsToTheGivenEndpointWithTheNodeToken() throws Exception {
        Map<String, String> env = new java.util.HashMap<>(nodeEnv());
        env.put("CLAWGO_NODE_TOKEN", "endpoint-secret");
        try (SeedEndpoint endpoint = SeedEndpoint.start("seed-endpoint");
             ChildJvm child = ChildJvm.start(List.of(), ForwardingNode.class.getName(), env, endpoint.url())) {
            child.awaitStdout("forwarding to " + endpoint.url() + "; connected: true", START);
            Map<String, Object> reply = dispatch(gateway.url(), TOKEN, "node.forwarding-1.main", "hello");
            assertThat(reply).containsEntry("status", "completed")
                    .containsEntry("result", "agent_task from seed-endpoint");
            assertThat(endpoint.paths()).contains("/agent/task");
            assertThat(endpoint.authorizations()).contains("Bearer endpoint-secret");
        }
    }

    @Test
    void customTransportCarriesItsTaskOverTcpAndExits0() throws Exception {
        try (ChildJvm child = ChildJvm.start(CustomTransport.class.getName(), Map.of())) {
            ChildJvm.Result r = child.result(START);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.stdout()).as(r.toString())
                    .contains("reply: completed over tcp_example: tcp-node did: hello")
                    .anyMatch(l -> l.startsWith("p2p: transport tcp_example, active_sessions 1, "
                            + "sessions [tcp-node open]"));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> dispatch(String url, String token, String agent, String task) throws Exception {
        TestHttp.Reply r = TestHttp.post(url + "/webui/api/subagents_runtime", token,
                "{\"action\":\"dispatch_and_wait\",\"agent_id\":\"" + agent + "\",\"task\":\"" + task + "\","
                        + "\"wait_timeout_sec\":20}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return (Map<String, Object>) ((Map<?, ?>) r.json().get("result")).get("reply");
    }
}
