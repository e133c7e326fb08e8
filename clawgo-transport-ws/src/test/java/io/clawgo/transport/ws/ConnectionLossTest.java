package io.clawgo.transport.ws;

import static io.clawgo.transport.ws.TunnelTests.TOKEN;
import static io.clawgo.testing.TestHttp.list;
import static io.clawgo.testing.TestHttp.map;
import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.spi.SessionStatus;
import io.clawgo.testing.RawControlClient;
import io.clawgo.testing.SeedEndpoint;
import io.clawgo.testing.TestHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's socket dies while requests are in flight: callers hear about it at once (not at their deadline), auto mode
 * falls back to the relay when there is one, and the session table tells the story.
 */
@SuppressWarnings("try") // nodes are opened in try-with-resources only to be closed
class ConnectionLossTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    Gateway gw;
    TcpProxy proxy;
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger entered = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        gw = TunnelTests.gatewayRelayToLoopback(dir);
        proxy = new TcpProxy(gw.port());
    }

    @AfterEach
    void stop() {
        release.countDown();
        proxy.close();
        gw.close();
    }

    /** A handler that blocks until the test ends. */
    private Response blocking(Request req) throws InterruptedException {
        entered.incrementAndGet();
        release.await(30, TimeUnit.SECONDS);
        return Response.ok(Map.of("late", true));
    }

    @Test
    void aSocketKilledMidRequestFailsEveryRequestInFlightAtOnceWithP2pUnavailable() throws Exception {
        try (NodeAgent node = TunnelTests.node(proxy.url(), "fragile", this::blocking)) {
            Instant firstReady = TunnelTests.session(gw, "fragile").get().lastReadyAt();
            List<CompletableFuture<Response>> inFlight = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                inFlight.add(gw.dispatch(Request.of("run").withNode("fragile"), DispatchMode.P2P, TIMEOUT));
            }
            assertThat(TestHttp.await(Duration.ofSeconds(5), () -> entered.get() == 5)).isTrue();

            long t0 = System.nanoTime();
            proxy.killAll();
            for (CompletableFuture<Response> f : inFlight) {
                Response r = f.get(5, TimeUnit.SECONDS);
                assertThat(r.ok()).isFalse();
                assertThat(r.code()).isEqualTo("p2p_unavailable");
                assertThat(r.error()).contains("control connection to node fragile closed");
                assertThat(r.payloadString("used_transport")).isEqualTo("websocket_tunnel");
            }
            // well before the 20 s deadline
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
            assertThat(gw.status().dispatches()).hasSize(5)
                    .allSatisfy(d -> assertThat(d.code()).isEqualTo("p2p_unavailable"));

            // the node reconnects on its own: the session is open again, one re-establishment counted
            assertThat(TestHttp.await(Duration.ofSeconds(10), () -> TunnelTests.session(gw, "fragile")
                    .map(s -> "open".equals(s.status()) && s.retryCount() == 1)
                    .orElse(false))).isTrue();
            SessionStatus s = TunnelTests.session(gw, "fragile").get();
            assertThat(s.inFlight()).isZero();
            assertThat(s.lastError()).isEqualTo("control connection closed");
            assertThat(s.lastReadyAt()).isAfter(firstReady);
            assertThat(proxy.accepted()).isGreaterThanOrEqualTo(2);
            // and carries requests again (the blocked handlers still hold their threads)
            release.countDown();
            assertThat(node.awaitConnected(Duration.ofSeconds(5))).isTrue();
            Response after = gw.dispatch(Request.of("run").withNode("fragile"), DispatchMode.P2P, TIMEOUT)
                    .get(10, TimeUnit.SECONDS);
            assertThat(after.ok()).as(after.toString()).isTrue();
        }
    }

    @Test
    void inAutoModeAKilledTunnelFallsBackToTheRelayAndSaysSo() throws Exception {
        try (SeedEndpoint endpoint = SeedEndpoint.start("fallback");
             NodeAgent node = TunnelTests.node(proxy.url(), "fallback", this::blocking,
                     b -> b.endpoint(endpoint.url()))) {
            long t0 = System.nanoTime();
            CompletableFuture<Response> f = gw.dispatch(Request.of("run").withNode("fallback"),
                    DispatchMode.AUTO, TIMEOUT);
            assertThat(TestHttp.await(Duration.ofSeconds(5), () -> entered.get() == 1)).isTrue();
            proxy.killAll();
            Response r = f.get(10, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            assertThat(r.ok()).as(r.toString()).isTrue();
            assertThat(r.payloadString("used_transport")).isEqualTo("http_relay");
            assertThat(r.payloadString("fallback_from")).isEqualTo("websocket_tunnel");
            assertThat(r.payloadString("result")).isEqualTo("run from fallback");
            assertThat(endpoint.paths()).containsExactly("/run");

            Map<String, Object> nodes = TestHttp.get(gw.url() + "/webui/api/nodes", TOKEN).json();
            assertThat(list(nodes.get("dispatches"))).first().satisfies(d -> assertThat(d)
                    .containsEntry("node", "fallback").containsEntry("ok", true)
                    .containsEntry("used_transport", "http_relay").containsEntry("fallback_from", "websocket_tunnel"));
        }
    }

    @Test
    void aNewConnectionForTheSameNodeFailsTheRequestsOfTheOldOne() throws Exception {
        try (RawControlClient first = RawControlClient.connect(gw.url(), TOKEN)) {
            String register = "{\"type\":\"register\",\"node\":{\"id\":\"twin\",\"capabilities\":{\"run\":true}}}";
            assertThat(first.exchange(register)).containsEntry("ok", true);
            CompletableFuture<Response> f = gw.dispatch(Request.of("run").withNode("twin"), DispatchMode.P2P, TIMEOUT);
            first.next(Duration.ofSeconds(5), m -> "node_request".equals(m.get("type")));
            try (RawControlClient second = RawControlClient.connect(gw.url(), TOKEN)) {
                assertThat(second.exchange(register)).containsEntry("ok", true);
                Response r = f.get(5, TimeUnit.SECONDS);
                assertThat(r.code()).isEqualTo("p2p_unavailable");
                assertThat(r.error()).contains("replaced by a newer connection");
                assertThat(first.awaitClose(Duration.ofSeconds(5))).isEqualTo(4001);

                // the new connection carries requests; the session counts one re-establishment
                CompletableFuture<Response> g = gw.dispatch(Request.of("run").withNode("twin"),
                        DispatchMode.P2P, TIMEOUT);
                String id = (String) second.next(Duration.ofSeconds(5), m -> "node_request".equals(m.get("type")))
                        .get("id");
                second.send("{\"type\":\"node_response\",\"id\":\"" + id + "\",\"response\":{\"ok\":true}}");
                assertThat(g.get(5, TimeUnit.SECONDS).ok()).isTrue();
                assertThat(TunnelTests.session(gw, "twin")).get().satisfies(s -> {
                    assertThat(s.status()).isEqualTo("open");
                    assertThat(s.retryCount()).isEqualTo(1);
                });
            }
            assertThat(TestHttp.await(Duration.ofSeconds(5), () -> TunnelTests.session(gw, "twin")
                    .map(s -> "disconnected".equals(s.status())).orElse(false))).isTrue();
            assertThat(gw.status().p2p().activeSessions()).isZero();
        }
    }

    @Test
    void closingTheGatewayFailsWhatIsInFlight() throws Exception {
        try (RawControlClient raw = RawControlClient.connect(gw.url(), TOKEN)) {
            assertThat(raw.exchange("{\"type\":\"register\",\"node\":{\"id\":\"orphan\",\"capabilities\":{\"run\":true}}}"))
                    .containsEntry("ok", true);
            CompletableFuture<Response> f = gw.dispatch(Request.of("run").withNode("orphan"),
                    DispatchMode.P2P, TIMEOUT);
            raw.next(Duration.ofSeconds(5), m -> "node_request".equals(m.get("type")));
            long t0 = System.nanoTime();
            gw.close();
            Response r = f.get(5, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
            assertThat(r.code()).isEqualTo("p2p_unavailable");
        }
    }
}
