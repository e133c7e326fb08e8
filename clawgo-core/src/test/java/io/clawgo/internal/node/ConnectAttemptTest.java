package io.clawgo.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.internal.node.ConnectAttempt.Connected;
import io.clawgo.internal.node.ConnectAttempt.Failed;
import io.clawgo.internal.node.ConnectAttempt.Refusal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One connect attempt against a real (fake) gateway on loopback: each outcome as a value, no mocks. */
class ConnectAttemptTest {
    private static final String TOKEN = "gw-secret";
    private static final Duration WAIT = Duration.ofSeconds(5);

    private FakeGatewayServer gw;
    private NodeTestKit kit;

    @BeforeEach
    void start() throws Exception {
        gw = FakeGatewayServer.start(TOKEN);
        kit = new NodeTestKit();
    }

    @AfterEach
    void stop() {
        kit.close();
        gw.close();
    }

    /** The node side of an attempt: records the connections it made and those the attempt gave up. */
    private final class Host implements ConnectAttempt.Node {
        final NodeSettings settings;
        final List<GatewayConnection> made = new CopyOnWriteArrayList<>();
        final List<GatewayConnection> abandoned = new CopyOnWriteArrayList<>();
        volatile boolean closing;

        Host(NodeSettings settings) {
            this.settings = settings;
        }

        @Override
        public GatewayConnection newConnection() {
            GatewayConnection c = new GatewayConnection(made.size() + 1, settings, kit.scheduler, settings::info,
                    NodeTestKit.plainRouter(settings));
            made.add(c);
            return c;
        }

        @Override
        public void abandoned(GatewayConnection connection) {
            abandoned.add(connection);
        }

        @Override
        public boolean closing() {
            return closing;
        }
    }

    private ConnectAttempt attempt(NodeSettings s, Host host) {
        return new ConnectAttempt(s, kit.rest(s), kit.sockets(s), s.gatewayUrl(), s::info, host);
    }

    private NodeSettings withRegisterTimeout(String id, Duration registerTimeout) {
        return NodeTestKit.settings(gw.baseUrl(), TOKEN, id, registerTimeout, Duration.ofSeconds(10),
                Duration.ofSeconds(20), null);
    }

    @Test
    void registersOverRestThenOpensTheSocketThenRegistersOnIt() throws Exception {
        NodeSettings s = NodeTestKit.settings(gw.baseUrl(), TOKEN, "attempt-ok");
        Host host = new Host(s);

        ConnectAttempt.Outcome outcome = attempt(s, host).run();

        assertThat(outcome).isInstanceOf(Connected.class);
        GatewayConnection c = ((Connected) outcome).connection();
        assertThat(host.made).containsExactly(c);
        assertThat(host.abandoned).isEmpty();
        assertThat(c.isEnded()).isFalse();
        assertThat(c.registerAck.getNow(null).ok()).isTrue();
        List<String> ev = List.copyOf(gw.events);
        assertThat(ev.indexOf("http-register:attempt-ok")).isGreaterThanOrEqualTo(0).isLessThan(ev.indexOf("ws-open:1"));
        assertThat(ev.indexOf("ws-open:1")).isLessThan(ev.indexOf("ws-register:attempt-ok"));
        assertThat(gw.upgrades.get(0).authorization()).isEqualTo("Bearer " + TOKEN);

        // the caller owns the connection now
        c.closeGracefully("test done");
        assertThat(NodeAgentTest.poll(WAIT, () -> Integer.valueOf(1000).equals(gw.closeCodes.get(1)))).isTrue();
    }

    @Test
    void aRejectedTokenIsUnauthorizedAndOpensNoSocket() throws Exception {
        NodeSettings s = NodeTestKit.settings(gw.baseUrl(), "wrong", "attempt-401");
        Host host = new Host(s);

        ConnectAttempt.Outcome outcome = attempt(s, host).run();

        assertThat(outcome).isEqualTo(new Failed("http 401: unauthorized", Refusal.UNAUTHORIZED));
        assertThat(((Failed) outcome).rejected()).isTrue();
        assertThat(host.made).isEmpty();
        assertThat(gw.connectionCount()).isZero();
    }

