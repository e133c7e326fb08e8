package io.clawgo.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.protocol.MessageTypes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One control socket to a real (fake) gateway on loopback: heartbeats, deadlines, closes. No mocks. */
class GatewayConnectionTest {
    private static final String TOKEN = "gw-secret";
    private static final Duration WAIT = Duration.ofSeconds(5);

    private FakeGatewayServer gw;
    private NodeTestKit kit;
    private GatewayConnection conn;

    @BeforeEach
    void start() throws Exception {
        gw = FakeGatewayServer.start(TOKEN);
        kit = new NodeTestKit();
    }

    @AfterEach
    void stop() {
        if (conn != null) {
            conn.cancel();
        }
        kit.close();
        gw.close();
    }

    private NodeSettings settings(String id, Duration heartbeat, Duration ackTimeout, Duration registerTimeout) {
        return NodeTestKit.settings(gw.baseUrl(), TOKEN, id, registerTimeout, heartbeat, ackTimeout, null);
    }

    private GatewayConnection registered(NodeSettings s) throws Exception {
        conn = kit.openAndRegister(kit.connection(s, NodeTestKit.plainRouter(s)), s);
        return conn;
    }

    @Test
    void heartbeatsGoOutAtTheIntervalTheirAcksClearTheMarkAndTheyStopWhenAsked() throws Exception {
        GatewayConnection c = registered(settings("conn-hb", Duration.ofMillis(200), Duration.ofSeconds(5),
                Duration.ofSeconds(5)));
        c.startHeartbeats();

        assertThat(NodeAgentTest.poll(WAIT, () -> gw.received(MessageTypes.HEARTBEAT).size() >= 3)).isTrue();
        assertThat(gw.received(MessageTypes.HEARTBEAT)).allSatisfy(r ->
                assertThat(r.raw()).isEqualTo("{\"type\":\"heartbeat\",\"id\":\"conn-hb\"}"));
        assertThat(NodeAgentTest.poll(WAIT, () -> c.heartbeatSince.get() == 0)).as("acked").isTrue();

        c.stopHeartbeats();
        Thread.sleep(300); // one in flight may still arrive
        int sent = gw.received(MessageTypes.HEARTBEAT).size();
        Thread.sleep(600);
        assertThat(gw.received(MessageTypes.HEARTBEAT)).hasSize(sent);
        assertThat(c.isEnded()).isFalse();
    }

    @Test
    void aWithheldHeartbeatAckEndsTheConnectionAsHalfOpen() throws Exception {
        gw.withholdHeartbeatAcks = true;
        GatewayConnection c = registered(settings("conn-halfopen", Duration.ofMillis(200), Duration.ofMillis(700),
                Duration.ofSeconds(5)));
        long t0 = System.nanoTime();
        c.startHeartbeats();

        assertThat(c.ended.get(5, TimeUnit.SECONDS)).isEqualTo("no heartbeat ack within 700 ms (half-open connection)");
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(tookMs).as("first heartbeat after 200 ms, its deadline 700 ms later").isBetween(850L, 3000L);
        // the socket is released after the end is known, on OkHttp's reader thread: wait for it, boundedly
        c.terminated.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aRefusedFrameEndsTheConnectionOneSecondLaterUnlessTheSocketSaysWhyFirst() throws Exception {
        GatewayConnection c = registered(settings("conn-refused", Duration.ofSeconds(10), Duration.ofSeconds(20),
                Duration.ofSeconds(5)));
        long t0 = System.nanoTime();
        c.refused("test frame");

        Thread.sleep(700);
        assertThat(c.isEnded()).as("still waiting for the socket's own reason").isFalse();
        assertThat(c.ended.get(5, TimeUnit.SECONDS))
                .isEqualTo("test frame could not be queued (socket closed or send queue full)");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))
                .isGreaterThanOrEqualTo(GatewayConnection.REFUSED_SEND_GRACE_MILLIS - 50);
    }

    @Test
    void registeringAgainUsesTheSameSocketAndEndsWithoutAnAck() throws Exception {
        GatewayConnection c = registered(settings("conn-rereg", Duration.ofSeconds(10), Duration.ofSeconds(20),
                Duration.ofMillis(500)));

        c.reRegister();
        assertThat(NodeAgentTest.poll(WAIT, () -> gw.received(MessageTypes.REGISTER).size() == 2)).isTrue();
        assertThat(NodeAgentTest.poll(WAIT, () -> !c.reRegistering.get())).as("acked").isTrue();
        List<FakeGatewayServer.Received> regs = gw.received(MessageTypes.REGISTER);
        assertThat(regs.get(1).connection()).isEqualTo(regs.get(0).connection());
        assertThat(c.isEnded()).isFalse();

        gw.withholdRegisterAcks = true;
        c.reRegister();
        assertThat(c.ended.get(5, TimeUnit.SECONDS))
                .isEqualTo("no registered ack within 500 ms after registering again");
    }

    @Test
    void aGracefulCloseSendsCode1000AndReleasesTheSocket() throws Exception {
        GatewayConnection c = registered(settings("conn-close", Duration.ofSeconds(10), Duration.ofSeconds(20),
                Duration.ofSeconds(5)));

        c.closeGracefully("node closing");

        assertThat(c.ended.getNow(null)).isEqualTo("node closing");
        c.terminated.get(5, TimeUnit.SECONDS);
        assertThat(NodeAgentTest.poll(WAIT, () -> Integer.valueOf(1000).equals(gw.closeCodes.get(1)))).isTrue();
        assertThat(c.send("{\"type\":\"heartbeat\",\"id\":\"conn-close\"}")).isFalse();
    }

    @Test
    void aCloseByTheGatewayEndsItWithTheGatewaysReason() throws Exception {
        GatewayConnection c = registered(settings("conn-remote", Duration.ofSeconds(10), Duration.ofSeconds(20),
                Duration.ofSeconds(5)));

        gw.closeConnections(4001, "go away");

        assertThat(c.ended.get(5, TimeUnit.SECONDS)).isEqualTo("closed by gateway (code 4001: go away)");
        c.terminated.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aRefusedUpgradeKeepsItsHttpStatus() throws Exception {
        NodeSettings s = NodeTestKit.settings(gw.baseUrl(), "wrong", "conn-401");
        conn = kit.connection(s, NodeTestKit.plainRouter(s));
        conn.open(kit.sockets(s), s.connectUrl(), s.gatewayToken());

        assertThat(conn.ended.get(5, TimeUnit.SECONDS)).isEqualTo("websocket upgrade refused: http 401");
        assertThat(conn.endStatus).isEqualTo(401);
        assertThat(conn.opened).isNotDone();
    }
}
