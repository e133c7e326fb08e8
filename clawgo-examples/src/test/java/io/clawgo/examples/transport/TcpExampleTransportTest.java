package io.clawgo.examples.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireCodec;
import io.clawgo.testing.RawControlClient;
import io.clawgo.testing.TestHttp;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tcp_example}, the transport written against the public SPI only: selected by name, carries
 * {@code dispatch_and_wait} end to end, shows up in {@code /webui/api/nodes}, and speaks the wire format that
 * {@code docs/custom-transports.md} describes (checked with a raw node that speaks it by hand).
 */
class TcpExampleTransportTest {
    private static final String TOKEN = "tcp-example-test";
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dataDir;

    private static Gateway gateway;
    private static NodeAgent node;

    @BeforeAll
    static void start() {
        gateway = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dataDir)
                .transport("tcp_example")
                .start();
        node = NodeAgent.builder().gateway(gateway.url()).token(TOKEN).id("tcp-1")
                .actions(List.of("agent_task", "run"))
                .handler(req -> Response.ok(Map.of("result", "tcp-1 did: " + req.task())))
                .build();
        node.start();
        assertThat(node.awaitConnected(Duration.ofSeconds(15))).isTrue();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void dispatchAndWaitGoesOverTcpAndTheNodesApiShowsTheSession() throws Exception {
        TestHttp.Reply r = TestHttp.post(gateway.url() + "/webui/api/subagents_runtime", TOKEN,
                "{\"action\":\"dispatch_and_wait\",\"agent_id\":\"node.tcp-1.main\",\"task\":\"hello\","
                        + "\"wait_timeout_sec\":20}");

        Map<?, ?> reply = (Map<?, ?>) ((Map<?, ?>) r.json().get("result")).get("reply");
        assertThat(reply.get("status")).as(r.body()).isEqualTo("completed");
        assertThat(reply.get("result")).isEqualTo("tcp-1 did: hello");
        assertThat(reply.get("used_transport")).isEqualTo("tcp_example");
        assertThat(reply.get("fallback_from")).isNull();

        Map<String, Object> nodes = TestHttp.get(gateway.url() + "/webui/api/nodes", TOKEN).json();
        Map<?, ?> p2p = (Map<?, ?>) nodes.get("p2p");
        assertThat(p2p.get("transport")).isEqualTo("tcp_example");
        assertThat(((Number) p2p.get("active_sessions")).intValue()).isGreaterThanOrEqualTo(1);
        Map<?, ?> session = session(p2p, "tcp-1");
        assertThat(session.get("status")).isEqualTo("open");
        assertThat(session.get("last_ready_at")).isNotNull();
        assertThat(TestHttp.get(gateway.url() + "/webui/api/version", TOKEN).json().get("p2p_transport"))
                .isEqualTo("tcp_example");
    }

    @Test
    void aNodeThatDoesNotListTheExampleIsDeclinedAtOnce() throws Exception {
        try (RawControlClient control = RawControlClient.connect(gateway.url(), TOKEN)) {
            // a node that runs neither this example nor the tunnel behind it: both decline without waiting
            control.send("{\"type\":\"register\",\"node\":{\"id\":\"webrtc-only\",\"actions\":[\"run\"],"
                    + "\"capabilities\":{\"run\":true},\"transports\":[\"webrtc\"]}}");
            assertThat(control.next(WAIT, m -> "registered".equals(m.get("type")))).containsEntry("ok", true);
            Response r = gateway.dispatch(io.clawgo.protocol.Request.of("run").withNode("webrtc-only"),
                    DispatchMode.P2P, WAIT)
                    .get(10, TimeUnit.SECONDS);
            assertThat(r.code()).isEqualTo(io.clawgo.protocol.ErrorCodes.P2P_UNAVAILABLE);
            assertThat(r.payload()).containsEntry("fallback_from", "tcp_example");
            assertThat(String.valueOf(r.payload().get("p2p_error"))).contains("does not offer tcp_example");
        }
    }

