package io.clawgo.transport.webrtc;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.RequestHandler;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireMessage;
import io.clawgo.testing.TestHttp;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Both sides of the transport, wired in memory, opening real DataChannels inside the test namespace. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransportPairTest {

    @BeforeAll
    static void inside() {
        NetNs.assumeInside();
    }

    private static WebRtcSettings settings(long readyMillis) {
        return new WebRtcSettings(Duration.ofMillis(readyMillis), false, 64 * 1024, Duration.ofMillis(50),
                Duration.ofMillis(400), 1024 * 1024, 256 * 1024, 0, 0);
    }

    private static TransportPair pair(String id, P2pConfig p2p, long readyMillis, RequestHandler handler) {
        return new TransportPair(id, p2p, settings(readyMillis), settings(readyMillis), handler);
    }

    private static TransportPair echo(String id) {
        return pair(id, P2pConfig.of("webrtc"), 5000,
                req -> Response.ok(Map.of("echo", req.args(), "action", req.action())));
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** Text with varied content so that a lost, duplicated or reordered chunk changes the hash. */
    static String pattern(int bytes) {
        StringBuilder b = new StringBuilder(bytes + 16);
        for (int i = 0; b.length() < bytes; i++) {
            b.append(Integer.toString(i, 36)).append('.');
        }
        b.setLength(bytes);
        return b.toString();
    }

    @Test
    void aNodeThatRegisteredWithoutWebrtcIsAnsweredAtOnceWithoutAnOffer() throws Exception {
        try (TransportPair p = echo("no-rtc")) {
            p.advertise(List.of("websocket_tunnel"));
            long t0 = System.nanoTime();
            Response r = p.send(Request.of("run"), 10_000).get(5, TimeUnit.SECONDS);
            assertThat(r.ok()).isFalse();
            assertThat(r.code()).isEqualTo("p2p_unavailable");
            assertThat(r.error()).contains("does not offer webrtc").contains("websocket_tunnel");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("not after the 5 s ready timeout")
                    .isLessThan(Duration.ofSeconds(2));
            assertThat(p.toNode).as("no offer was signalled").isEmpty();
            // once it registers webrtc too, it is offered as usual
            p.advertise(List.of("webrtc", "websocket_tunnel"));
            Response ok = p.send(Request.of("run"), 10_000).get(15, TimeUnit.SECONDS);
            assertThat(ok.ok()).as("%s", ok).isTrue();
        }
    }

    @Test
    void requestOpensTheChannelAndRoundTrips() throws Exception {
        try (TransportPair p = echo("n1")) {
            Response r = p.send(new Request("run", null, null, null, Map.of("x", "y")), 10_000).get(15, TimeUnit.SECONDS);
            assertThat(r.ok()).as("%s", r).isTrue();
            assertThat(r.payload().get("echo")).isEqualTo(Map.of("x", "y"));
            assertThat(p.session().status()).isEqualTo("open");
            assertThat(p.session().lastReadyAt()).isNotNull();
            assertThat(p.session().retryCount()).isZero();
            assertThat(p.gateway.status().activeSessions()).isEqualTo(1);
            Response r2 = p.send(Request.of("run"), 10_000).get(15, TimeUnit.SECONDS);
            assertThat(r2.ok()).isTrue();
            assertThat(p.toNode.stream().filter(m -> m.normalizedType().equals("signal_offer")).count()).isEqualTo(1);
            // the offer carries the documented extensions; every signal was acked "signaled"
            WireMessage offer = p.toNode.stream().filter(m -> m.normalizedType().equals("signal_offer")).findFirst()
                    .orElseThrow();
            assertThat(offer.from()).isEqualTo("gateway");
            assertThat(offer.to()).isEqualTo("n1");
            assertThat(offer.session()).isEqualTo("n1");
            assertThat(offer.payload()).containsKeys("type", "sdp", "attempt", "max_message_bytes");
            assertThat(p.acks).isNotEmpty().allSatisfy(a -> assertThat(a.ok()).as("%s", a).isTrue());
        }
    }

    @Test
    void fourMebibytesEachWayArriveIntact() throws Exception {
        try (TransportPair p = pair("big", P2pConfig.of("webrtc"), 5000, req -> {
            String in = (String) req.args().get("data");
            return Response.ok(Map.of("sha", sha256(in), "data", pattern(4 * 1024 * 1024)));
        })) {
            String data = pattern(4 * 1024 * 1024 + 123);
            Response r = p.send(new Request("run", null, null, null, Map.of("data", data)), 30_000)
                    .get(40, TimeUnit.SECONDS);
            assertThat(r.ok()).as("%s", r.error()).isTrue();
            assertThat(r.payload().get("sha")).isEqualTo(sha256(data));
            String back = (String) r.payload().get("data");
            assertThat(back).hasSize(4 * 1024 * 1024);
            assertThat(sha256(back)).isEqualTo(sha256(pattern(4 * 1024 * 1024)));
        }
    }

    @Test
    void manyConcurrentRequestsAllComplete() throws Exception {
        try (TransportPair p = echo("conc")) {
            List<CompletableFuture<Response>> all = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                all.add(p.send(new Request("run", null, null, null, Map.of("i", (long) i, "pad", pattern(70_000))),
                        20_000));
            }
            for (int i = 0; i < all.size(); i++) {
                Response r = all.get(i).get(30, TimeUnit.SECONDS);
                assertThat(r.ok()).as("%s", r).isTrue();
                assertThat(((Map<?, ?>) r.payload().get("echo")).get("i")).isEqualTo((long) i);
            }
        }
    }

    @Test
    void aDirectHandlerAnswersFromTheCallbackThreadSmallAndLargeInterleaved() throws Exception {
        // small answers go out from the webrtc callback thread, large ones (chunked) from the pool; both at once, with
        // the gateway's writers holding the channel's lock, must neither deadlock nor lose or mix up an answer
        try (TransportPair p = pair("direct", P2pConfig.of("webrtc"), 5000, req -> {
            long i = (Long) req.args().get("i");
            return Response.ok(Map.of("i", i, "data", i % 4 == 0 ? pattern(40_000) : "s" + i));
        }).directHandler(true)) {
            List<CompletableFuture<Response>> all = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) { // below the 256 in flight per node
                all.add(p.send(new Request("run", null, null, null, Map.of("i", (long) i)), 20_000));
            }
            for (int i = 0; i < all.size(); i++) {
                Response r = all.get(i).get(30, TimeUnit.SECONDS);
                assertThat(r.ok()).as("%s", r).isTrue();
                assertThat(r.payload().get("i")).isEqualTo((long) i);
                assertThat(r.payload().get("data")).isEqualTo(i % 4 == 0 ? pattern(40_000) : "s" + i);
            }
            assertThat(p.session().status()).isEqualTo("open");
        }
    }

    @Test
    void smallAnswersCompleteOnTheCallbackThreadWhereAContinuationMaySendAgain() throws Exception {
        // a node_response of up to 16 KiB is decoded and completed on the gateway's DataChannel callback thread (no
        // hop to the pool); larger ones on the pool. A continuation that runs there and sends again over the same
        // channel, small and chunked, must neither deadlock nor lose an answer
        try (TransportPair p = pair("inline", P2pConfig.of("webrtc"), 5000, req -> {
            Thread.sleep(5); // the answer comes after the continuation is attached
            long size = (Long) req.args().get("size");
            return Response.ok(Map.of("i", req.args().get("i"), "data", pattern((int) size)));
        })) {
            assertThat(p.send(new Request("run", null, null, null, Map.of("i", -1L, "size", 0L)), 10_000)
                    .get(15, TimeUnit.SECONDS).ok()).isTrue();
            String test = Thread.currentThread().getName();
            CompletableFuture<String> small = p.send(new Request("run", null, null, null,
                    Map.of("i", 0L, "size", 100L)), 10_000).thenApply(r -> Thread.currentThread().getName());
            CompletableFuture<String> large = p.send(new Request("run", null, null, null,
                    Map.of("i", 0L, "size", 40_000L)), 10_000).thenApply(r -> Thread.currentThread().getName());
            assertThat(small.get(15, TimeUnit.SECONDS)).as("completed on the callback thread")
                    .isNotEqualTo(test).doesNotStartWith("clawgo-webrtc-gw");
            assertThat(large.get(15, TimeUnit.SECONDS)).as("a chunked answer is decoded on the pool")
                    .startsWith("clawgo-webrtc-gw");

            // four chains of 30 requests, each sent from the completion of the one before
            List<CompletableFuture<Long>> chains = new java.util.ArrayList<>();
            for (int c = 0; c < 4; c++) {
                chains.add(chain(p, c * 100L, 30));
            }
            for (int c = 0; c < chains.size(); c++) {
                assertThat(chains.get(c).get(30, TimeUnit.SECONDS)).isEqualTo(c * 100L + 29);
            }
            assertThat(p.session().status()).isEqualTo("open");
        }
    }

    /** {@code left} requests one after the other, each sent from the continuation of the previous answer. */
    private static CompletableFuture<Long> chain(TransportPair p, long i, int left) {
        long size = i % 3 == 0 ? 40_000 : 200;
        return p.send(new Request("run", null, null, null, Map.of("i", i, "size", size)), 10_000).thenCompose(r -> {
            if (!r.ok() || !Long.valueOf(i).equals(r.payload().get("i"))
                    || ((String) r.payload().get("data")).length() != size) {
                return CompletableFuture.failedFuture(new AssertionError("answer " + i + ": " + r));
            }
            return left == 1 ? CompletableFuture.completedFuture(i) : chain(p, i + 1, left - 1);
        });
    }

    @Test
    void noTimeLeftIsP2pTimeoutAtOnceAndNoTimeoutGivenUsesTheConfiguredOne() throws Exception {
        // the SPI's contract: zero or less is what earlier attempts left (nothing), null is "none given"
        try (TransportPair p = echo("budget")) {
            for (Duration none : List.of(Duration.ZERO, Duration.ofMillis(-5))) {
                Response r = p.gateway.send(Request.of("run").withNode(p.nodeId), none).toCompletableFuture()
                        .get(1, TimeUnit.SECONDS);
                assertThat(r.code()).as("%s", none).isEqualTo(ErrorCodes.P2P_TIMEOUT);
            }
            assertThat(p.toNode).as("no offer for a request without time").isEmpty();
            Response r = p.gateway.send(Request.of("run").withNode(p.nodeId), null).toCompletableFuture()
                    .get(15, TimeUnit.SECONDS);
            assertThat(r.ok()).as("%s", r).isTrue();
        }
    }

    @Test
    void aStraySignalIsRefusedAndCreatesNoSession() throws Exception {
        try (TransportPair p = echo("stray")) {
            p.fromNode(WireMessage.signal("signal_answer", "stray", "gateway", "stray",
                    Map.of("type", "answer", "sdp", "v=0")));
            p.fromNode(WireMessage.signal("signal_candidate", "stray", "gateway", "stray",
                    Map.of("candidate", "candidate:1 1 udp 1 10.251.0.2 9 typ host", "sdpMid", "0",
                            "sdpMLineIndex", 0L)));
            assertThat(TestHttp.await(Duration.ofSeconds(5), () -> p.acks.size() == 2)).isTrue();
            assertThat(p.acks).allSatisfy(a -> {
                assertThat(a.ok()).isFalse();
                assertThat(a.error()).contains("no webrtc session");
            });
            assertThat(p.gateway.status().nodes()).isEmpty();
            assertThat(p.toNode).isEmpty();
        }
    }

    @Test
    void brokenSignallingTimesOutWithinTheReadyTimeoutAndBacksOff() throws Exception {
        try (TransportPair p = pair("mute", P2pConfig.of("webrtc"), 800, req -> Response.ok(Map.of()))) {
            p.dropOffers(true);
            long t0 = System.nanoTime();
            Response r = p.send(Request.of("run"), 10_000).get(5, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.code()).isEqualTo(ErrorCodes.P2P_TIMEOUT);
            assertThat(ms).isBetween(600L, 2500L);
            assertThat(p.session().status()).isEqualTo("timeout");
            assertThat(p.session().lastError()).contains("not ready");
            assertThat(p.gateway.status().activeSessions()).isZero();
            // repeated requests: backoff answers at once, attempts count as retries
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (p.session().retryCount() < 3 && System.nanoTime() < end) {
                Response again = p.send(Request.of("run"), 10_000).get(5, TimeUnit.SECONDS);
                assertThat(again.code()).isIn(ErrorCodes.P2P_TIMEOUT, ErrorCodes.P2P_UNAVAILABLE);
                Thread.sleep(20);
            }
            assertThat(p.session().retryCount()).isGreaterThanOrEqualTo(3);
            // signalling repaired: the next attempt after the backoff opens
            p.dropOffers(false);
            Response ok = null;
            while (System.nanoTime() < end) {
                ok = p.send(Request.of("run"), 10_000).get(5, TimeUnit.SECONDS);
                if (ok.ok()) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(ok).isNotNull();
            assertThat(ok.ok()).as("%s", ok).isTrue();
            assertThat(p.session().status()).isEqualTo("open");
        }
    }

    @Test
    void slowAnswersTimeOutAndTheInFlightBoundHolds() throws Exception {
        P2pConfig p2p = P2pConfig.builder().transport("webrtc").maxInFlightPerNode(2).build();
        try (TransportPair p = pair("slow", p2p, 5000, req -> {
            Thread.sleep(((Number) req.args().getOrDefault("sleep", 0L)).longValue());
            return Response.ok(Map.of());
        })) {
            assertThat(p.send(Request.of("run"), 10_000).get(15, TimeUnit.SECONDS).ok()).isTrue();
            CompletableFuture<Response> a = p.send(new Request("run", null, null, null, Map.of("sleep", 1500L)), 400);
            CompletableFuture<Response> b = p.send(new Request("run", null, null, null, Map.of("sleep", 1500L)), 5000);
            Response busy = p.send(Request.of("run"), 5000).get(5, TimeUnit.SECONDS);
            assertThat(busy.code()).isEqualTo(ErrorCodes.P2P_BUSY);
            assertThat(a.get(5, TimeUnit.SECONDS).code()).isEqualTo(ErrorCodes.TIMEOUT);
            assertThat(b.get(5, TimeUnit.SECONDS).ok()).isTrue();
        }
    }

    @Test
    void controlDisconnectFailsInFlightRequestsAtOnce() throws Exception {
        try (TransportPair p = pair("drop", P2pConfig.of("webrtc"), 5000, req -> {
            Thread.sleep(3000);
            return Response.ok(Map.of());
        })) {
            CompletableFuture<Response> sent = p.send(Request.of("run"), 20_000);
            assertThat(TestHttp.await(Duration.ofSeconds(10), () -> p.session() != null
                    && p.session().status().equals("open"))).isTrue();
            Thread.sleep(100);
            long t0 = System.nanoTime();
            p.disconnect();
            Response r = sent.get(2, TimeUnit.SECONDS);
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1000);
            // it was sent, so the node may have run it: not a code that makes the router retry elsewhere
            assertThat(r.code()).isEqualTo(ErrorCodes.TRANSPORT_ERROR);
            assertThat(p.session()).as("an offline node has no session record").isNull();
            Response after = p.send(Request.of("run"), 2000).get(5, TimeUnit.SECONDS);
            assertThat(after.code()).isEqualTo(ErrorCodes.P2P_UNAVAILABLE);
        }
    }

    @Test
    void aSessionThatEndsUnderneathIsTornDownAndTheNextRequestOpensANewOne() throws Exception {
        // the node drops its peer connection while its control socket stays up (as a node that lost its session does):
        // the gateway must notice from the channel, fail the request in flight long before its timeout, and open a
        // new session for the next request
        try (TransportPair p = pair("reopen", P2pConfig.of("webrtc"), 5000, req -> {
            Thread.sleep(((Number) req.args().getOrDefault("sleep", 0L)).longValue());
            return Response.ok(Map.of());
        })) {
            assertThat(p.send(Request.of("run"), 10_000).get(15, TimeUnit.SECONDS).ok()).isTrue();
            assertThat(p.session().status()).isEqualTo("open");
            CompletableFuture<Response> inFlight = p.send(new Request("run", null, null, null,
                    Map.of("sleep", 3000L)), 20_000);
            Thread.sleep(200);
            long t0 = System.nanoTime();
            p.node.onDisconnected(); // only the node's side: the gateway still has the control channel
            Response lost = inFlight.get(10, TimeUnit.SECONDS);
            long noticedMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(lost.ok()).isFalse();
            // it was sent, so the node may have run it: not a code that makes the router retry elsewhere
            assertThat(lost.code()).as("%s", lost).isEqualTo(ErrorCodes.TRANSPORT_ERROR);
            assertThat(noticedMs).as("failed when the channel closed, not at the 20 s timeout").isLessThan(5000);
            assertThat(p.session().status()).isIn("closed", "disconnected", "failed");
            assertThat(p.session().lastError()).isNotBlank();

            // the next request (after the short backoff of these settings) opens a new session
            Response again = null;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < end) {
                again = p.send(Request.of("run"), 5_000).get(10, TimeUnit.SECONDS);
                if (again.ok() || !ErrorCodes.P2P_UNAVAILABLE.equals(again.code())) {
                    break;
                }
                Thread.sleep(100); // still inside the backoff
            }
            assertThat(again).isNotNull();
            assertThat(again.ok()).as("%s", again).isTrue();
            assertThat(p.session().status()).isEqualTo("open");
            assertThat(p.session().retryCount()).isEqualTo(1);
            assertThat(p.toNode.stream().filter(m -> m.normalizedType().equals("signal_offer")).count()).isEqualTo(2);
        }
    }

    @Test
    void aRequestWaitingForTheChannelFailsP2pUnavailableOnDisconnect() throws Exception {
        try (TransportPair p = pair("wait", P2pConfig.of("webrtc"), 5000, req -> Response.ok(Map.of()))) {
            p.dropOffers(true);
            CompletableFuture<Response> waiting = p.send(Request.of("run"), 20_000);
            Thread.sleep(200);
            p.disconnect();
            Response r = waiting.get(2, TimeUnit.SECONDS);
            assertThat(r.code()).isEqualTo(ErrorCodes.P2P_UNAVAILABLE);
        }
    }

    @Test
    void tooLargeRequestsAreRefusedBeforeSending() throws Exception {
        try (TransportPair p = echo("limit")) {
            Response r = p.send(new Request("run", null, null, null, Map.of("data", pattern(9 * 1024 * 1024))),
                    10_000).get(15, TimeUnit.SECONDS);
            assertThat(r.code()).isEqualTo(ErrorCodes.PAYLOAD_TOO_LARGE);
        }
    }
}
