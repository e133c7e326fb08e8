package io.clawgo.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.clawgo.config.NodePolicy;
import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.spi.ControlChannel;
import io.clawgo.spi.GatewayContext;
import io.clawgo.spi.GatewayTransport;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HTTP relay against a real endpoint on loopback. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpRelayTransportTest {
    private HttpServer server;
    private ExecutorService handlers;
    private ScheduledExecutorService scheduler;
    private GatewayTransport relay;
    /** Client address and port of every request: one entry per TCP connection the relay opened. */
    private final Set<String> connections = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void start() throws IOException {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        handlers = Executors.newFixedThreadPool(64);
        server.setExecutor(handlers);
        server.createContext("/", this::answer);
        server.start();
        scheduler = Executors.newSingleThreadScheduledExecutor();
        String endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
        relay = new HttpRelayProvider().createGatewayTransport(new GatewayContext() {
            @Override
            public Optional<NodeInfo> node(String nodeId) {
                return Optional.of(NodeInfo.builder(nodeId).endpoint(endpoint).build());
            }

            @Override
            public Optional<ControlChannel> controlChannel(String nodeId) {
                return Optional.empty();
            }

            @Override
            public P2pConfig p2p() {
                return P2pConfig.disabled();
            }

            @Override
            public int maxMessageBytes() {
                return 1024 * 1024;
            }

            @Override
            public ScheduledExecutorService scheduler() {
                return scheduler;
            }

            @Override
            public NodePolicy nodePolicy() {
                // the endpoint is on loopback, which the relay refuses by default
                return NodePolicy.builder().relayAllow(List.of("127.0.0.1")).build();
            }
        });
    }

    @AfterEach
    void stop() {
        relay.close();
        server.stop(0);
        handlers.shutdownNow();
        scheduler.shutdownNow();
    }

    /** Requests with a {@code hold} argument wait for this before they are answered. */
    private final CountDownLatch held = new CountDownLatch(1);

    private void answer(HttpExchange ex) throws IOException {
        try {
            String body0 = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            connections.add(String.valueOf(ex.getRemoteAddress()));
            if (body0.contains("\"hold\"")) {
                held.await(20, TimeUnit.SECONDS);
            }
            Thread.sleep(20); // long enough for all calls of a round to overlap
            byte[] body = "{\"ok\":true,\"code\":\"ok\",\"payload\":{}}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ex.close();
        }
    }

    /**
     * OkHttp's queue of calls waiting for a connection has no bound: the relay bounds what it takes per node instead,
     * and refuses the rest at once without sending it.
     */
    @Test
    void requestsInFlightToOneNodeAreBoundedAndTheRestRefusedAtOnce() throws Exception {
        List<CompletableFuture<Response>> calls = new ArrayList<>();
        for (int i = 0; i < HttpRelayTransport.MAX_IN_FLIGHT_PER_NODE; i++) {
            calls.add(relay.send(new Request("invoke", "edge-1", null, null, Map.of("hold", true)),
                    Duration.ofSeconds(30)).toCompletableFuture());
        }
        Response refused = relay.send(new Request("invoke", "edge-1", null, null, Map.of()), Duration.ofSeconds(30))
                .toCompletableFuture().get(1, TimeUnit.SECONDS);
        assertThat(refused.code()).isEqualTo(ErrorCodes.RELAY_UNAVAILABLE);
        assertThat(refused.error()).contains("256 requests in flight to node edge-1");
        // another node is not held back by edge-1's bound
        CompletableFuture<Response> other = relay.send(new Request("invoke", "edge-2", null, null, Map.of()),
                Duration.ofSeconds(30)).toCompletableFuture();
        assertThat(((HttpRelayTransport) relay).inFlight("edge-1")).isEqualTo(HttpRelayTransport.MAX_IN_FLIGHT_PER_NODE);
        held.countDown();
        for (CompletableFuture<Response> c : calls) {
            assertThat(c.get(30, TimeUnit.SECONDS).ok()).isTrue();
        }
        assertThat(other.get(30, TimeUnit.SECONDS).ok()).isTrue();
        assertThat(((HttpRelayTransport) relay).inFlight("edge-1")).isZero();
        assertThat(relay.send(new Request("invoke", "edge-1", null, null, Map.of()), Duration.ofSeconds(30))
                .toCompletableFuture().get(30, TimeUnit.SECONDS).ok()).as("accepted again").isTrue();
    }

    /**
     * Rounds of as many concurrent calls as the relay allows to one host reuse the connections of the first round:
     * the pool keeps enough idle connections for the concurrency it permits. (It kept 16 while allowing 64 calls per
     * host and 256 in all, so under load about one relayed request in 15 opened a new TCP connection, and the
     * gateway's CPU per relayed request was about four times the tunnel's.)
     */
    @Test
    void concurrentCallsReuseTheirConnectionsRoundAfterRound() throws Exception {
        int concurrent = 64;
        int rounds = 5;
        for (int round = 0; round < rounds; round++) {
            List<CompletableFuture<Response>> calls = new ArrayList<>();
            for (int i = 0; i < concurrent; i++) {
                calls.add(relay.send(new Request("invoke", "edge-1", null, null, Map.of("i", (long) i)),
                        Duration.ofSeconds(20)).toCompletableFuture());
            }
            for (CompletableFuture<Response> c : calls) {
                assertThat(c.get(30, TimeUnit.SECONDS).ok()).isTrue();
            }
            Thread.sleep(100); // every connection idle in the pool before the next round
        }
        // round one opens up to 64; later rounds should find them in the pool (a little slack for races)
        assertThat(connections.size()).as("TCP connections opened for %d rounds of %d calls", rounds, concurrent)
                .isLessThanOrEqualTo(concurrent + concurrent / 4);
    }
}
