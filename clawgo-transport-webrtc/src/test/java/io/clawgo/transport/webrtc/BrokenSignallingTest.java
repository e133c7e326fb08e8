package io.clawgo.transport.webrtc;

import static io.clawgo.testing.TestHttp.list;
import static io.clawgo.testing.TestHttp.map;
import static io.clawgo.transport.webrtc.GatewayWebRtcTest.sessionOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.testing.LoopbackRelay;
import io.clawgo.testing.RawControlClient;
import io.clawgo.testing.SeedEndpoint;
import io.clawgo.testing.TestHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that registers over the control socket but never answers offers (written from the protocol document, with
 * no webrtc): the gateway times out within its ready timeout, falls back to the HTTP relay in auto mode and records
 * it, backs off, and after repeated attempts raises {@code p2p_session_unstable}.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class BrokenSignallingTest {
    private static final long READY_MS = 1500;
    private static Gateway gw;
    private static SeedEndpoint seed;
    private static RawControlClient mute;
    @TempDir
    static Path data;

    @BeforeAll
    static void start() throws Exception {
        NetNs.assumeInside();
        System.setProperty("clawgo.webrtc.ready_timeout_ms", String.valueOf(READY_MS));
        System.setProperty("clawgo.webrtc.backoff_min_ms", "100");
        System.setProperty("clawgo.webrtc.backoff_max_ms", "400");
        try {
            seed = SeedEndpoint.start("mute");
            // the relay fallback goes to the seed endpoint on 127.0.0.1, which the relay refuses by default
            gw = Gateway.builder().host("127.0.0.1").port(0).dataDir(data).nodePolicy(LoopbackRelay.POLICY)
                    .transport("webrtc").start();
        } finally {
            System.clearProperty("clawgo.webrtc.ready_timeout_ms");
            System.clearProperty("clawgo.webrtc.backoff_min_ms");
            System.clearProperty("clawgo.webrtc.backoff_max_ms");
        }
        mute = RawControlClient.connect(gw.url(), null);
        Map<String, Object> ack = mute.exchange("{\"type\":\"register\",\"node\":{\"id\":\"mute\",\"endpoint\":\""
                + seed.url() + "\",\"actions\":[\"run\"],\"capabilities\":{\"run\":true,\"invoke\":true}}}");
        assertThat(ack).containsEntry("ok", true);
    }

    @AfterAll
    static void stop() {
        if (mute != null) {
            mute.close();
        }
        if (gw != null) {
            gw.close();
        }
        if (seed != null) {
            seed.close();
        }
    }

    @Test
    void timeoutFallbackAndUnstableAlert() throws Exception {
        // p2p only: p2p_timeout within the ready timeout
        long t0 = System.nanoTime();
        Response p2p = gw.dispatch(new Request("run", "mute", null, null, Map.of()),
                DispatchMode.P2P, Duration.ofSeconds(20))
                .get(30, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(p2p.code()).isEqualTo(ErrorCodes.P2P_TIMEOUT);
        assertThat(ms).isBetween(READY_MS - 300, READY_MS + 1500);
        // the node did get an offer over its control socket, in the documented shape
        Map<String, Object> offer = mute.next(Duration.ofSeconds(5), m -> "signal_offer".equals(m.get("type")));
        assertThat(offer).containsEntry("from", "gateway").containsEntry("to", "mute").containsEntry("session", "mute");
        assertThat(map(offer.get("payload"))).containsEntry("type", "offer").containsKey("sdp");

        // auto: the relay answers, and the record says webrtc failed first
        Response auto = null;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Map<String, Object> session = null;
        while (System.nanoTime() < end) {
            auto = gw.dispatch(new Request("run", "mute", null, null, Map.of()),
                    DispatchMode.AUTO, Duration.ofSeconds(20))
                    .get(30, TimeUnit.SECONDS);
            assertThat(auto.ok()).as("%s", auto).isTrue();
            assertThat(auto.payload()).containsEntry("used_transport", "http_relay")
                    .containsEntry("fallback_from", "webrtc");
            assertThat(auto.payload().get("result")).isEqualTo("run from mute");
            session = sessionOf(TestHttp.get(gw.url() + "/webui/api/nodes", null).json(), "mute");
            if (((Number) session.get("retry_count")).intValue() >= 3) {
                break;
            }
            Thread.sleep(50);
        }
        assertThat(session).isNotNull();
        assertThat(((Number) session.get("retry_count")).intValue()).isGreaterThanOrEqualTo(3);
        assertThat(session.get("status")).isIn("timeout", "connecting");

        Map<String, Object> api = TestHttp.get(gw.url() + "/webui/api/nodes", null).json();
        Map<String, Object> row = list(api.get("dispatches")).get(0);
        assertThat(row).containsEntry("used_transport", "http_relay").containsEntry("fallback_from", "webrtc")
                .containsEntry("ok", true);
        assertThat(list(api.get("alerts"))).anySatisfy(a -> assertThat(a)
                .containsEntry("kind", "p2p_session_unstable").containsEntry("node", "mute"));
        assertThat(list(map(api.get("p2p")).get("nodes"))).hasSize(1);
    }

    @Test
    void aStrayAnswerGetsAnErrorAckAndNoSession() throws Exception {
        try (RawControlClient other = RawControlClient.connect(gw.url(), null)) {
            assertThat(other.exchange("{\"type\":\"register\",\"node\":{\"id\":\"stray\"}}")).containsEntry("ok", true);
            Map<String, Object> ack = other.exchange("{\"type\":\"signal_answer\",\"id\":\"s1\",\"to\":\"gateway\","
                    + "\"session\":\"stray\",\"payload\":{\"type\":\"answer\",\"sdp\":\"v=0\"}}");
            assertThat(ack).containsEntry("ok", false).containsEntry("id", "s1");
            assertThat((String) ack.get("error")).contains("no webrtc session");
            assertThat(sessionOf(TestHttp.get(gw.url() + "/webui/api/nodes", null).json(), "stray")).isNull();
            // and no offer was sent to it
            assertThat(TestHttp.await(Duration.ofMillis(500), () -> false)).isFalse();
        }
    }
}
