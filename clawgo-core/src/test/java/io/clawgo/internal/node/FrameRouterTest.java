package io.clawgo.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.MessageTypes;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireMessage;
import io.clawgo.spi.NodeTransport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Frames from a real (fake) gateway through a real control socket into the router: acks to the connection, messages
 * to the transports in order, the {@code p2p_unavailable} answer when none takes a request. The reader handles frames
 * in order, so "no answer" is checked once the answer to a later request has arrived.
 */
class FrameRouterTest {
    private static final String TOKEN = "gw-secret";
    private static final String NODE = "router-1";
    private static final Duration WAIT = Duration.ofSeconds(5);

    private FakeGatewayServer gw;
    private NodeTestKit kit;
    private GatewayConnection conn;
    private final List<NodeTransport> transports = new CopyOnWriteArrayList<>();
    private final AtomicBoolean isCurrent = new AtomicBoolean(true);

    @BeforeEach
    void start() throws Exception {
        gw = FakeGatewayServer.start(TOKEN);
        kit = new NodeTestKit();
        NodeSettings s = NodeTestKit.settings(gw.baseUrl(), TOKEN, NODE);
        FrameRouter router = new FrameRouter(NODE, s.maxMessageBytes(), () -> transports, c -> isCurrent.get());
        conn = kit.openAndRegister(kit.connection(s, router), s);
    }

    @AfterEach
    void stop() {
        conn.cancel();
        kit.close();
        gw.close();
    }

    /** A transport that records what it is asked and takes the messages {@code takes} accepts. */
    private static final class Recording implements NodeTransport {
        final String name;
        final Predicate<WireMessage> takes;
        final List<String> asked = new CopyOnWriteArrayList<>();

        Recording(String name, Predicate<WireMessage> takes) {
            this.name = name;
            this.takes = takes;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean onControlMessage(WireMessage message) {
            asked.add(message.id());
            return takes.test(message);
        }

        @Override
        public void close() {
        }
    }

    private boolean answered(String id) {
        return gw.find(m -> MessageTypes.NODE_RESPONSE.equals(m.normalizedType()) && id.equals(m.id())).isPresent();
    }

    private WireMessage awaitAnswer(String id) {
        assertThat(NodeAgentTest.poll(WAIT, () -> answered(id))).as("answer to %s", id).isTrue();
        return gw.find(m -> MessageTypes.NODE_RESPONSE.equals(m.normalizedType()) && id.equals(m.id())).orElseThrow();
    }

    @Test
    void aRequestNoTransportTakesIsAnsweredP2pUnavailable() {
        gw.sendNodeRequest("r-1", NODE, Request.of("run"));

        WireMessage answer = awaitAnswer("r-1");
        Response r = answer.response();
        assertThat(answer.from()).isEqualTo(NODE);
        assertThat(r.ok()).isFalse();
        assertThat(r.code()).isEqualTo(ErrorCodes.P2P_UNAVAILABLE);
        assertThat(r.error()).isEqualTo(FrameRouter.NO_TRANSPORT_ERROR).isEqualTo(NodeRuntime.NO_TRANSPORT_ERROR);
        assertThat(r.node()).isEqualTo(NODE);
        assertThat(r.action()).isEqualTo("run");
    }

    @Test
    void transportsAreAskedInOrderUntilOneTakesTheMessageAndOneThatThrowsIsSkipped() {
        Recording declines = new Recording("declines", m -> false);
        NodeTransport throwing = new Recording("throws", m -> {
            throw new IllegalStateException("broken transport");
        });
        Recording takes = new Recording("takes", m -> m.id().startsWith("t-"));
        Recording last = new Recording("last", m -> false);
        transports.addAll(List.of(declines, throwing, takes, last));

        gw.sendNodeRequest("t-1", NODE, Request.of("run"));
        gw.sendNodeRequest("u-1", NODE, Request.of("run"));

        awaitAnswer("u-1"); // nobody took it: answered by the router
        assertThat(answered("t-1")).as("taken by a transport, so not answered by the router").isFalse();
        assertThat(declines.asked).containsExactly("t-1", "u-1");
        assertThat(takes.asked).containsExactly("t-1", "u-1");
        assertThat(last.asked).containsExactly("u-1");
    }

