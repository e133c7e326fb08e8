package io.clawgo.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Response;
import io.clawgo.testing.BlackHoleProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: a node keeps its connection to a gateway that is slow, not dead. The gateway's answers (pongs, heartbeat
 * acks) are held back for 12 s by a proxy, as a gateway starved by a reconnect storm holds them, then all arrive: the
 * node must not give up on it, because its pong and ack deadlines are both 20 s. Old code: the pong deadline was 5 s
 * (heartbeat / 2), and the node dropped the socket ("sent ping but didn't receive pong within 5000ms") and reconnected.
 * Deterministic: the hold is the test's, not the machine's load.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SlowGatewayPingTest {
    @TempDir
    Path dir;

    @Test
    void aGatewayThatAnswersTwelveSecondsLateKeepsItsNodes() throws Exception {
        List<String> disconnects = new CopyOnWriteArrayList<>();
        try (Gateway gw = Gateway.builder().host("127.0.0.1").port(0).dataDir(dir).p2p(P2pConfig.disabled())
                .start();
             BlackHoleProxy proxy = new BlackHoleProxy(gw.port());
             NodeAgent node = NodeAgent.builder().gateway(proxy.url()).id("patient")
                     .handler(req -> Response.ok(Map.of("result", "ok")))
                     .listener(new NodeAgent.Listener() {
                         @Override
                         public void onDisconnected(String reason) {
                             disconnects.add(reason);
                         }
                     }).build()) {
            // the default heartbeat (10 s): pings every 20 s, heartbeat ack deadline 20 s
            node.start();
            assertThat(node.awaitConnected(Duration.ofSeconds(10))).isTrue();
            long t0 = System.nanoTime();
            proxy.holdReplies(Duration.ofSeconds(12));
            // a ping (or heartbeat) sent now waits for its answer until the hold ends; with a 5 s pong deadline the
            // node gave up after 5 to 10 s. Watch until well after the hold: 22 s in all
            while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(22)) {
                assertThat(disconnects).as("disconnects while the gateway was slow").isEmpty();
                Thread.sleep(200);
            }
            assertThat(node.isConnected()).isTrue();
            assertThat(gw.node("patient")).get().matches(NodeInfo::online, "online");
            assertThat(disconnects).isEmpty();
        }
    }
}