    @Test
    void anEmptyTransportNameNeverPicksTheExample(@TempDir Path dir) {
        try (Gateway auto = Gateway.builder().host("127.0.0.1").port(0).dataDir(dir).transport("").start()) {
            assertThat(auto.p2pTransport()).contains("websocket_tunnel");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aRawNodeSpeakingTheDocumentedWireFormatWorks() throws Exception {
        try (RawControlClient control = RawControlClient.connect(gateway.url(), TOKEN)) {
            control.send("{\"type\":\"register\",\"node\":{\"id\":\"raw-tcp\",\"actions\":[\"agent_task\"],"
                    + "\"capabilities\":{\"model\":true}}}");
            Map<String, Object> offer = control.next(WAIT, m -> "tcp_example_offer".equals(m.get("type")));
            assertThat(offer).containsEntry("from", "gateway").containsEntry("to", "raw-tcp");
            Map<?, ?> payload = (Map<?, ?>) offer.get("payload");
            String host = (String) payload.get("host");
            int port = ((Number) payload.get("port")).intValue();
            String ticket = (String) offer.get("session");
            assertThat(ticket).matches("[0-9a-f]{32}");

            try (Socket wrong = new Socket(host, port)) {
                write(wrong, "{\"type\":\"tcp_example_hello\",\"from\":\"raw-tcp\",\"to\":\"gateway\","
                        + "\"session\":\"" + "0".repeat(32) + "\"}");
                assertThat(read(wrong)).containsEntry("ok", false).containsEntry("type", "tcp_example_hello");
            }
            try (Socket other = new Socket(host, port)) {
                write(other, "{\"type\":\"tcp_example_hello\",\"from\":\"tcp-1\",\"to\":\"gateway\","
                        + "\"session\":\"" + ticket + "\"}");
                assertThat(read(other)).as("a ticket is bound to its node").containsEntry("ok", false);
            }

            for (int round = 0; round < 2; round++) {
                try (Socket tcp = new Socket(host, port)) {
                    write(tcp, "{\"type\":\"tcp_example_hello\",\"from\":\"raw-tcp\",\"to\":\"gateway\","
                            + "\"session\":\"" + ticket + "\"}");
                    assertThat(read(tcp)).containsEntry("ok", true).containsEntry("type", "tcp_example_ready")
                            .containsEntry("id", "raw-tcp");

                    CompletableFuture<Response> answer = gateway.dispatch(
                            io.clawgo.protocol.Request.agentTask("raw-tcp", "ping " + round, Map.of()),
                                    DispatchMode.P2P, WAIT);
                    Map<String, Object> req = read(tcp);
                    assertThat(req).containsEntry("type", "node_request").containsEntry("to", "raw-tcp");
                    assertThat((Map<String, Object>) req.get("request")).containsEntry("action", "agent_task")
                            .containsEntry("task", "ping " + round);
                    write(tcp, "{\"type\":\"node_response\",\"id\":\"" + req.get("id") + "\",\"from\":\"raw-tcp\","
                            + "\"to\":\"gateway\",\"response\":{\"ok\":true,\"code\":\"ok\","
                            + "\"payload\":{\"result\":\"pong " + round + "\"}}}");
                    Response resp = answer.get(10, TimeUnit.SECONDS);
                    assertThat(resp.ok()).as(resp.toString()).isTrue();
                    assertThat(resp.payloadString("result")).isEqualTo("pong " + round);
                    assertThat(resp.payloadString("used_transport")).isEqualTo("tcp_example");
                }
                // the connection is gone; the gateway notices and the next hello re-establishes the session
                assertThat(TestHttp.await(Duration.ofSeconds(5),
                        () -> "closed".equals(session(gateway, "raw-tcp").status()))).isTrue();
            }
            assertThat(session(gateway, "raw-tcp").retryCount()).as("one re-establishment").isEqualTo(1);
        }
    }

    @Test
    void aRequestInFlightFailsAtOnceWhenTheConnectionDropsAndIsNotRetried() throws Exception {
        try (RawControlClient control = RawControlClient.connect(gateway.url(), TOKEN)) {
            control.send("{\"type\":\"register\",\"node\":{\"id\":\"raw-drop\",\"actions\":[\"agent_task\"],"
                    + "\"capabilities\":{\"model\":true}}}");
            Map<String, Object> offer = control.next(WAIT, m -> "tcp_example_offer".equals(m.get("type")));
            Map<?, ?> payload = (Map<?, ?>) offer.get("payload");
            CompletableFuture<Response> answer;
            long start;
            try (Socket tcp = new Socket((String) payload.get("host"), ((Number) payload.get("port")).intValue())) {
                write(tcp, "{\"type\":\"tcp_example_hello\",\"from\":\"raw-drop\",\"session\":\""
                        + offer.get("session") + "\"}");
                assertThat(read(tcp)).containsEntry("ok", true);
                answer = gateway.dispatch(io.clawgo.protocol.Request.agentTask("raw-drop", "x", Map.of()),
                        DispatchMode.AUTO,
                        Duration.ofSeconds(30));
                assertThat(read(tcp)).containsEntry("type", "node_request");
                start = System.nanoTime();
            }
            Response resp = answer.get(10, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(resp.ok()).isFalse();
            assertThat(resp.code()).as("the node may have run it: no fallback").isEqualTo("transport_error");
            assertThat(resp.payloadString("used_transport")).isEqualTo("tcp_example");
            assertThat(resp.payloadString("fallback_from")).isNull();
        }
    }

    private static Map<?, ?> session(Map<?, ?> p2p, String node) {
        return ((List<?>) p2p.get("nodes")).stream().map(o -> (Map<?, ?>) o)
                .filter(m -> node.equals(m.get("node"))).findFirst()
                .orElseThrow(() -> new AssertionError("no session of " + node + " in " + p2p));
    }

    private static io.clawgo.spi.SessionStatus session(Gateway gateway, String node) {
        io.clawgo.GatewayStatus.P2p p2p = gateway.status().p2p();
        return p2p.sessions().stream().filter(s -> node.equals(s.node())).findFirst()
                .orElseThrow(() -> new AssertionError("no session of " + node + " in " + p2p));
    }

    private static void write(Socket s, String json) throws Exception {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.writeInt(b.length);
        out.write(b);
        out.flush();
    }

    private static Map<String, Object> read(Socket s) throws Exception {
        s.setSoTimeout(10_000);
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return WireCodec.get().decodeMap(new String(b, StandardCharsets.UTF_8), 1 << 20);
    }
}
