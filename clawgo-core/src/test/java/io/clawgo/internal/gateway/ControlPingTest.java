package io.clawgo.internal.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.WireCodec;
import io.clawgo.testing.BlackHoleProxy;
import io.clawgo.testing.RawControlClient;
import io.clawgo.testing.TestHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gateway.control_ping_sec}: the gateway finds half-open control sockets by itself, long before the node TTL,
 * through a real TCP proxy that turns into a black hole on command, and never retires a socket that answers pings.
 */
class ControlPingTest {
    private static final String TOKEN = "ping-token";
    private static final Duration PING = Duration.ofSeconds(1);
    private static final Duration LONG_TTL = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private Gateway gateway(Duration ping, Duration ttl) {
        return Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir).p2p(P2pConfig.disabled())
                .controlPingInterval(ping).nodeTtl(ttl).start();
    }

    private static String register(String id) {
        return "{\"type\":\"register\",\"node\":{\"id\":\"" + id + "\"}}";
    }

    /** The reasons of the node's {@code offline} events in the node audit, oldest first. */
    /**
     * The reasons of the node's offline events once there is one (the registry flips the node offline, then appends
     * the audit line: a test that saw it offline may read the file before the line is there).
     */
    private List<String> awaitOfflineReasons(String node) throws Exception {
        TestHttp.await(Duration.ofSeconds(5), () -> {
            try {
                return !offlineReasons(node).isEmpty();
            } catch (Exception e) {
                return false;
            }
        });
        return offlineReasons(node);
    }

    private List<String> offlineReasons(String node) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("nodes-audit.jsonl"))) {
            Map<String, Object> e = WireCodec.get().decodeMap(line, 1 << 20);
            if ("offline".equals(e.get("event")) && node.equals(e.get("node"))) {
                out.add((String) e.get("reason"));
            }
        }
        return out;
    }

    @Test
    void aHalfOpenSocketIsClosedAndItsNodeTakenOfflineWithinAFewPingIntervals() throws Exception {
        try (Gateway gw = gateway(PING, LONG_TTL);
             BlackHoleProxy proxy = new BlackHoleProxy(gw.port());
             RawControlClient c = RawControlClient.connect(proxy.url(), TOKEN)) {
            assertThat(c.exchange(register("edge-ho"))).containsEntry("ok", true);
            assertThat(gw.node("edge-ho").get().online()).isTrue();

            proxy.blackHole();
            // nothing heard for 2 intervals is noticed by the sweep after 2 to 3 intervals; the TTL is 60 s
            assertThat(TestHttp.await(Duration.ofSeconds(5), () -> !gw.node("edge-ho").get().online()))
                    .as("offline within 5 s of the black hole").isTrue();
            assertThat(proxy.awaitTargetClosed(Duration.ofSeconds(5))).as("the gateway dropped the connection")
                    .isTrue();
            assertThat(awaitOfflineReasons("edge-ho")).containsExactly("half_open");
            assertThat(gw.status().stats().nodesOnline()).isZero();
        }
    }

    @Test
    void aNodeThatOnlyAnswersPingsKeepsItsSocketAcrossManyIntervals() throws Exception {
        try (Gateway gw = gateway(PING, LONG_TTL);
             BlackHoleProxy proxy = new BlackHoleProxy(gw.port());
             RawControlClient c = RawControlClient.connect(proxy.url(), TOKEN)) {
            assertThat(c.exchange(register("edge-ok"))).containsEntry("ok", true);
            long sent = proxy.bytesToTarget();

            // no heartbeat, no message: only the pongs OkHttp sends by itself
            Thread.sleep(4500);
            assertThat(proxy.bytesToTarget()).as("pongs went to the gateway").isGreaterThan(sent);
            assertThat(gw.node("edge-ok").get().online()).isTrue();
            assertThat(c.awaitClose(Duration.ofMillis(100))).as("still open").isEqualTo(-2);
            assertThat(c.exchange("{\"type\":\"heartbeat\"}")).containsEntry("ok", true);
            assertThat(offlineReasons("edge-ok")).isEmpty();
        }
    }

    @Test
    void pongsKeepTheSocketButDoNotRefreshTheNodeTtl() throws Exception {
        try (Gateway gw = gateway(PING, Duration.ofSeconds(4));
             RawControlClient c = RawControlClient.connect(gw.url(), TOKEN)) {
            assertThat(c.exchange(register("pong-only"))).containsEntry("ok", true);
            Thread.sleep(2500); // beyond 2 ping intervals
            assertThat(gw.node("pong-only").get().online()).isTrue();
            assertThat(c.awaitClose(Duration.ofMillis(100))).isEqualTo(-2);

            // then the TTL applies as before: closed with 4002, offline for "ttl"
            assertThat(c.awaitClose(Duration.ofSeconds(10))).isEqualTo(4002);
            assertThat(gw.node("pong-only").get().online()).isFalse();
            assertThat(awaitOfflineReasons("pong-only")).containsExactly("ttl");
        }
    }

    @Test
    void withPingsOffAHalfOpenSocketWaitsForTheTtl() throws Exception {
        try (Gateway gw = gateway(Duration.ZERO, Duration.ofSeconds(3));
             BlackHoleProxy proxy = new BlackHoleProxy(gw.port());
             RawControlClient c = RawControlClient.connect(proxy.url(), TOKEN)) {
            assertThat(gw.config().controlPingInterval()).isZero();
            assertThat(c.exchange(register("no-ping"))).containsEntry("ok", true);
            proxy.blackHole();
            assertThat(TestHttp.await(Duration.ofSeconds(10), () -> !gw.node("no-ping").get().online())).isTrue();
            assertThat(awaitOfflineReasons("no-ping")).containsExactly("ttl");
        }
    }

    @Test
    void aNodeAgentBehindABlackHoleIsTakenOfflineByTheGatewayItself() throws Exception {
        try (Gateway gw = gateway(PING, LONG_TTL);
             BlackHoleProxy proxy = new BlackHoleProxy(gw.port())) {
            NodeAgent agent = NodeAgent.builder().gateway(proxy.url()).token(TOKEN).id("edge-agent")
                    .heartbeatInterval(Duration.ofSeconds(1))
                    .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(500)).build();
            try {
                agent.start();
                assertThat(agent.awaitConnected(Duration.ofSeconds(5))).isTrue();
                Thread.sleep(2500); // healthy through the proxy across two intervals
                assertThat(gw.node("edge-agent").get().online()).isTrue();

                proxy.blackHole(); // the agent's own close and reconnects vanish in it too
                assertThat(TestHttp.await(Duration.ofSeconds(5), () -> !gw.node("edge-agent").get().online()))
                        .isTrue();
                assertThat(awaitOfflineReasons("edge-agent")).containsExactly("half_open");
            } finally {
                agent.close();
            }
        }
    }
}
