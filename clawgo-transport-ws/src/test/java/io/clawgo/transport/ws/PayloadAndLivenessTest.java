package io.clawgo.transport.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Large frames up to the configured limit, answers above it, and slow requests next to heartbeats. */
class PayloadAndLivenessTest {
    private static final int BLOB = 7_864_320; // 7.5 MiB
    private static final int TOO_BIG = 9 * 1024 * 1024;

    @TempDir
    Path dir;

    /** Deterministic printable text of {@code n} characters (JSON escapes none of them). */
    static String blob(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        char[] c = new char[n];
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_.:;!?=()[]{} ";
        for (int i = 0; i < n; i++) {
            c[i] = alphabet.charAt(r.nextInt(alphabet.length()));
        }
        return new String(c);
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void responsesUpToTheLimitArriveIntactAndLargerOnesFailCleanlyWithoutDroppingTheNode() throws Exception {
        String expected = sha256(blob(7, BLOB));
        try (Gateway gw = TunnelTests.gateway(dir);
             NodeAgent node = TunnelTests.node(gw.url(), "bulk", req -> switch (req.task()) {
                 case "big" -> Response.ok(Map.of("blob", blob(7, BLOB)));
                 case "huge" -> Response.ok(Map.of("blob", blob(8, TOO_BIG)));
                 default -> Response.ok(Map.of("echo", req.task()));
             })) {
            assertThat(gw.config().maxMessageBytes()).isEqualTo(WireCodec.DEFAULT_MAX_BYTES);

            Response big = gw.dispatch(Request.of("run").withNode("bulk").withTask("big"), DispatchMode.P2P,
                    Duration.ofSeconds(30)).get(35, TimeUnit.SECONDS);
            assertThat(big.ok()).as(big.code() + " " + big.error()).isTrue();
            String got = big.payloadString("blob");
            assertThat(got).hasSize(BLOB);
            assertThat(sha256(got)).isEqualTo(expected);

            Response huge = gw.dispatch(Request.of("run").withNode("bulk").withTask("huge"), DispatchMode.AUTO,
                    Duration.ofSeconds(30)).get(35, TimeUnit.SECONDS);
            assertThat(huge.ok()).isFalse();
            assertThat(huge.code()).isEqualTo("payload_too_large");
            // not a transport failure: no retry over the relay
            assertThat(huge.payloadString("used_transport")).isEqualTo("websocket_tunnel");
            assertThat(huge.payload()).doesNotContainKey("fallback_from");

            // a request above the limit never leaves the gateway, in any mode
            String tooLong = blob(9, TOO_BIG);
            for (DispatchMode mode : List.of(DispatchMode.P2P, DispatchMode.AUTO)) {
                Response r = gw.dispatch(new Request("run", "bulk", "x", null, Map.of("data", tooLong)), mode,
                        Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
                assertThat(r.code()).as(mode.wire()).isEqualTo("payload_too_large");
                assertThat(r.error()).contains("exceeds the message limit of " + WireCodec.DEFAULT_MAX_BYTES);
                assertThat(r.payload()).doesNotContainKey("fallback_from");
            }

            // the socket stayed up throughout
            Response small = gw.dispatch(Request.of("run").withNode("bulk").withTask("small"), DispatchMode.P2P,
                    Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
            assertThat(small.ok()).isTrue();
            assertThat(small.payloadString("echo")).isEqualTo("small");
            assertThat(node.isConnected()).isTrue();
            assertThat(TunnelTests.session(gw, "bulk")).get().satisfies(s -> {
                assertThat(s.status()).isEqualTo("open");
                assertThat(s.retryCount()).isZero();
                assertThat(s.inFlight()).isZero();
            });
        }
    }

    @Test
    void aSlowRequestBlocksNeitherHeartbeatsNorOtherRequests() throws Exception {
        try (Gateway gw = TunnelTests.gateway(dir);
             NodeAgent node = TunnelTests.node(gw.url(), "mixed", req -> {
                 if ("slow".equals(req.task())) {
                     Thread.sleep(3000);
                 }
                 return Response.ok(Map.of("echo", req.task()));
             }, b -> b.heartbeatInterval(Duration.ofSeconds(1)))) {
            Instant slowStart = Instant.now();
            CompletableFuture<Response> slow = gw.dispatch(Request.of("run").withNode("mixed").withTask("slow"),
                    DispatchMode.P2P,
                    Duration.ofSeconds(10));
            Thread.sleep(100);
            long t0 = System.nanoTime();
            List<CompletableFuture<Response>> quick = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                quick.add(gw.dispatch(Request.of("run").withNode("mixed").withTask("q" + i), DispatchMode.P2P,
                        Duration.ofSeconds(10)));
            }
            for (int i = 0; i < 20; i++) {
                Response r = quick.get(i).get(3, TimeUnit.SECONDS);
                assertThat(r.ok()).isTrue();
                assertThat(r.payloadString("echo")).isEqualTo("q" + i);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
            assertThat(slow).isNotDone();

            Response s = slow.get(10, TimeUnit.SECONDS);
            assertThat(s.ok()).isTrue();
            assertThat(s.payloadString("echo")).isEqualTo("slow");
            // heartbeats kept arriving while the slow request ran (interval 1 s, it ran 3 s)
            NodeInfo info = gw.node("mixed").orElseThrow();
            assertThat(info.online()).isTrue();
            assertThat(info.lastSeenAt()).isAfter(slowStart.plusMillis(1500));
            assertThat(node.isConnected()).isTrue();
            assertThat(TunnelTests.session(gw, "mixed")).get().satisfies(m -> {
                assertThat(m.status()).isEqualTo("open");
                assertThat(m.retryCount()).isZero();
            });
        }
    }
}
