package io.clawgo.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.internal.transport.TransportCatalog;
import io.clawgo.protocol.MessageTypes;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireMessage;
import io.clawgo.spi.NodeContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The node's transports and their context: created from the test transport {@code test_echo} found by ServiceLoader,
 * registered by name, withdrawn; sending over a real control socket to a real (fake) gateway.
 */
class NodeTransportsTest {
    private static final String TOKEN = "gw-secret";
    private static final Duration WAIT = Duration.ofSeconds(5);

    private FakeGatewayServer gw;
    private NodeTestKit kit;
    private volatile GatewayConnection active;

    @BeforeEach
    void start() throws Exception {
        gw = FakeGatewayServer.start(TOKEN);
        kit = new NodeTestKit();
    }

    @AfterEach
    void stop() {
        if (active != null) {
            active.cancel();
        }
        kit.close();
        gw.close();
    }

    private NodeSettings settings(String id, List<String> only) {
        return NodeTestKit.settings(gw.baseUrl(), TOKEN, id, Duration.ofSeconds(5), Duration.ofSeconds(10),
                Duration.ofSeconds(20), only);
    }

    private NodeTransports transports(NodeSettings s, AtomicInteger executed) {
        return new NodeTransports(s, NodeAgentTest.echoLoader(), () -> active, req -> {
            executed.incrementAndGet();
            return CompletableFuture.completedFuture(Response.ok(Map.of("ran", req.action())));
        }, kit.scheduler);
    }

    @Test
    void createsTheTransportsFoundGivesThemItsContextAndRegistersTheirNames() throws Exception {
        NodeSettings s = settings("nt-all", null);
        AtomicInteger executed = new AtomicInteger();
        NodeTransports nt = transports(s, executed);
        assertThat(nt.list()).isEmpty();
        assertThat(nt.registration()).isEqualTo(s.info()); // nothing created: nothing said

        nt.create();

        assertThat(nt.list()).extracting(t -> t.name()).containsExactly(EchoTestTransportProvider.NAME);
        NodeContext ctx = EchoTestTransportProvider.CONTEXTS.get("nt-all");
        assertThat(ctx).isSameAs(nt.context());
        assertThat(ctx.nodeId()).isEqualTo("nt-all");
        assertThat(ctx.maxMessageBytes()).isEqualTo(s.maxMessageBytes());
        assertThat(ctx.scheduler()).isSameAs(kit.scheduler);
        Response r = ctx.execute(Request.of("run")).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(r.payload()).containsEntry("ran", "run");
        assertThat(executed.get()).isEqualTo(1);
        assertThat(nt.registration().transports()).containsExactly(EchoTestTransportProvider.NAME);

        nt.connected(true);
        nt.connected(false);
        nt.closeAll();
        assertThat(EchoTestTransportProvider.CONNECTED.get("nt-all")).hasValue(1);
        assertThat(EchoTestTransportProvider.DISCONNECTED.get("nt-all")).hasValue(1);
        assertThat(EchoTestTransportProvider.CLOSED.get("nt-all")).hasValue(1);
    }

    @Test
    void aNodeLimitedToNoTransportRegistersTheRelayOnly() {
        NodeTransports nt = transports(settings("nt-none", List.of()), new AtomicInteger());
        nt.create();
        assertThat(nt.list()).isEmpty();
        assertThat(EchoTestTransportProvider.CONTEXTS).doesNotContainKey("nt-none");
        assertThat(nt.registration().transports()).containsExactly(TransportCatalog.HTTP_RELAY);
    }

    @Test
    void namesTheNodeGivesItselfWinOverTheTransportsFound() {
        NodeSettings base = settings("nt-given", null);
        NodeInfo info = base.info().toBuilder().transports(List.of("websocket_tunnel", "webrtc")).build();
        NodeSettings s = new NodeSettings(base.gatewayUrl(), base.gatewayToken(), info, null,
                base.heartbeatInterval(), base.ackTimeout(), base.registerTimeout(), base.stableAfter(),
                base.maxConcurrentRequests(), base.maxQueuedRequests(), base.requestTimeout(), base.maxMessageBytes(),
                base.backoffMin(), base.backoffMax(), false, null, null);
        NodeTransports nt = transports(s, new AtomicInteger());
        nt.create();
        assertThat(nt.registration().transports()).containsExactly("websocket_tunnel", "webrtc");

        nt.context().withdraw("webrtc", "no native library");
        assertThat(nt.registration().transports()).containsExactly("websocket_tunnel");
    }

    @Test
    void aWithdrawnTransportLeavesTheRegistrationAndTheGatewayHearsItOnTheSameSocket() throws Exception {
        NodeSettings s = settings("nt-withdraw", null);
        NodeTransports nt = transports(s, new AtomicInteger());
        nt.create();
        GatewayConnection c = new GatewayConnection(1, s, kit.scheduler, nt::registration,
                NodeTestKit.plainRouter(s));
        active = kit.openAndRegister(c, s);

        nt.context().withdraw(EchoTestTransportProvider.NAME, "broken for the test");
        nt.context().withdraw(EchoTestTransportProvider.NAME, "twice: nothing more");

        assertThat(nt.registration().transports()).containsExactly(TransportCatalog.HTTP_RELAY);
        assertThat(NodeAgentTest.poll(WAIT, () -> gw.received(MessageTypes.REGISTER).size() == 2)).isTrue();
        List<FakeGatewayServer.Received> regs = gw.received(MessageTypes.REGISTER);
        assertThat(regs.get(1).connection()).isEqualTo(regs.get(0).connection());
        assertThat(regs.get(1).message().node().transports()).containsExactly(TransportCatalog.HTTP_RELAY);
        Thread.sleep(200);
        assertThat(gw.received(MessageTypes.REGISTER)).hasSize(2);
    }

    @Test
    void theContextSendsOnTheActiveConnectionOnlyAndWithinTheFrameLimit() throws Exception {
        NodeSettings s = settings("nt-send", null);
        NodeTransports nt = transports(s, new AtomicInteger());
        NodeContext ctx = nt.context();
        WireMessage small = WireMessage.nodeResponse("ctx-1", "nt-send", Response.ok(Map.of("n", 1)));
        assertThat(ctx.send(small)).as("no connection").isFalse();

        active = kit.openAndRegister(kit.connection(s, NodeTestKit.plainRouter(s)), s);
        assertThat(ctx.send(null)).isFalse();
        assertThat(ctx.send(WireMessage.nodeResponse("ctx-big", "nt-send",
                Response.ok(Map.of("blob", "x".repeat(s.maxMessageBytes())))))).as("above the limit").isFalse();
        assertThat(ctx.send(small)).isTrue();
        assertThat(NodeAgentTest.poll(WAIT, () -> gw.find(m -> "ctx-1".equals(m.id())).isPresent())).isTrue();
        assertThat(gw.find(m -> "ctx-big".equals(m.id()))).isEmpty();

        active.closeGracefully("done");
        assertThat(ctx.send(small)).as("ended connection").isFalse();
    }
}
