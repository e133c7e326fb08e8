package io.clawgo.micrometer;

import static io.clawgo.micrometer.GatewayMetricsTest.TOKEN;
import static io.clawgo.micrometer.GatewayMetricsTest.WAIT;
import static io.clawgo.micrometer.GatewayMetricsTest.await;
import static io.clawgo.micrometer.GatewayMetricsTest.count;
import static io.clawgo.micrometer.GatewayMetricsTest.gauge;
import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.config.P2pConfig;
import io.clawgo.testing.TestHttp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node agent's connection meters against a real gateway on loopback. The request meters need a transport that
 * carries requests to the agent: clawgo-it checks them over the tunnel.
 */
class NodeMetricsTest {
    @TempDir
    Path dir;

    @Test
    void reconnectsAndTimeConnectedMoveWithTheConnection() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Gateway gw = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir)
                .p2p(P2pConfig.disabled()).start();
             NodeAgent n = NodeAgent.builder().gateway(gw.url()).token(TOKEN).id("edge-n")
                     .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(300)).build();
             ClawgoMetrics binding = ClawgoMetrics.bind(n, registry)) {
            assertThat(gauge(registry, "clawgo.node.connected", "node", "edge-n")).isZero();
            assertThat(count(registry, "clawgo.node.connected.time", "node", "edge-n")).isZero();
            n.start();
            assertThat(n.awaitConnected(WAIT)).isTrue();
            assertThat(gauge(registry, "clawgo.node.connected", "node", "edge-n")).isEqualTo(1);
            assertThat(count(registry, "clawgo.node.reconnects", "node", "edge-n")).isZero();
            double t1 = count(registry, "clawgo.node.connected.time", "node", "edge-n");
            Thread.sleep(50);
            assertThat(count(registry, "clawgo.node.connected.time", "node", "edge-n")).isGreaterThan(t1);

            // the gateway drops the node (deleted): it connects again
            assertThat(TestHttp.post(gw.url() + "/webui/api/nodes", TOKEN,
                    "{\"action\":\"delete\",\"id\":\"edge-n\"}").status()).isEqualTo(200);
            await("a reconnect", () -> count(registry, "clawgo.node.reconnects", "node", "edge-n") == 1);
            assertThat(n.awaitConnected(WAIT)).isTrue();
            assertThat(gauge(registry, "clawgo.node.executor.queued", "node", "edge-n")).isZero();
            assertThat(gauge(registry, "clawgo.node.executor.running", "node", "edge-n")).isZero();
            assertThat(count(registry, "clawgo.node.executor.rejected", "node", "edge-n")).isZero();
        }
        assertThat(registry.getMeters()).isEmpty();
    }
}