    @Test
    void messagesFromAConnectionThatIsNoLongerCurrentAreDroppedButItsAcksStillCount() {
        Recording declines = new Recording("declines", m -> false);
        transports.add(declines);
        isCurrent.set(false);
        conn.heartbeatSince.set(42);
        gw.sendNodeRequest("old-1", NODE, Request.of("run"));
        gw.sendToAll("{\"ok\":true,\"type\":\"heartbeat\",\"id\":\"" + NODE + "\"}");

        // the ack after the request cleared the mark: the request was handled before it, and dropped
        assertThat(NodeAgentTest.poll(WAIT, () -> conn.heartbeatSince.get() == 0)).isTrue();
        assertThat(declines.asked).isEmpty();
        assertThat(answered("old-1")).isFalse();

        isCurrent.set(true);
        gw.sendNodeRequest("new-1", NODE, Request.of("run"));
        awaitAnswer("new-1");
        assertThat(declines.asked).containsExactly("new-1");
        assertThat(answered("old-1")).isFalse();
    }

    @Test
    void heartbeatAcksClearTheMarkOnlyForThisNode() {
        conn.heartbeatSince.set(42);
        gw.sendToAll("{\"ok\":true,\"type\":\"heartbeat\",\"id\":\"someone-else\"}");
        gw.sendNodeRequest("fence-1", NODE, Request.of("run"));
        awaitAnswer("fence-1");
        assertThat(conn.heartbeatSince.get()).isEqualTo(42);

        gw.sendToAll("{\"ok\":true,\"type\":\"heartbeat\",\"id\":\"" + NODE + "\"}");
        assertThat(NodeAgentTest.poll(WAIT, () -> conn.heartbeatSince.get() == 0)).isTrue();
    }

    @Test
    void aRefusedHeartbeatMakesTheConnectionRegisterAgain() {
        gw.sendToAll("{\"ok\":false,\"type\":\"heartbeat\",\"id\":\"" + NODE + "\",\"error\":\"node not registered\"}");

        assertThat(NodeAgentTest.poll(WAIT, () -> gw.received(MessageTypes.REGISTER).size() == 2)).isTrue();
        assertThat(NodeAgentTest.poll(WAIT, () -> !conn.reRegistering.get())).isTrue();
        assertThat(conn.isEnded()).isFalse();
    }

    @Test
    void aRegistrationRefusedAfterItWasAcceptedClosesTheConnectionWithTheReason() throws Exception {
        gw.sendToAll("{\"ok\":false,\"type\":\"register\",\"error\":\"node removed by an operator\"}");

        assertThat(conn.ended.get(5, TimeUnit.SECONDS)).isEqualTo("registration rejected");
        assertThat(conn.rejection).isEqualTo("registration rejected by the gateway: node removed by an operator");
        assertThat(NodeAgentTest.poll(WAIT, () -> Integer.valueOf(1000).equals(gw.closeCodes.get(1)))).isTrue();
    }

    @Test
    void invalidFramesAndOtherAcksAreSkippedAndTheReaderGoesOn() {
        gw.sendToAll("{not json");
        gw.sendToAll("[1,2,3]");
        gw.sendToAll("{\"ok\":true,\"type\":\"registered\",\"id\":\"someone-else\"}");
        gw.sendToAll("{\"ok\":false,\"type\":\"node_response\",\"id\":\"x\",\"error\":\"unsupported\"}");
        gw.sendToAll("{\"type\":\"signal_offer\",\"from\":\"gateway\",\"to\":\"" + NODE + "\",\"session\":\"s\"}");
        gw.sendToAll("{\"type\":\"something_new\"}");
        gw.sendNodeRequest("after-1", NODE, Request.of("invoke"));

        assertThat(awaitAnswer("after-1").response().action()).isEqualTo("invoke");
        assertThat(conn.isEnded()).isFalse();
        assertThat(gw.received(MessageTypes.NODE_RESPONSE)).hasSize(1);
    }
}
