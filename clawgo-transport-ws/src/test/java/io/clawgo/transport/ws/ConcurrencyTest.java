package io.clawgo.transport.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many requests at once: exact correlation under load, and the per-node in-flight bound. */
@SuppressWarnings("try") // nodes are opened in try-with-resources only to be closed
class ConcurrencyTest {
    @TempDir
    Path dir;

    @Test
    void tenThousandRequestsWith64InFlightAcrossTwoNodesAreEachAnsweredExactlyOnce() throws Exception {
        int total = 10_000;
        int inFlight = 64;
        Map<String, AtomicInteger> executed = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> perNode = new ConcurrentHashMap<>();
        try (Gateway gw = TunnelTests.gateway(dir);
             NodeAgent a = TunnelTests.node(gw.url(), "load-a", req -> echo("load-a", req, executed, perNode));
             NodeAgent b = TunnelTests.node(gw.url(), "load-b", req -> echo("load-b", req, executed, perNode))) {
            SecureRandom rnd = new SecureRandom();
            Semaphore window = new Semaphore(inFlight);
            AtomicInteger maxSeen = new AtomicInteger();
            AtomicInteger outstanding = new AtomicInteger();
            Map<String, AtomicInteger> answered = new ConcurrentHashMap<>();
            List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
            List<CompletableFuture<Response>> all = new ArrayList<>(total);
            long t0 = System.nanoTime();
            for (int i = 0; i < total; i++) {
                assertThat(window.tryAcquire(30, TimeUnit.SECONDS)).as("window slot").isTrue();
                maxSeen.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
                String node = i % 2 == 0 ? "load-a" : "load-b";
                byte[] nb = new byte[12];
                rnd.nextBytes(nb);
                String nonce = i + "-" + HexFormat.of().formatHex(nb);
                CompletableFuture<Response> f = gw.dispatch(
                        new Request("run", node, null, null, Map.of("nonce", nonce)),
                                DispatchMode.P2P, Duration.ofSeconds(30));
                all.add(f);
                f.whenComplete((r, e) -> {
                    outstanding.decrementAndGet();
                    window.release();
                    if (e != null || r == null) {
                        problems.add(nonce + ": " + e);
                        return;
                    }
                    answered.computeIfAbsent(r.payloadString("nonce") == null ? "<none>" : r.payloadString("nonce"),
                            k -> new AtomicInteger()).incrementAndGet();
                    if (!r.ok() || !nonce.equals(r.payloadString("nonce")) || !node.equals(r.payloadString("served_by"))
                            || !node.equals(r.node()) || !"websocket_tunnel".equals(r.payloadString("used_transport"))) {
                        problems.add(nonce + " -> " + r);
                    }
                });
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            org.slf4j.LoggerFactory.getLogger(ConcurrencyTest.class)
                    .info("{} tunnelled requests, {} in flight, in {} ms", total, inFlight, ms);

            assertThat(problems).isEmpty();
            assertThat(all).allSatisfy(f -> assertThat(f).isCompleted());
            assertThat(maxSeen.get()).isEqualTo(inFlight);
            // every response matched its own request: 10,000 distinct nonces, each answered once
            assertThat(answered).hasSize(total).allSatisfy((k, v) -> assertThat(v.get()).as(k).isEqualTo(1));
            // and every request ran exactly once on the node it was sent to
            assertThat(executed).hasSize(total).allSatisfy((k, v) -> assertThat(v.get()).as(k).isEqualTo(1));
            assertThat(perNode.get("load-a").get()).isEqualTo(total / 2);
            assertThat(perNode.get("load-b").get()).isEqualTo(total / 2);
            for (String n : List.of("load-a", "load-b")) {
                assertThat(TunnelTests.session(gw, n)).get().satisfies(s -> {
                    assertThat(s.inFlight()).isZero();
                    assertThat(s.status()).isEqualTo("open");
                    assertThat(s.retryCount()).isZero();
                });
            }
        }
    }

    private static Response echo(String self, Request req, Map<String, AtomicInteger> executed,
                                 Map<String, AtomicInteger> perNode) {
        String nonce = req.stringArg("nonce");
        executed.computeIfAbsent(nonce, k -> new AtomicInteger()).incrementAndGet();
        perNode.computeIfAbsent(self, k -> new AtomicInteger()).incrementAndGet();
        return Response.ok(Map.of("nonce", nonce, "served_by", self));
    }

    @Test
    void requestsBeyondTheInFlightLimitAreRejectedAtOnceWithP2pBusy() throws Exception {
        P2pConfig p2p = P2pConfig.builder().transport("websocket_tunnel").maxInFlightPerNode(3).build();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        try (Gateway gw = TunnelTests.gateway(dir, p2p);
             NodeAgent node = TunnelTests.node(gw.url(), "narrow", req -> {
                 running.incrementAndGet();
                 release.await(20, TimeUnit.SECONDS);
                 return Response.ok(Map.of("task", req.task()));
             })) {
            List<CompletableFuture<Response>> held = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                held.add(gw.dispatch(Request.of("run").withNode("narrow").withTask("held-" + i), DispatchMode.P2P,
                        Duration.ofSeconds(20)));
            }
            assertThat(io.clawgo.testing.TestHttp.await(Duration.ofSeconds(5), () -> running.get() == 3)).isTrue();
            assertThat(TunnelTests.session(gw, "narrow")).get()
                    .satisfies(s -> assertThat(s.inFlight()).isEqualTo(3));

            for (DispatchMode mode : List.of(DispatchMode.P2P, DispatchMode.P2P, DispatchMode.AUTO)) {
                long t0 = System.nanoTime();
                CompletableFuture<Response> extra = gw.dispatch(Request.of("run").withNode("narrow").withTask("extra"),
                        mode, Duration.ofSeconds(20));
                Response r = extra.get(1, TimeUnit.SECONDS);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(500));
                if (mode == DispatchMode.P2P) {
                    assertThat(r.code()).isEqualTo("p2p_busy");
                    assertThat(r.error()).contains("3 requests in flight").contains("rejected, not queued");
                } else {
                    // auto: busy means "not run", so the router may try the relay; this node has no endpoint
                    assertThat(r.payloadString("fallback_from")).isEqualTo("websocket_tunnel");
                    assertThat(r.ok()).isFalse();
                }
            }
            assertThat(running.get()).isEqualTo(3);
            assertThat(held).noneMatch(CompletableFuture::isDone);

            release.countDown();
            for (int i = 0; i < 3; i++) {
                Response r = held.get(i).get(10, TimeUnit.SECONDS);
                assertThat(r.ok()).isTrue();
                assertThat(r.payloadString("task")).isEqualTo("held-" + i);
            }
            // the slots are free again
            assertThat(gw.dispatch(Request.of("run").withNode("narrow").withTask("after"), DispatchMode.P2P,
                    Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS).ok()).isTrue();
            assertThat(TunnelTests.session(gw, "narrow")).get()
                    .satisfies(s -> assertThat(s.inFlight()).isZero());
        }
    }
}
