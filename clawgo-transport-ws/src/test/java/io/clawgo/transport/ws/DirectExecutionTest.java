package io.clawgo.transport.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The opt-in direct modes ({@code NodeAgent.Builder#directHandler}, {@code P2pConfig#directCallbacks}): which thread
 * runs the handler and which completes the caller's future, compared with the defaults.
 */
@SuppressWarnings("try") // nodes are opened in try-with-resources only to be closed
class DirectExecutionTest {
    @TempDir
    Path dir;

    /** Holds the handler until the test has attached its callback, so that the answer cannot arrive before. */
    private volatile CountDownLatch gate = new CountDownLatch(0);

    private void awaitGate() {
        try {
            gate.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void byDefaultTheHandlerRunsOnTheRequestPoolAndCallerContinuationsRunOnTheCallbackPool() throws Exception {
        AtomicReference<String> handlerThread = new AtomicReference<>();
        try (Gateway gw = TunnelTests.gateway(dir);
             NodeAgent n = TunnelTests.node(gw.url(), "pooled", req -> {
                 awaitGate();
                 handlerThread.set(Thread.currentThread().getName());
                 return Response.ok(Map.of("echo", req.stringArg("v")));
             })) {
            String completer = roundTrip(gw, "pooled");
            assertThat(handlerThread.get()).startsWith("clawgo-node-exec-");
            // the agent registered the node transports it runs
            assertThat(gw.node("pooled").orElseThrow().transports()).contains(WebSocketTunnelProvider.NAME);
            assertThat(completer).startsWith("clawgo-callback-");
            // attached after completion: still the pool, not the attaching thread
            Response done = gw.dispatch(new Request("run", "pooled", null, null, Map.of("v", "late")), DispatchMode.P2P,
                    Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
            assertThat(done.payloadString("echo")).isEqualTo("late");
            CompletableFuture<Response> settled = gw.dispatch(new Request("run", "pooled", null, null,
                    Map.of("v", "again")), DispatchMode.P2P, Duration.ofSeconds(10));
            settled.get(10, TimeUnit.SECONDS);
            assertThat(settled.thenApply(r -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS))
                    .startsWith("clawgo-callback-");
        }
    }

    @Test
    void aBlockingContinuationDoesNotStallTheNodeConnection() throws Exception {
        try (Gateway gw = TunnelTests.gateway(dir);
             NodeAgent n = TunnelTests.node(gw.url(), "busy", req -> Response.ok(Map.of("echo", req.stringArg("v"))))) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch blocked = new CountDownLatch(1);
            CompletableFuture<Void> stuck = gw.dispatch(new Request("run", "busy", null, null, Map.of("v", "a")),
                    DispatchMode.P2P,
                    Duration.ofSeconds(10)).thenAccept(r -> {
                        blocked.countDown();
                        try {
                            release.await(20, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
            try {
                assertThat(blocked.await(10, TimeUnit.SECONDS)).as("the continuation runs").isTrue();
                // the answer was read by the socket reader, which must be free again: more answers arrive
                for (int i = 0; i < 20; i++) {
                    Response r = gw.dispatch(new Request("run", "busy", null, null, Map.of("v", "b" + i)),
                            DispatchMode.P2P,
                            Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS);
                    assertThat(r.payloadString("echo")).isEqualTo("b" + i);
                }
                assertThat(stuck).isNotDone();
            } finally {
                release.countDown();
            }
            stuck.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void directModesRunTheHandlerOnTheReaderAndCompleteCallersOnTheGatewaySocketThread() throws Exception {
        AtomicReference<String> handlerThread = new AtomicReference<>();
        P2pConfig p2p = P2pConfig.of(WebSocketTunnelProvider.NAME).withDirectCallbacks(true);
        try (Gateway gw = TunnelTests.gateway(dir, p2p);
             NodeAgent n = TunnelTests.node(gw.url(), "direct", req -> {
                 awaitGate();
                 handlerThread.set(Thread.currentThread().getName());
                 return Response.ok(Map.of("echo", req.stringArg("v")));
             }, b -> b.directHandler(true))) {
            String completer = roundTrip(gw, "direct");
            assertThat(handlerThread.get()).as("the handler ran on the socket reader, not the request pool")
                    .isNotNull().doesNotStartWith("clawgo-node-exec-");
            assertThat(completer).as("run where the answer arrived, not on a pool")
                    .doesNotStartWith("clawgo-callback-");
            // the node still answers heartbeats and many requests in a row
            for (int i = 0; i < 200; i++) {
                Response r = gw.dispatch(new Request("run", "direct", null, null, Map.of("v", "x" + i)),
                        DispatchMode.P2P,
                        Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
                assertThat(r.payloadString("echo")).isEqualTo("x" + i);
            }
        }
    }

    @Test
    void aDirectHandlerThatThrowsIsAnErrorResponseNotADeadConnection() throws Exception {
        try (Gateway gw = TunnelTests.gateway(dir);
             NodeAgent n = TunnelTests.node(gw.url(), "thrower", req -> {
                 if ("boom".equals(req.stringArg("v"))) {
                     throw new IllegalStateException("handler failed on purpose");
                 }
                 return Response.ok(Map.of("echo", req.stringArg("v")));
             }, b -> b.directHandler(true))) {
            Response bad = gw.dispatch(new Request("run", "thrower", null, null, Map.of("v", "boom")), DispatchMode.P2P,
                    Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
            assertThat(bad.ok()).isFalse();
            assertThat(bad.code()).isEqualTo("remote_error");
            assertThat(bad.error()).contains("handler failed on purpose");
            Response good = gw.dispatch(new Request("run", "thrower", null, null, Map.of("v", "ok")), DispatchMode.P2P,
                    Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
            assertThat(good.payloadString("echo")).isEqualTo("ok");
            assertThat(n.isConnected()).isTrue();
        }
    }

    @Test
    void directHandlerWithoutAHandlerIsRejectedAtBuildTime() {
        assertThatThrownBy(() -> NodeAgent.builder().gateway("http://127.0.0.1:1").id("x")
                .endpoint("http://127.0.0.1:2").directHandler(true).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("directHandler needs an in-process");
    }

    /** One round trip; returns the name of the thread that completed the caller's future. */
    private String roundTrip(Gateway gw, String node) throws Exception {
        AtomicReference<String> completer = new AtomicReference<>();
        gate = new CountDownLatch(1);
        CompletableFuture<Response> f = gw.dispatch(new Request("run", node, null, null, Map.of("v", "hello")),
                DispatchMode.P2P,
                        Duration.ofSeconds(10))
                .whenComplete((x, e) -> completer.set(Thread.currentThread().getName()));
        gate.countDown();
        Response r = f.get(10, TimeUnit.SECONDS);
        assertThat(r.ok()).isTrue();
        assertThat(r.payloadString("echo")).isEqualTo("hello");
        assertThat(completer.get()).isNotNull();
        return completer.get();
    }
}
