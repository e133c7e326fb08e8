package io.clawgo.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.testing.LoopbackRelay;
import io.clawgo.testing.SeedEndpoint;
import io.clawgo.testing.TestHttp;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's meters against a real gateway (HTTP relay only: core alone) and real node agents on loopback: each
 * meter moves when its event happens. The tunnel's meters (fallbacks, sessions, node requests) are checked in
 * clawgo-it, where the transports are on the class path.
 */
class GatewayMetricsTest {
    static final String TOKEN = "metrics-token";
    static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private Gateway gateway(Path data) {
        return Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(data).p2p(P2pConfig.disabled())
                .nodePolicy(LoopbackRelay.POLICY).nodeTokens(Map.of("owned", "owned-node-token"))
                .nodeTtl(Duration.ofSeconds(60)).start();
    }

    private static NodeAgent node(Gateway gw, String id, String endpoint) {
        return NodeAgent.builder().gateway(gw.url()).token(TOKEN).id(id).endpoint(endpoint)
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(500)).build();
    }

    static double count(MeterRegistry r, String name, String... tags) {
        Counter c = r.find(name).tags(tags).counter();
        if (c != null) {
            return c.count();
        }
        FunctionCounter f = r.find(name).tags(tags).functionCounter();
        return f == null ? 0 : f.count();
    }

    static long timerCount(MeterRegistry r, String name, String... tags) {
        Timer t = r.find(name).tags(tags).timer();
        return t == null ? 0 : t.count();
    }

    static double gauge(MeterRegistry r, String name, String... tags) {
        Gauge g = r.find(name).tags(tags).gauge();
        assertThat(g).as("gauge %s %s", name, java.util.Arrays.toString(tags)).isNotNull();
        return g.value();
    }

    static void await(String what, java.util.function.BooleanSupplier condition) {
        assertThat(TestHttp.await(WAIT, condition)).as(what).isTrue();
    }

    @Test
    void nodesRegistrationsDisconnectsAndDispatchesMoveTheirMeters() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (SeedEndpoint endpoint = SeedEndpoint.start("edge-m");
             Gateway gw = gateway(dir);
             ClawgoMetrics binding = ClawgoMetrics.bind(gw, registry)) {
            assertThat(gauge(registry, "clawgo.nodes", "state", "online")).isZero();
            NodeAgent n = node(gw, "edge-m", endpoint.url());
            n.start();
            assertThat(n.awaitConnected(WAIT)).isTrue();
            assertThat(gauge(registry, "clawgo.nodes", "state", "online")).isEqualTo(1);
            assertThat(gauge(registry, "clawgo.nodes", "state", "offline")).isZero();
            // a node agent registers over HTTP, then on its control socket
            assertThat(count(registry, "clawgo.registrations", "outcome", "ok")).isEqualTo(2);

            // refused registrations, by code
            assertThat(TestHttp.post(gw.url() + "/nodes/register", TOKEN, "{\"id\":\"owned\"}").status())
                    .isEqualTo(403);
            assertThat(TestHttp.post(gw.url() + "/nodes/register", TOKEN, "{\"id\":\"gateway\"}").status())
                    .isEqualTo(400);
            assertThat(count(registry, "clawgo.registrations", "outcome", "forbidden")).isEqualTo(1);
            assertThat(count(registry, "clawgo.registrations", "outcome", ErrorCodes.INVALID_REQUEST)).isEqualTo(1);

            // dispatches: a timer by transport, mode and code, a histogram behind it
            Response ok = gw.dispatch(new Request("run", "edge-m", "hi", null, null), DispatchMode.AUTO, WAIT).get();
            assertThat(ok.ok()).isTrue();
            assertThat(timerCount(registry, "clawgo.dispatch", "transport", "http_relay", "mode", "auto", "code",
                    "ok")).isEqualTo(1);
            Timer t = registry.find("clawgo.dispatch").tags("code", "ok").timer();
            assertThat(t.totalTime(TimeUnit.NANOSECONDS)).isPositive();
            assertThat(t.takeSnapshot().histogramCounts()).hasSize(GatewayMeters.DISPATCH_BUCKETS.length);
            gw.dispatch(new Request("run", "nobody", null, null, null), DispatchMode.RELAY, WAIT).get();
            assertThat(timerCount(registry, "clawgo.dispatch", "transport", "none", "mode", "relay", "code",
                    ErrorCodes.NODE_NOT_FOUND)).isEqualTo(1);

            n.close();
            await("the node offline", () -> gauge(registry, "clawgo.nodes", "state", "offline") == 1);
            assertThat(gauge(registry, "clawgo.nodes", "state", "online")).isZero();
            // the gauges read the registry, which changes before its listeners hear of it: wait for the event too
            await("the disconnect counted", () -> count(registry, "clawgo.disconnects", "reason", "disconnected") >= 1);
            assertThat(count(registry, "clawgo.disconnects", "reason", "disconnected")).isEqualTo(1);
        }
    }

    @Test
    void httpRequestsAreCountedByRouteMethodAndStatus() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Gateway gw = gateway(dir);
             ClawgoMetrics binding = ClawgoMetrics.bind(gw, registry)) {
            assertThat(TestHttp.get(gw.url() + "/webui/api/nodes", null).status()).isEqualTo(401);
            assertThat(TestHttp.get(gw.url() + "/webui/api/nodes", TOKEN).status()).isEqualTo(200);
            assertThat(TestHttp.get(gw.url() + "/webui/api/nodes", TOKEN).status()).isEqualTo(200);
            assertThat(TestHttp.get(gw.url() + "/health", null).status()).isEqualTo(200);
            // a made-up path is not a label of its own
            assertThat(TestHttp.get(gw.url() + "/webui/api/made-up-" + System.nanoTime(), TOKEN).status())
                    .isEqualTo(404);
            awaitTimer(registry, 1, "/webui/api/other", "GET", "404");
            awaitTimer(registry, 1, "/webui/api/nodes", "GET", "401");
            awaitTimer(registry, 2, "/webui/api/nodes", "GET", "200");
            awaitTimer(registry, 1, "/health", "GET", "200");
            // the node WebSocket's upgrade is a request too
            NodeAgent n = NodeAgent.builder().gateway(gw.url()).token(TOKEN).id("edge-h").build();
            try (n) {
                n.start();
                assertThat(n.awaitConnected(WAIT)).isTrue();
                awaitTimer(registry, 1, "/nodes/connect", "GET", "101");
                awaitTimer(registry, 1, "/nodes/register", "POST", "200");
            }
        }
    }

    private static void awaitTimer(MeterRegistry r, long n, String route, String method, String status) {
        await(route + " " + method + " " + status + " counted " + n + " times", () -> timerCount(r,
                "clawgo.http.requests", "route", route, "method", method, "status", status) == n);
    }

    @Test
    void relayRequestsInFlightAreAGauge() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer slow = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        slow.setExecutor(Executors.newCachedThreadPool());
        slow.createContext("/", ex -> {
            try (ex) {
                ex.getRequestBody().readAllBytes();
                release.await(20, TimeUnit.SECONDS);
                byte[] body = "{\"ok\":true,\"code\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        slow.start();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Gateway gw = gateway(dir);
             ClawgoMetrics binding = ClawgoMetrics.bind(gw, registry);
             NodeAgent n = node(gw, "edge-slow", "http://127.0.0.1:" + slow.getAddress().getPort())) {
            n.start();
            assertThat(n.awaitConnected(WAIT)).isTrue();
            assertThat(gauge(registry, "clawgo.dispatch.in_flight", "transport", "http_relay")).isZero();
            CompletableFuture<Response> a = gw.dispatch(new Request("run", "edge-slow", null, null, null),
                    DispatchMode.RELAY,
                    WAIT);
            CompletableFuture<Response> b = gw.dispatch(new Request("run", "edge-slow", null, null, null),
                    DispatchMode.RELAY,
                    WAIT);
            await("two requests in flight", () -> gauge(registry, "clawgo.dispatch.in_flight", "transport",
                    "http_relay") == 2);
            release.countDown();
            assertThat(a.get().ok()).isTrue();
            assertThat(b.get().ok()).isTrue();
            assertThat(gauge(registry, "clawgo.dispatch.in_flight", "transport", "http_relay")).isZero();
        } finally {
            release.countDown();
            slow.stop(0);
        }
    }

    @Test
    void auditBacklogAndLinesThatCannotBeWritten() throws Exception {
        // the dispatch audit's path is taken by a directory: its lines cannot be written
        Files.createDirectories(dir.resolve("nodes-dispatch-audit.jsonl"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Gateway gw = gateway(dir);
             ClawgoMetrics binding = ClawgoMetrics.bind(gw, registry)) {
            assertThat(count(registry, "clawgo.audit.dropped")).isZero();
            boolean sawBacklog = false;
            for (int i = 0; i < 20 && !sawBacklog; i++) {
                // a dispatch's audit line is appended before its future completes and waits up to 50 ms for the writer
                gw.dispatch(new Request("run", "nobody", null, null, null), DispatchMode.AUTO, WAIT).get();
                sawBacklog = gauge(registry, "clawgo.audit.queue.depth") > 0;
            }
            assertThat(sawBacklog).as("a line waiting for the audit writer").isTrue();
            await("the backlog written", () -> gauge(registry, "clawgo.audit.queue.depth") == 0);
            await("lines dropped", () -> count(registry, "clawgo.audit.dropped") >= 1);
        }
    }

    @Test
    void closingTheBindingRemovesTheMetersAndStopsTheEvents() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Gateway gw = gateway(dir)) {
            ClawgoMetrics binding = ClawgoMetrics.bind(gw, registry);
            gw.dispatch(new Request("run", "nobody", null, null, null), DispatchMode.AUTO, WAIT).get();
            assertThat(registry.find("clawgo.dispatch").timers()).hasSize(1);
            assertThat(registry.find("clawgo.nodes").gauges()).hasSize(2);
            binding.close();
            binding.close();
            assertThat(registry.getMeters()).isEmpty();
            gw.dispatch(new Request("run", "nobody", null, null, null), DispatchMode.AUTO, WAIT).get();
            assertThat(registry.getMeters()).isEmpty();
        }
    }
}
