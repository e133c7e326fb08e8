package io.clawgo.transport.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.testing.TestHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node answers faster than the gateway reads: its answers wait for room in the control socket's send queue instead
 * of overflowing it. OkHttp closes a socket whose queue would pass 16 MiB (code 1001), which failed every request in
 * flight; 256 dispatches of 64 KiB at once did exactly that in the cluster benchmark.
 */
class BackpressureTest {
    private static final int REQUESTS = 300;
    private static final int ANSWER_BYTES = 128 * 1024;

    @TempDir
    Path dir;

    @Test
    void aBurstOfLargeAnswersWaitsForTheGatewayToReadInsteadOfClosingTheSocket() throws Exception {
        String big = "y".repeat(ANSWER_BYTES);
        AtomicInteger ran = new AtomicInteger();
        List<String> disconnects = new CopyOnWriteArrayList<>();
        try (Gateway gw = TunnelTests.gateway(dir, P2pConfig.of(WebSocketTunnelProvider.NAME)
                .withMaxInFlightPerNode(REQUESTS));
             TcpProxy proxy = new TcpProxy(gw.port());
             NodeAgent node = TunnelTests.node(proxy.url(), "bulk", req -> {
                 ran.incrementAndGet();
                 return Response.ok(Map.of("result", big));
             }, b -> b.maxConcurrentRequests(16).maxQueuedRequests(1024).listener(new NodeAgent.Listener() {
                 @Override
                 public void onDisconnected(String reason) {
                     disconnects.add(reason);
                 }
             }))) {
            // the gateway stops reading the node: 300 answers of 128 KiB (39 MB) are more than the kernel's buffers
            // and OkHttp's 16 MiB queue together
            proxy.pauseTowardTarget(true);
            List<CompletableFuture<Response>> calls = new ArrayList<>();
            try {
                for (int i = 0; i < REQUESTS; i++) {
                    calls.add(gw.dispatch(Request.of("run").withNode("bulk"), DispatchMode.P2P,
                            Duration.ofSeconds(60)));
                }
                // the node runs what it can meanwhile; its answers pile up behind the stalled socket
                assertThat(TestHttp.await(Duration.ofSeconds(10), () -> ran.get() >= 100)).isTrue();
                Thread.sleep(2000);
                assertThat(ran.get()).as("answers held back, so requests stopped running").isLessThan(REQUESTS);
            } finally {
                proxy.pauseTowardTarget(false);
            }
            for (CompletableFuture<Response> f : calls) {
                Response r = f.get(60, TimeUnit.SECONDS);
                assertThat(r.ok()).as(r.toString()).isTrue();
                assertThat(r.payloadString("result")).hasSize(ANSWER_BYTES);
            }
            assertThat(ran.get()).isEqualTo(REQUESTS);
            assertThat(disconnects).as("the node's socket stayed up").isEmpty();
        }
    }

    @Test
    void aBurstOfRequestsLargerThanTheSendQueueWaitsForTheNodeToReadInsteadOfGettingItClosed() throws Exception {
        String big = "z".repeat(ANSWER_BYTES);
        AtomicInteger ran = new AtomicInteger();
        List<String> disconnects = new CopyOnWriteArrayList<>();
        // 1 MiB messages: a send queue of 3 MiB, far less than 250 requests of 128 KiB (32 MB); the old gateway
        // closed such a node (4004) although it reads
        try (Gateway gw = Gateway.builder().host("127.0.0.1").port(0).token(TunnelTests.TOKEN).dataDir(dir)
                .p2p(P2pConfig.of(WebSocketTunnelProvider.NAME).withMaxInFlightPerNode(REQUESTS))
                .maxMessageBytes(1024 * 1024).start();
             TcpProxy proxy = new TcpProxy(gw.port());
             NodeAgent node = TunnelTests.node(proxy.url(), "slow-reader", req -> {
                 ran.incrementAndGet();
                 return Response.ok(Map.of("len", req.task().length()));
             }, b -> b.maxConcurrentRequests(16).maxQueuedRequests(1024).listener(new NodeAgent.Listener() {
                 @Override
                 public void onDisconnected(String reason) {
                     disconnects.add(reason);
                 }
             }))) {
            // the node reads nothing for 2 s (less than the 10 s after which a node that reads nothing is let go)
            proxy.pauseTowardClient(true);
            List<CompletableFuture<Response>> calls = new ArrayList<>();
            try {
                for (int i = 0; i < 250; i++) {
                    calls.add(gw.dispatch(new Request("run", "slow-reader", big, null, null), DispatchMode.P2P,
                            Duration.ofSeconds(60)));
                }
                Thread.sleep(2000);
                assertThat(gw.stats().controlSendQueueOverflows()).isZero();
            } finally {
                proxy.pauseTowardClient(false);
            }
            for (CompletableFuture<Response> f : calls) {
                Response r = f.get(60, TimeUnit.SECONDS);
                assertThat(r.ok()).as(r.toString()).isTrue();
            }
            assertThat(ran.get()).isEqualTo(250);
            assertThat(disconnects).as("the node's socket stayed up").isEmpty();
            assertThat(gw.stats().controlSendQueueOverflows()).isZero();
        }
    }
}
