package io.clawgo.it.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.micrometer.ClawgoMetrics;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.testing.LoopbackRelay;
import io.clawgo.testing.SeedEndpoint;
import io.clawgo.testing.StalledNode;
import io.clawgo.testing.TestHttp;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The meters that need a P2P transport, against a real gateway running {@code websocket_tunnel} and real node agents
 * on loopback, both bound to one {@link SimpleMeterRegistry}: dispatches over the tunnel, fallbacks to the relay,
 * requests in flight, sessions, control-socket overflows, and the node's requests, executor and refusals.
 */
class TunnelMetricsTest {
    private static final String TOKEN = "tunnel-metrics";
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String TUNNEL = "websocket_tunnel";

    @TempDir
    Path dir;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final List<AutoCloseable> open = new ArrayList<>();
    final CountDownLatch release = new CountDownLatch(1);
    Gateway gw;

    @BeforeEach
    void start() {
        gw = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir).transport(TUNNEL)
                .maxMessageBytes(1024 * 1024).nodePolicy(LoopbackRelay.POLICY).start();
        open.add(gw);
        open.add(ClawgoMetrics.bind(gw, registry));
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private NodeAgent node(NodeAgent.Builder b) {
        NodeAgent n = b.gateway(gw.url()).token(TOKEN).build();
        open.add(n);
        open.add(ClawgoMetrics.bind(n, registry));
        n.start();
        assertThat(n.awaitConnected(WAIT)).isTrue();
        return n;
    }

    /** A handler that answers at once, or waits for {@link #release} when the task is "hold". */
    private Response handle(Request r) throws InterruptedException {
        if ("hold".equals(r.task())) {
            release.await(30, TimeUnit.SECONDS);
        }
        return Response.ok(Map.of("result", "done"));
    }

    private CompletableFuture<Response> dispatch(String node, String task, DispatchMode mode) {
        return gw.dispatch(new Request("run", node, task, null, null), mode, WAIT);
    }

    private double count(String name, String... tags) {
        Counter c = registry.find(name).tags(tags).counter();
        if (c != null) {
            return c.count();
        }
        FunctionCounter f = registry.find(name).tags(tags).functionCounter();
        return f == null ? 0 : f.count();
    }

    private long timerCount(String name, String... tags) {
        Timer t = registry.find(name).tags(tags).timer();
        return t == null ? 0 : t.count();
    }

    private double gauge(String name, String... tags) {
        Gauge g = registry.find(name).tags(tags).gauge();
        assertThat(g).as("gauge %s %s", name, List.of(tags)).isNotNull();
        return g.value();
    }

    private static void await(String what, BooleanSupplier condition) {
        assertThat(TestHttp.await(WAIT, condition)).as(what).isTrue();
    }

    @Test
    void tunnelDispatchesSessionsAndTheNodesRequests() throws Exception {
        node(NodeAgent.builder().id("edge-t").handler(this::handle));
        assertThat(dispatch("edge-t", "now", DispatchMode.P2P).get().ok()).isTrue();
        assertThat(timerCount("clawgo.dispatch", "transport", TUNNEL, "mode", "p2p", "code", "ok")).isEqualTo(1);
        await("the node's request counted", () -> timerCount("clawgo.node.requests", "node", "edge-t", "outcome",
                "ok") == 1);

        // the tunnel's session of the node: open, and its setup sampled with the gauge
        assertThat(gauge("clawgo.p2p.sessions", "transport", TUNNEL, "state", "open")).isEqualTo(1);
        assertThat(gauge("clawgo.p2p.sessions", "transport", TUNNEL, "state", "disconnected")).isZero();
        assertThat(timerCount("clawgo.p2p.session.setup", "transport", TUNNEL)).isEqualTo(1);

        // a request held by the handler: in flight on the tunnel, running on the node
        CompletableFuture<Response> held = dispatch("edge-t", "hold", DispatchMode.P2P);
        await("one request in flight on the tunnel", () -> gauge("clawgo.dispatch.in_flight", "transport",
                TUNNEL) == 1);
        await("one request running on the node", () -> gauge("clawgo.node.executor.running", "node",
                "edge-t") == 1);
        assertThat(gauge("clawgo.dispatch.in_flight", "transport", "http_relay")).isZero();
        release.countDown();
        assertThat(held.get().ok()).isTrue();
        assertThat(gauge("clawgo.dispatch.in_flight", "transport", TUNNEL)).isZero();
        await("nothing running", () -> gauge("clawgo.node.executor.running", "node", "edge-t") == 0);
        assertThat(timerCount("clawgo.dispatch", "transport", TUNNEL, "mode", "p2p", "code", "ok")).isEqualTo(2);
    }

