package io.clawgo.transport.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireAck;
import io.clawgo.protocol.WireMessage;
import io.clawgo.spi.ControlChannel;
import io.clawgo.spi.GatewayContext;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The tunnel's gateway side under the SPI's timeout contract, called the way another SPI caller than core's router
 * could: {@code null} means "none given" ({@code gateway.nodes.p2p.request_timeout_sec}), zero or less means "no time
 * left" ({@code p2p_timeout} at once, nothing sent).
 */
class TransportTimeoutsTest {
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    /** What the transport sent to the node. */
    private final LinkedBlockingQueue<WireMessage> sent = new LinkedBlockingQueue<>();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** The node's control channel: open, takes every frame. */
    private final ControlChannel channel = new ControlChannel() {
        @Override
        public String nodeId() {
            return "n1";
        }

        @Override
        public long generation() {
            return 1;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public boolean send(WireMessage message) {
            return sent.add(message);
        }

        @Override
        public boolean sendAck(WireAck ack) {
            return true;
        }

        @Override
        public int maxMessageBytes() {
            return 1 << 20;
        }
    };

    private TunnelGatewayTransport transport(Duration requestTimeout) {
        P2pConfig p2p = P2pConfig.builder().transport(WebSocketTunnelProvider.NAME).requestTimeout(requestTimeout)
                .maxInFlightPerNode(16).build();
        TunnelGatewayTransport t = new TunnelGatewayTransport(new GatewayContext() {
            @Override
            public Optional<NodeInfo> node(String nodeId) {
                return Optional.empty();
            }

            @Override
            public Optional<ControlChannel> controlChannel(String nodeId) {
                return "n1".equals(nodeId) ? Optional.of(channel) : Optional.empty();
            }

            @Override
            public P2pConfig p2p() {
                return p2p;
            }

            @Override
            public int maxMessageBytes() {
                return 1 << 20;
            }

            @Override
            public ScheduledExecutorService scheduler() {
                return scheduler;
            }
        });
        t.onNodeConnected(channel);
        return t;
    }

    @Test
    void noTimeoutGivenWaitsTheConfiguredRequestTimeout() throws Exception {
        try (TunnelGatewayTransport t = transport(Duration.ofMillis(400))) {
            long t0 = System.nanoTime();
            CompletableFuture<Response> f = t.send(Request.of("run").withNode("n1"), null).toCompletableFuture();
            assertThat(sent.poll(5, TimeUnit.SECONDS)).as("the request went out").isNotNull();
            Response r = f.get(5, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.code()).isEqualTo(ErrorCodes.TIMEOUT);
            assertThat(ms).as("request_timeout_sec of the config, not at once and not 60 s").isBetween(350L, 3000L);
        }
    }

    @Test
    void anAnswerWithinTheConfiguredTimeoutCompletesTheRequest() throws Exception {
        try (TunnelGatewayTransport t = transport(Duration.ofSeconds(30))) {
            CompletableFuture<Response> f = t.send(Request.of("run").withNode("n1"), null).toCompletableFuture();
            WireMessage request = sent.poll(5, TimeUnit.SECONDS);
            assertThat(request).isNotNull();
            t.onControlMessage(channel, new WireMessage("node_response", request.id(), "n1", "gateway", null, null,
                    null, Response.ok(java.util.Map.of("x", "y")), null));
            Response r = f.get(5, TimeUnit.SECONDS);
            assertThat(r.ok()).as("%s", r).isTrue();
            assertThat(r.payload()).containsEntry("x", "y");
        }
    }

    @Test
    void noTimeLeftIsP2pTimeoutAtOnceAndNothingIsSent() throws Exception {
        try (TunnelGatewayTransport t = transport(Duration.ofSeconds(30))) {
            for (Duration none : List.of(Duration.ZERO, Duration.ofMillis(-5))) {
                Response r = t.send(Request.of("run").withNode("n1"), none).toCompletableFuture()
                        .get(1, TimeUnit.SECONDS);
                assertThat(r.code()).as("%s", none).isEqualTo(ErrorCodes.P2P_TIMEOUT);
            }
            assertThat(sent).isEmpty();
        }
    }
}
