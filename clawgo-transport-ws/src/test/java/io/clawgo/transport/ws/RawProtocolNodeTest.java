package io.clawgo.transport.ws;

import static io.clawgo.transport.ws.TunnelTests.TOKEN;
import static io.clawgo.testing.TestHttp.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clawgo.Gateway;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.testing.RawControlClient;
import io.clawgo.testing.SeedEndpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node written only from docs/protocol.md ("Control WebSocket"): a raw WebSocket that registers and answers
 * {@code node_request} frames by hand, with no help from the library's node agent. Also what a misbehaving or hostile
 * peer can and cannot do.
 */
class RawProtocolNodeTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;
    Gateway gw;

    @BeforeEach
    void start() {
        gw = TunnelTests.gatewayRelayToLoopback(dir);
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    private RawControlClient register(String id, String extra) throws Exception {
        RawControlClient c = RawControlClient.connect(gw.url(), TOKEN);
        Map<String, Object> ack = c.exchange("{\"type\":\"register\",\"node\":{\"id\":\"" + id + "\",\"name\":\"" + id
                + "\",\"capabilities\":{\"run\":true,\"invoke\":true,\"model\":true}" + extra + "}}");
        assertThat(ack).containsEntry("ok", true).containsEntry("type", "registered").containsEntry("id", id);
        return c;
    }

    private static boolean isRequest(Map<String, Object> m) {
        return "node_request".equals(m.get("type"));
    }

    @Test
    void aNodeThatListsItsTransportsWithoutTheTunnelIsNotSentTunnelRequests() throws Exception {
        try (RawControlClient raw = register("no-tunnel", ",\"transports\":[\"tcp_example\"]")) {
            assertThat(gw.node("no-tunnel").orElseThrow().transports()).containsExactly("tcp_example");
            long t0 = System.nanoTime();
            Response r = gw.dispatch(Request.of("run").withNode("no-tunnel"), DispatchMode.P2P, Duration.ofSeconds(10))
                    .get(5, TimeUnit.SECONDS);
            assertThat(r.ok()).isFalse();
            assertThat(r.code()).isEqualTo("p2p_unavailable");
            assertThat(r.error()).contains("does not offer websocket_tunnel").contains("tcp_example");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("at once, not at the timeout")
                    .isLessThan(Duration.ofSeconds(5));
            assertThatThrownBy(() -> raw.next(Duration.ofMillis(300), RawProtocolNodeTest::isRequest))
                    .as("no node_request was sent").hasMessageContaining("no matching frame");
        }
        // a node that does not say which transports it has is tried as before (aHandWrittenNodeAnswers...)
    }

    @Test
    void aHandWrittenNodeAnswersTunnelledRequests() throws Exception {
        try (RawControlClient raw = register("raw-1", "")) {
            CompletableFuture<Response> f = gw.dispatch(new Request("run", "raw-1", null, null, Map.of("cmd", "uptime")),
                    DispatchMode.P2P, Duration.ofSeconds(10));
            Map<String, Object> frame = raw.next(WAIT, RawProtocolNodeTest::isRequest);
            String id = (String) frame.get("id");
            assertThat(id).matches("[A-Za-z0-9_-]{22}");
            assertThat(frame).containsEntry("to", "raw-1");
            Map<String, Object> request = map(frame.get("request"));
            assertThat(request).containsEntry("action", "run").containsEntry("node", "raw-1");
            assertThat(map(request.get("args"))).containsEntry("cmd", "uptime");

            raw.send("{\"type\":\"node_response\",\"id\":\"" + id + "\",\"from\":\"raw-1\",\"to\":\"gateway\","
                    + "\"response\":{\"ok\":true,\"code\":\"ok\",\"node\":\"raw-1\",\"action\":\"run\","
                    + "\"payload\":{\"stdout\":\"up 3 days\"}}}");
            Response r = f.get(5, TimeUnit.SECONDS);
            assertThat(r.ok()).isTrue();
            assertThat(r.node()).isEqualTo("raw-1");
            assertThat(r.payloadString("stdout")).isEqualTo("up 3 days");
            assertThat(r.payloadString("used_transport")).isEqualTo("websocket_tunnel");

            // a second request gets a different, unpredictable id
            CompletableFuture<Response> g = gw.dispatch(Request.of("run").withNode("raw-1"),
                    DispatchMode.P2P, Duration.ofSeconds(10));
            String id2 = (String) raw.next(WAIT, RawProtocolNodeTest::isRequest).get("id");
            assertThat(id2).isNotEqualTo(id).matches("[A-Za-z0-9_-]{22}");
            // a minimal answer: node and action are filled in by the gateway
            raw.send("{\"type\":\"node_response\",\"id\":\"" + id2 + "\",\"response\":{\"ok\":true}}");
            Response r2 = g.get(5, TimeUnit.SECONDS);
            assertThat(r2.ok()).isTrue();
            assertThat(r2.node()).isEqualTo("raw-1");
            assertThat(r2.action()).isEqualTo("run");
            assertThat(r2.code()).isEqualTo("ok");
        }
    }

    @Test
    void aResponseCountsOnlyOnTheConnectionTheRequestWentOutOn() throws Exception {
        try (RawControlClient victim = register("victim", "");
             RawControlClient attacker = register("attacker", "")) {
            CompletableFuture<Response> f = gw.dispatch(Request.of("run").withNode("victim"), DispatchMode.P2P,
                    Duration.ofSeconds(10));
            String id = (String) victim.next(WAIT, RawProtocolNodeTest::isRequest).get("id");

            // even knowing the id, another connection cannot answer it, and it gets no error ack either
            attacker.send("{\"type\":\"node_response\",\"id\":\"" + id + "\",\"from\":\"victim\","
                    + "\"response\":{\"ok\":true,\"node\":\"victim\",\"payload\":{\"forged\":true}}}");
            Map<String, Object> ack = attacker.exchange("{\"type\":\"heartbeat\",\"id\":\"attacker\"}");
            assertThat(ack).containsEntry("ok", true).containsEntry("type", "heartbeat");
            assertThat(f).isNotDone();

            victim.send("{\"type\":\"node_response\",\"id\":\"" + id + "\",\"response\":{\"ok\":true,"
                    + "\"node\":\"someone-else\",\"payload\":{\"genuine\":true}}}");
            Response r = f.get(5, TimeUnit.SECONDS);
            assertThat(r.ok()).isTrue();
            assertThat(r.payload()).containsEntry("genuine", true).doesNotContainKey("forged");
            // who answered is the connection's node, whatever the frame says
            assertThat(r.node()).isEqualTo("victim");

            // a duplicate (and a reply to an id nobody asked) is dropped without an error ack: the next frame the
            // victim sees is its heartbeat ack, so a stray ack never fails a heartbeat (spec section 8 item 8)
            victim.send("{\"type\":\"node_response\",\"id\":\"" + id + "\",\"response\":{\"ok\":true}}");
            victim.send("{\"type\":\"node_response\",\"id\":\"never-issued\",\"response\":{\"ok\":true}}");
            Map<String, Object> next = victim.exchange("{\"type\":\"heartbeat\",\"id\":\"victim\"}");
            assertThat(next).containsEntry("ok", true).containsEntry("type", "heartbeat");
        }
    }

    @Test
    void anApplicationErrorFromTheNodeIsReturnedAsIsAndNeverRetriedOverTheRelay() throws Exception {
        try (SeedEndpoint endpoint = SeedEndpoint.start("raw-err");
             RawControlClient raw = register("raw-err", ",\"endpoint\":\"" + endpoint.url() + "\"")) {
            CompletableFuture<Response> f = gw.dispatch(Request.of("run").withNode("raw-err"), DispatchMode.AUTO,
                    Duration.ofSeconds(10));
            String id = (String) raw.next(WAIT, RawProtocolNodeTest::isRequest).get("id");
            raw.send("{\"type\":\"node_response\",\"id\":\"" + id + "\",\"response\":{\"ok\":false,"
                    + "\"code\":\"remote_error\",\"error\":\"disk full\"}}");
            Response r = f.get(5, TimeUnit.SECONDS);
            assertThat(r.ok()).isFalse();
            assertThat(r.code()).isEqualTo("remote_error");
            assertThat(r.error()).isEqualTo("disk full");
            assertThat(r.payloadString("used_transport")).isEqualTo("websocket_tunnel");
            assertThat(r.payload()).doesNotContainKey("fallback_from");
            // the action did not run a second time through the relay
            assertThat(endpoint.paths()).isEmpty();
        }
    }

    @Test
    void aNodeThatNeverAnswersGetsATimeoutAndNothingLeaks() throws Exception {
        try (RawControlClient raw = register("mute", "")) {
            long t0 = System.nanoTime();
            CompletableFuture<Response> f = gw.dispatch(Request.of("run").withNode("mute"), DispatchMode.P2P,
                    Duration.ofMillis(600));
            String id = (String) raw.next(WAIT, RawProtocolNodeTest::isRequest).get("id");
            Response r = f.get(5, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.ok()).isFalse();
            assertThat(r.code()).isEqualTo("timeout");
            assertThat(r.error()).containsPattern("node mute did not answer within (5[0-9][0-9]|600) ms");
            assertThat(ms).isBetween(550L, 1500L);
            assertThat(TunnelTests.session(gw, "mute")).get().satisfies(s -> {
                assertThat(s.inFlight()).isZero();
                assertThat(s.status()).isEqualTo("open");
            });
            // the late answer changes nothing and costs the node no error ack
            raw.send("{\"type\":\"node_response\",\"id\":\"" + id + "\",\"response\":{\"ok\":true}}");
            assertThat(raw.exchange("{\"type\":\"heartbeat\",\"id\":\"mute\"}")).containsEntry("ok", true);
            assertThat(f.get().code()).isEqualTo("timeout");
        }
    }

    @Test
    void aNodeWithoutAControlConnectionIsUnavailableAndAutoUsesTheRelay() throws Exception {
        try (SeedEndpoint endpoint = SeedEndpoint.start("http-only")) {
            // registered over plain HTTP only: no socket to tunnel through
            io.clawgo.testing.TestHttp.post(gw.url() + "/nodes/register", TOKEN, "{\"id\":\"http-only\",\"endpoint\":\""
                    + endpoint.url() + "\",\"capabilities\":{\"run\":true}}");
            Response p2p = gw.dispatch(Request.of("run").withNode("http-only"), DispatchMode.P2P, Duration.ofSeconds(5))
                    .get(10, TimeUnit.SECONDS);
            assertThat(p2p.code()).isEqualTo("p2p_unavailable");
            assertThat(p2p.error()).isEqualTo("node http-only has no open control connection");

            Response auto = gw.dispatch(Request.of("run").withNode("http-only"),
                    DispatchMode.AUTO, Duration.ofSeconds(5))
                    .get(10, TimeUnit.SECONDS);
            assertThat(auto.ok()).isTrue();
            assertThat(auto.payloadString("used_transport")).isEqualTo("http_relay");
            assertThat(auto.payloadString("fallback_from")).isEqualTo("websocket_tunnel");
            assertThat(endpoint.paths()).containsExactly("/run");
        }
    }
}