    @Test
    void aFullNodeRefusesWithNodeBusyAndCountsItsQueue() throws Exception {
        node(NodeAgent.builder().id("edge-b").handler(this::handle).maxConcurrentRequests(1).maxQueuedRequests(1));
        CompletableFuture<Response> running = dispatch("edge-b", "hold", DispatchMode.P2P);
        await("one running", () -> gauge("clawgo.node.executor.running", "node", "edge-b") == 1);
        CompletableFuture<Response> queued = dispatch("edge-b", "hold", DispatchMode.P2P);
        await("one queued", () -> gauge("clawgo.node.executor.queued", "node", "edge-b") == 1);
        Response busy = dispatch("edge-b", "now", DispatchMode.P2P).get();
        assertThat(busy.code()).isEqualTo(ErrorCodes.NODE_BUSY);
        assertThat(count("clawgo.node.executor.rejected", "node", "edge-b")).isEqualTo(1);
        await("the refusal counted", () -> timerCount("clawgo.node.requests", "node", "edge-b", "outcome",
                ErrorCodes.NODE_BUSY) == 1);
        assertThat(timerCount("clawgo.dispatch", "transport", TUNNEL, "mode", "p2p", "code", ErrorCodes.NODE_BUSY))
                .isEqualTo(1);
        release.countDown();
        assertThat(running.get().ok()).isTrue();
        assertThat(queued.get().ok()).isTrue();
        assertThat(gauge("clawgo.node.executor.queued", "node", "edge-b")).isZero();
    }

    @Test
    void aFallbackFromTheTunnelToTheRelayIsCountedFromTo() throws Exception {
        SeedEndpoint endpoint = SeedEndpoint.start("edge-f");
        open.add(endpoint);
        // a node without P2P transports: the tunnel fails before the node ran anything, auto goes on to the relay
        node(NodeAgent.builder().id("edge-f").endpoint(endpoint.url()).transports(List.of()));
        Response r = dispatch("edge-f", "x", DispatchMode.AUTO).get();
        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(r.payloadString("fallback_from")).isEqualTo(TUNNEL);
        assertThat(count("clawgo.dispatch.fallbacks", "from", TUNNEL, "to", "http_relay")).isEqualTo(1);
        assertThat(timerCount("clawgo.dispatch", "transport", "http_relay", "mode", "auto", "code", "ok"))
                .isEqualTo(1);
    }

    @Test
    void aNodeThatStopsReadingIsAControlSocketOverflow() throws Exception {
        assertThat(count("clawgo.control.send_queue.overflows")).isZero();
        String task = "x".repeat(400_000);
        List<CompletableFuture<Response>> sent = new ArrayList<>();
        try (StalledNode jammed = StalledNode.connect(gw.port(), TOKEN, "jammed")) {
            // the kernel's buffers take a few megabytes, the send queue 2 x 1 MiB + 1 MiB: 100 x 400 KB is past both.
            // Past half the queue the requests wait for room; "jammed" reads nothing, so the ping sweep (every 10 s)
            // closes it once they have waited an interval with nothing written: an overflow all the same
            for (int i = 0; i < 100 && count("clawgo.control.send_queue.overflows") == 0; i++) {
                sent.add(gw.dispatch(new Request("run", "jammed", task, null, null), DispatchMode.P2P,
                        Duration.ofSeconds(60)));
            }
            assertThat(TestHttp.await(Duration.ofSeconds(40), () -> count("clawgo.control.send_queue.overflows") == 1))
                    .as("the stalled node counted as an overflow").isTrue();
            for (CompletableFuture<Response> f : sent) {
                assertThat(f.get(WAIT.toSeconds(), TimeUnit.SECONDS).ok()).isFalse();
            }
            await("the node offline, disconnected", () -> count("clawgo.disconnects", "reason",
                    "disconnected") == 1);
        }
    }
}
