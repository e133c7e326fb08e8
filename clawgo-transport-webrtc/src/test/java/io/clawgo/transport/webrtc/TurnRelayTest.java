package io.clawgo.transport.webrtc;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.config.IceServer;
import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Through a real TURN server: with the relay-only ICE policy, neither peer may use its host candidates, so the channel
 * can only open through coturn's relay.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TurnRelayTest {
    private static Coturn turn;

    @BeforeAll
    static void start() throws Exception {
        NetNs.assumeInside();
        turn = Coturn.start(NetNs.ADDRESS_A, 34780);
    }

    @AfterAll
    static void stop() {
        if (turn != null) {
            turn.close();
        }
    }

    @Test
    void relayOnlyChannelOpensThroughCoturn() throws Exception {
        P2pConfig p2p = P2pConfig.of("webrtc").withIce(List.of(),
                List.of(new IceServer(List.of(turn.url()), Coturn.USER, Coturn.PASSWORD)));
        WebRtcSettings gw = WebRtcSettings.defaults().withReadyTimeout(Duration.ofSeconds(10)).withRelayOnly(true);
        WebRtcSettings node = WebRtcSettings.defaults().withReadyTimeout(Duration.ofSeconds(10));
        try (TransportPair p = new TransportPair("turned", p2p, gw, node,
                req -> Response.ok(Map.of("echo", req.args())))) {
            Response r = p.send(new Request("run", null, null, null, Map.of("via", "turn")), 20_000)
                    .get(30, TimeUnit.SECONDS);
            assertThat(r.ok()).as("%s / coturn log:\n%s", r, String.join("\n", turn.log())).isTrue();
            assertThat(p.session().status()).isEqualTo("open");
            assertThat(p.gateway.status().iceServers()).isEqualTo(1);

            WireMessage offer = p.toNode.stream().filter(m -> m.normalizedType().equals("signal_offer"))
                    .findFirst().orElseThrow();
            assertThat(offer.payload()).containsEntry("ice_transport_policy", "relay").containsKey("ice_servers");
            List<String> gatewayCandidates = candidates(p.toNode);
            List<String> nodeCandidates = candidates(p.toGateway);
            assertThat(gatewayCandidates).isNotEmpty().allSatisfy(c -> assertThat(c).contains(" typ relay "));
            assertThat(nodeCandidates).isNotEmpty().allSatisfy(c -> assertThat(c).contains(" typ relay "));
            assertThat(io.clawgo.testing.TestHttp.await(Duration.ofSeconds(5),
                    () -> String.join("\n", turn.log()).contains("ALLOCATE processed, success")))
                    .as("coturn logged a successful allocation:\n%s", String.join("\n", turn.log())).isTrue();
        }
    }

    private static List<String> candidates(List<WireMessage> messages) {
        return messages.stream().filter(m -> m.normalizedType().equals("signal_candidate"))
                .map(m -> String.valueOf(m.payload().get("candidate"))).filter(c -> !c.isEmpty()).toList();
    }
}
