package io.clawgo.transport.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.NodeAgent;
import io.clawgo.internal.node.FakeGatewayServer;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireMessage;
import io.clawgo.testing.TestHttp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The node side against a stand-in gateway that sends exactly the frames a test writes (core's test
 * {@link FakeGatewayServer}, a real Jetty WebSocket server): what the node answers, and when.
 */
class NodeSideTest {

    private static Optional<WireMessage> response(FakeGatewayServer fake, String id) {
        return fake.find(m -> "node_response".equals(m.normalizedType()) && id.equals(m.id()));
    }

    private static WireMessage await(FakeGatewayServer fake, String id) {
        assertThat(TestHttp.await(Duration.ofSeconds(10), () -> response(fake, id).isPresent()))
                .as("node_response " + id).isTrue();
        return response(fake, id).orElseThrow();
    }

    @Test
    void theNodeAnswersEachRequestOnTheSameSocketWithItsIdConcurrentlyAndReportsBadRequests() throws Exception {
        try (FakeGatewayServer fake = FakeGatewayServer.start(null);
             NodeAgent node = NodeAgent.builder().gateway(fake.baseUrl()).id("n1")
                     .heartbeatInterval(Duration.ofSeconds(1))
                     .handler(req -> {
                         if ("slow".equals(req.task())) {
                             TimeUnit.MILLISECONDS.sleep(2500);
                         }
                         return Response.ok(Map.of("echo", String.valueOf(req.task())));
                     }).build()) {
            node.start();
            assertThat(node.awaitConnected(Duration.ofSeconds(10))).isTrue();

            // a request without `request`
            fake.sendToAll("{\"type\":\"node_request\",\"id\":\"r-missing\",\"to\":\"n1\"}");
            WireMessage missing = await(fake, "r-missing");
            assertThat(missing.response()).isEqualTo(
                    new Response(false, "invalid_request", "request missing", "n1", null, null));

            // a slow request does not hold up a quick one sent after it, nor the heartbeats
            int heartbeatsBefore = fake.received("heartbeat").size();
            long t0 = System.nanoTime();
            fake.sendNodeRequest("r-slow", "n1", Request.of("run").withTask("slow"));
            fake.sendNodeRequest("r-quick", "n1", Request.of("run").withTask("quick"));
            WireMessage quick = await(fake, "r-quick");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(1500));
            assertThat(quick.response().ok()).isTrue();
            assertThat(quick.response().payloadString("echo")).isEqualTo("quick");
            assertThat(quick.response().node()).isEqualTo("n1");
            assertThat(quick.from()).isEqualTo("n1");
            assertThat(quick.to()).isEqualTo("gateway");
            assertThat(response(fake, "r-slow")).isEmpty();

            WireMessage slow = await(fake, "r-slow");
            assertThat(slow.response().payloadString("echo")).isEqualTo("slow");
            assertThat(fake.received("heartbeat").size() - heartbeatsBefore).isGreaterThanOrEqualTo(2);
            List<String> order = fake.received("node_response").stream().map(r -> r.message().id()).toList();
            assertThat(order).containsSubsequence("r-quick", "r-slow");

            // a request without an id cannot be answered: it is dropped, and the node carries on
            fake.sendToAll("{\"type\":\"node_request\",\"to\":\"n1\",\"request\":{\"action\":\"run\",\"task\":\"x\"}}");
            fake.sendNodeRequest("r-after", "n1", Request.of("run").withTask("after"));
            assertThat(await(fake, "r-after").response().payloadString("echo")).isEqualTo("after");
            assertThat(fake.received("node_response")).hasSize(4);
            assertThat(fake.connectionCount()).isEqualTo(1);
        }
    }

    @Test
    void registeringAgainAfterARefusedHeartbeatKeepsTheTransportList() throws Exception {
        try (FakeGatewayServer fake = FakeGatewayServer.start(null);
             NodeAgent node = NodeAgent.builder().gateway(fake.baseUrl()).id("n-rereg")
                     .heartbeatInterval(Duration.ofSeconds(1)).handler(req -> Response.ok(Map.of())).build()) {
            node.start();
            assertThat(node.awaitConnected(Duration.ofSeconds(10))).isTrue();
            assertThat(fake.received("register").get(0).message().node().transports())
                    .containsExactly("websocket_tunnel");
            fake.failNextHeartbeats.set(1);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (fake.received("register").size() < 2 && System.nanoTime() < end) {
                TimeUnit.MILLISECONDS.sleep(20);
            }
            // it used to register again with the bare node info, which told the gateway nothing about transports
            assertThat(fake.received("register")).hasSize(2);
            assertThat(fake.received("register").get(1).message().node().transports())
                    .containsExactly("websocket_tunnel");
        }
    }
}