    @Test
    void anUnreachableGatewayIsAFailureWithoutRefusal() throws Exception {
        NodeSettings s = NodeTestKit.settings("http://127.0.0.1:" + NodeTestKit.closedPort(), TOKEN, "attempt-down");
        Host host = new Host(s);

        ConnectAttempt.Outcome outcome = attempt(s, host).run();

        assertThat(outcome).isInstanceOf(Failed.class);
        Failed f = (Failed) outcome;
        assertThat(f.refusal()).isEqualTo(Refusal.NONE);
        assertThat(f.rejected()).isFalse();
        assertThat(f.reason()).startsWith("gateway " + s.gatewayUrl() + " unreachable");
        assertThat(host.made).isEmpty();
    }

    @Test
    void anErrorAckToTheRegisterFrameIsARejectionAndClosesTheSocket() throws Exception {
        gw.rejectRegister = "node id already taken";
        NodeSettings s = NodeTestKit.settings(gw.baseUrl(), TOKEN, "attempt-taken");
        Host host = new Host(s);

        ConnectAttempt.Outcome outcome = attempt(s, host).run();

        assertThat(outcome).isEqualTo(new Failed("registration rejected by the gateway: node id already taken",
                Refusal.REJECTED));
        assertThat(host.abandoned).containsExactlyElementsOf(host.made).hasSize(1);
        GatewayConnection c = host.made.get(0);
        assertThat(c.isEnded()).isTrue();
        assertThat(c.rejection).isEqualTo("registration rejected by the gateway: node id already taken");
        assertThat(NodeAgentTest.poll(WAIT, () -> Integer.valueOf(1000).equals(gw.closeCodes.get(1)))).isTrue();
    }

    @Test
    void aFullGatewayIsItsOwnKindOfRefusal() throws Exception {
        gw.rejectRegister = "too_many_nodes: the gateway holds its 10 nodes";
        NodeSettings s = NodeTestKit.settings(gw.baseUrl(), TOKEN, "attempt-full");

        ConnectAttempt.Outcome outcome = attempt(s, new Host(s)).run();

        assertThat(outcome).isEqualTo(new Failed("registration rejected by the gateway: too_many_nodes: the gateway "
                + "holds its 10 nodes", Refusal.GATEWAY_FULL));
        assertThat(((Failed) outcome).rejected()).isTrue();
    }

    @Test
    void noRegisteredAckEndsTheAttemptAtTheRegisterTimeout() throws Exception {
        gw.withholdRegisterAcks = true;
        NodeSettings s = withRegisterTimeout("attempt-mute", Duration.ofMillis(400));
        Host host = new Host(s);

        long t0 = System.nanoTime();
        ConnectAttempt.Outcome outcome = attempt(s, host).run();
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        assertThat(outcome).isEqualTo(new Failed("no registered ack within 400 ms", Refusal.NONE));
        assertThat(tookMs).isBetween(350L, 4000L);
        assertThat(host.abandoned).hasSize(1);
        assertThat(host.made.get(0).isEnded()).isTrue();
    }

    @Test
    void anInterruptOfAClosingNodeClosesTheSocketWithCode1000AndIsRethrown() throws Exception {
        gw.withholdRegisterAcks = true;
        NodeSettings s = withRegisterTimeout("attempt-closing", Duration.ofSeconds(30));
        Host host = new Host(s);
        CompletableFuture<Object> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(attempt(s, host).run());
            } catch (Throwable e) {
                result.complete(e);
            }
        }, "attempt-test");
        t.start();
        assertThat(NodeAgentTest.poll(WAIT, () -> gw.events.contains("ws-register:attempt-closing"))).isTrue();

        host.closing = true;
        t.interrupt();

        assertThat(result.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        assertThat(host.abandoned).hasSize(1);
        assertThat(host.made.get(0).ended.getNow(null)).isEqualTo("node closing");
        assertThat(NodeAgentTest.poll(WAIT, () -> Integer.valueOf(1000).equals(gw.closeCodes.get(1)))).isTrue();
    }
}
