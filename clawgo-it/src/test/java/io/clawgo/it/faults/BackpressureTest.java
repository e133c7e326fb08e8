package io.clawgo.it.faults;

import static io.clawgo.it.faults.Faults.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.GatewayClient;
import io.clawgo.NodeAgent;
import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.testing.StalledNode;
import io.clawgo.testing.TestHttp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One node is slow, another is healthy, on one in-process gateway: the slow one must neither stall the gateway nor
 * make it hold unbounded memory, and it must get a clear outcome. No latency is asserted, only that every request to
 * the healthy node completes and that the slow node's requests end with a documented code before their deadline.
 */
class BackpressureTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    /** The gateway's max_message_bytes here: the send queue of a node socket holds 2 x this + 1 MiB at most. */
    private static final int MAX_MESSAGE = 4 * 1024 * 1024;
    private static final long QUEUE_BOUND = 2L * MAX_MESSAGE + 1024 * 1024;
    /** The size of one request to the stalled node. */
    private static final int REQUEST_CHARS = 500_000;

    @TempDir
    Path dir;
    Gateway gw;
    GatewayClient client;
    NodeAgent healthy;
    final List<NodeAgent> slow = new ArrayList<>();
    final CountDownLatch release = new CountDownLatch(1);

    private void start(UnaryOperator<Gateway.Builder> config) {
        gw = config.apply(Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir)
                .transport("websocket_tunnel")).start();
        client = GatewayClient.create(gw.url(), TOKEN);
        healthy = connected(NodeAgent.builder().gateway(gw.url()).token(TOKEN).id("healthy")
                .handler(req -> Response.ok(Map.of("result", "fine"))));
    }

    private static NodeAgent connected(NodeAgent.Builder b) {
        NodeAgent n = b.build();
        n.start();
        assertThat(n.awaitConnected(Duration.ofSeconds(10))).isTrue();
        return n;
    }

    @AfterEach
    void stop() {
        release.countDown();
        slow.forEach(NodeAgent::close);
        if (healthy != null) {
            healthy.close();
        }
        if (client != null) {
            client.close();
        }
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void aNodeThatStopsReadingItsSocketIsCutOffWith4004WhileAnotherNodeKeepsBeingServed() throws Exception {
        start(b -> b.maxMessageBytes(MAX_MESSAGE));
        // the most the kernel can hold for the stalled socket: the gateway side's largest send buffer plus the
        // stalled side's fixed receive buffer (which Linux doubles)
        long kernel = maxSendBuffer() + 2 * 64 * 1024;
        int frame = REQUEST_CHARS + 200;
        int firstWave = (int) ((kernel + 1024 * 1024) / frame) + 1;
        assertThat((long) firstWave * frame).as("the first wave stays under the queue bound").isLessThan(QUEUE_BOUND);
        String task = "x".repeat(REQUEST_CHARS);
        try (StalledNode jammed = StalledNode.connect(gw.port(), TOKEN, "jammed")) {
            // 1. more than the kernel can take: the gateway's writer to "jammed" is stuck, its queue holds the rest
            List<CompletableFuture<Response>> jammedRequests = new ArrayList<>();
            for (int i = 0; i < firstWave; i++) {
                jammedRequests.add(gw.dispatch(new Request("run", "jammed", task, null, Map.of()),
                        DispatchMode.P2P, DEADLINE));
            }
            // meanwhile the healthy node is served
            assertThat(serveHealthy(200, 16)).isEqualTo(200);
            // "jammed" is slow, not dead: nothing of it failed, it is still online
            assertThat(jammedRequests).noneMatch(CompletableFuture::isDone);
            assertThat(Faults.online(client, "jammed")).isTrue();

            // 2. more, past the queue bound: they wait for room (a slow node would get them), but "jammed" reads
            // nothing, so the ping sweep gives up on it once requests have waited a ping interval (10 s) with no write
            long overflowAt = System.nanoTime();
            long total = (long) firstWave * frame;
            for (int i = 0; total <= kernel + QUEUE_BOUND + 2L * frame && i < 100; i++) {
                jammedRequests.add(gw.dispatch(new Request("run", "jammed", task, null, Map.of()),
                        DispatchMode.P2P, DEADLINE));
                total += frame;
            }
            // every request to it ends, long before its deadline (60 s), with a documented code: those in flight when
            // it was cut off with p2p_unavailable, later ones with p2p_unavailable or node_offline
            for (int i = 0; i < jammedRequests.size(); i++) {
                Response r = jammedRequests.get(i).get(35, TimeUnit.SECONDS);
                assertThat(r.ok()).isFalse();
                if (i < firstWave) {
                    assertThat(r.code()).as(r.toString()).isEqualTo(ErrorCodes.P2P_UNAVAILABLE);
                    assertThat(r.error()).contains("closed while the request was in flight");
                } else {
                    assertThat(r.code()).as(r.toString()).isIn(ErrorCodes.P2P_UNAVAILABLE, ErrorCodes.NODE_OFFLINE);
                }
            }
            long failedMs = Faults.millisSince(overflowAt);
            // and it is offline at once, not at its TTL (60 s)
            assertThat(TestHttp.await(Duration.ofSeconds(5), () -> !Faults.online(client, "jammed")))
                    .as("the cut-off node is shown offline").isTrue();
            long offlineMs = Faults.millisSince(overflowAt);
            assertThat(gw.dispatch(Request.of("run").withNode("jammed"),
                    DispatchMode.P2P, DEADLINE).get(5, TimeUnit.SECONDS)
                    .code()).isEqualTo(ErrorCodes.NODE_OFFLINE);
            assertThat(serveHealthy(20, 4)).isEqualTo(20);

            // reading again, the stalled node finds what was buffered for it, then the close frame: 4004
            long[] drained = new long[1];
            int code = jammed.drainUntilClose(Duration.ofSeconds(10), drained);
            assertThat(code).isEqualTo(4004);
            // the bound: what was held for it never went past the kernel buffers, the send queue and one frame
            assertThat(drained[0]).isLessThan(kernel + QUEUE_BOUND + frame);
            System.out.printf("stalled node: %d requests of %d KB sent (%.1f MB), all failed within"
                    + " %d ms of passing the queue bound, offline within %d ms; it then read %.1f MB and close code %d%n",
                    jammedRequests.size(), frame / 1000, total / 1e6, failedMs, offlineMs, drained[0] / 1e6, code);
        }
    }

    @Test
    void slowNodesAnswerBusyAtOnceWhenTheirLimitsAreReachedWhileAnotherNodeKeepsBeingServed() throws Exception {
        // at most 4 requests in flight per node at the gateway
        start(b -> b.p2p(P2pConfig.of("websocket_tunnel").withMaxInFlightPerNode(4)));
        AtomicInteger running = new AtomicInteger();
        io.clawgo.protocol.RequestHandler blocking = req -> {
            running.incrementAndGet();
            release.await(30, TimeUnit.SECONDS);
            return Response.ok(Map.of("result", "finally"));
        };
        // a node that runs 1 request and queues 1: below the gateway's limit, so the node itself says node_busy
        slow.add(connected(NodeAgent.builder().gateway(gw.url()).token(TOKEN).id("small").handler(blocking)
                .maxConcurrentRequests(1).maxQueuedRequests(1)));
        // a node that could take 6: the gateway's limit of 4 says p2p_busy first
        slow.add(connected(NodeAgent.builder().gateway(gw.url()).token(TOKEN).id("roomy").handler(blocking)
                .maxConcurrentRequests(2).maxQueuedRequests(4)));

        List<CompletableFuture<Response>> small = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            small.add(gw.dispatch(Request.of("run").withNode("small"), DispatchMode.P2P, DEADLINE));
        }
        List<CompletableFuture<Response>> roomy = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            roomy.add(gw.dispatch(Request.of("run").withNode("roomy"), DispatchMode.P2P, DEADLINE));
        }
        assertThat(TestHttp.await(Duration.ofSeconds(10), () -> running.get() == 3)).isTrue();
        assertThat(TestHttp.await(Duration.ofSeconds(10), () -> small.stream().filter(CompletableFuture::isDone)
                .count() == 2)).as("small answered the two it could not take").isTrue();
        List<CompletableFuture<Response>> refused = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            refused.add(gw.dispatch(Request.of("run").withNode("roomy"), DispatchMode.P2P, DEADLINE));
        }
        for (CompletableFuture<Response> f : refused) {
            Response r = f.get(5, TimeUnit.SECONDS);
            assertThat(r.code()).isEqualTo(ErrorCodes.P2P_BUSY);
            assertThat(r.error()).contains("rejected, not queued");
        }
        assertThat(small.stream().filter(CompletableFuture::isDone).map(CompletableFuture::join))
                .hasSize(2).allSatisfy(r -> {
                    assertThat(r.code()).isEqualTo(ErrorCodes.NODE_BUSY);
                    assertThat(r.payloadString("used_transport")).isEqualTo("websocket_tunnel");
                });

        // while both are saturated, the healthy node is served (at most 4 in flight: the per-node limit)
        assertThat(serveHealthy(200, 4)).isEqualTo(200);
        assertThat(roomy).noneMatch(CompletableFuture::isDone);

        // once the handlers return, what was accepted completes
        List<CompletableFuture<Response>> accepted = new ArrayList<>(roomy);
        small.stream().filter(f -> !f.isDone()).forEach(accepted::add);
        assertThat(accepted).hasSize(6);
        release.countDown();
        for (CompletableFuture<Response> f : accepted) {
            Response r = f.get(15, TimeUnit.SECONDS);
            assertThat(r.ok()).as(r.toString()).isTrue();
        }
    }

    /** Sends {@code count} requests to the healthy node, {@code inFlight} at a time; returns how many were ok. */
    private int serveHealthy(int count, int inFlight) throws Exception {
        Semaphore window = new Semaphore(inFlight);
        List<CompletableFuture<Response>> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            assertThat(window.tryAcquire(30, TimeUnit.SECONDS)).as("a healthy request completed").isTrue();
            CompletableFuture<Response> f = gw.dispatch(Request.of("run").withNode("healthy"),
                    DispatchMode.P2P, DEADLINE);
            f.whenComplete((r, e) -> window.release());
            all.add(f);
        }
        int ok = 0;
        for (CompletableFuture<Response> f : all) {
            Response r = f.get(30, TimeUnit.SECONDS);
            assertThat(r.ok()).as(r.toString()).isTrue();
            ok++;
        }
        return ok;
    }

    /** The largest TCP send buffer Linux autotunes to ({@code tcp_wmem} max), or 4 MiB where it cannot be read. */
    private static long maxSendBuffer() {
        try {
            String[] v = Files.readString(Path.of("/proc/sys/net/ipv4/tcp_wmem")).trim().split("\\s+");
            return Long.parseLong(v[2]);
        } catch (IOException | RuntimeException e) {
            return 4L * 1024 * 1024;
        }
    }
}
