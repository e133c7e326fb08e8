package io.clawgo.internal.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.clawgo.ClawgoException;
import io.clawgo.NodeAgent;
import io.clawgo.protocol.Capabilities;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.MessageTypes;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireMessage;
import io.clawgo.spi.NodeContext;
import io.clawgo.spi.TransportProvider;
import io.clawgo.testing.ExtraServices;
import io.clawgo.testing.BlackHoleProxy;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The node role against a real (fake) gateway on loopback: no mocks, every wait bounded. */
class NodeAgentTest {
    private static final String TOKEN = "gw-secret";
    private static final Duration WAIT = Duration.ofSeconds(5);

    private FakeGatewayServer gw;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void startGateway() throws Exception {
        gw = FakeGatewayServer.start(TOKEN);
    }

    @AfterEach
    void stopAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        gw.close();
    }

    // --------------------------------------------------------------------------------------------------- helpers

    /** Polls {@code condition} every 20 ms until true or {@code timeout}; returns the last value. */
    static boolean poll(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return condition.getAsBoolean();
            }
        }
    }

    /** Records lifecycle callbacks (it is both the public listener and the internal event sink). */
    static final class Recorder implements NodeAgent.Listener, NodeEvents {
        final AtomicInteger connected = new AtomicInteger();
        final List<String> disconnects = new CopyOnWriteArrayList<>();
        final List<String> registrationFailures = new CopyOnWriteArrayList<>();

        @Override
        public void onConnected() {
            connected.incrementAndGet();
        }

        @Override
        public void onDisconnected(String reason) {
            disconnects.add(reason);
        }

        @Override
        public void onRegistrationFailed(String error) {
            registrationFailures.add(error);
        }
    }

    private NodeAgent.Builder node(String id) {
        return NodeAgent.builder()
                .gateway(gw.baseUrl() + "/")
                .token(TOKEN)
                .id(id)
                .heartbeatInterval(Duration.ofSeconds(1))
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(500));
    }

    /**
     * A class loader that shows {@link EchoTestTransportProvider} to ServiceLoader. The provider is deliberately not
     * listed in {@code src/test/resources/META-INF/services}: there every gateway test of this module would see it
     * too (a gateway with no configured transport picks the best one found).
     */
    static ClassLoader echoLoader() {
        return ExtraServices.loader(TransportProvider.class, EchoTestTransportProvider.class);
    }

    /** Builds with the test transport on the (ServiceLoader) class path and starts. */
    private NodeAgent started(NodeAgent.Builder b) {
        return started(b, echoLoader());
    }

    private NodeAgent started(NodeAgent.Builder b, ClassLoader loader) {
        Thread me = Thread.currentThread();
        ClassLoader before = me.getContextClassLoader();
        NodeAgent agent;
        me.setContextClassLoader(loader);
        try {
            agent = b.build();
        } finally {
            me.setContextClassLoader(before);
        }
        toClose.add(agent);
        agent.start();
        return agent;
    }

    private NodeAgent connected(NodeAgent.Builder b) {
        return connected(b, echoLoader());
    }

    private NodeAgent connected(NodeAgent.Builder b, ClassLoader loader) {
        NodeAgent agent = started(b, loader);
        assertThat(agent.awaitConnected(WAIT)).as("connected within %s", WAIT).isTrue();
        return agent;
    }

    private WireMessage awaitResponse(String requestId) {
        assertThat(poll(WAIT, () -> gw.find(m -> MessageTypes.NODE_RESPONSE.equals(m.normalizedType())
                && requestId.equals(m.id())).isPresent())).as("node_response %s", requestId).isTrue();
        return gw.find(m -> MessageTypes.NODE_RESPONSE.equals(m.normalizedType()) && requestId.equals(m.id()))
                .orElseThrow();
    }

    private static Response await(CompletableFuture<Response> f) throws Exception {
        return f.get(5, TimeUnit.SECONDS);
    }

    // ------------------------------------------------------------------------------------------ registration

    @Test
    void registersOverHttpThenOverTheSocketWithItsFullDescription() {
        Recorder rec = new Recorder();
        NodeAgent agent = connected(node("reg-1")
                .name("Registration node")
                .endpoint("http://127.0.0.1:9/agent/")
                .nodeToken("node-secret")
                .actions(List.of("run", " agent_task ", "run", ""))
                .models(List.of("m1"))
                .tags(List.of("gpu"))
                .capabilities(Capabilities.parse("run,model"))
                .listener(rec));

        assertThat(agent.isConnected()).isTrue();
        assertThat(gw.httpRegistrations).hasSize(1);
        assertThat(gw.httpRegistrations.get(0).id()).isEqualTo("reg-1");
        assertThat(gw.httpRegistrations.get(0).token()).isEqualTo("node-secret");

        List<FakeGatewayServer.Received> regs = gw.received(MessageTypes.REGISTER);
        assertThat(regs).hasSize(1);
        NodeInfo sent = regs.get(0).message().node();
        assertThat(sent.id()).isEqualTo("reg-1");
        assertThat(sent.name()).isEqualTo("Registration node");
        assertThat(sent.endpoint()).isEqualTo("http://127.0.0.1:9/agent");
        assertThat(sent.token()).isEqualTo("node-secret");
        assertThat(sent.actions()).containsExactly("run", "agent_task");
        assertThat(sent.models()).containsExactly("m1");
        assertThat(sent.tags()).containsExactly("gpu");
        assertThat(sent.capabilities()).isEqualTo(new Capabilities(true, false, true, false, false, false, false));
        assertThat(sent.os()).isNotBlank();
        assertThat(sent.arch()).isNotBlank();
        assertThat(sent.version()).isNotBlank();
        // the raw frame carries the capabilities in full and no registry-owned timestamps
        assertThat(regs.get(0).raw()).contains("\"type\":\"register\"")
                .contains("\"capabilities\":{\"run\":true,\"invoke\":false,\"model\":true,\"camera\":false")
                .doesNotContain("registered_at");

        // HTTP registration first, then the socket, then the register frame on it
        List<String> ev = List.copyOf(gw.events);
        assertThat(ev.indexOf("http-register:reg-1")).isGreaterThanOrEqualTo(0)
                .isLessThan(ev.indexOf("ws-open:1"));
        assertThat(ev.indexOf("ws-open:1")).isLessThan(ev.indexOf("ws-register:reg-1"));
        // the token travels in the Authorization header only, never in the URL
        assertThat(gw.upgrades).hasSize(1);
        assertThat(gw.upgrades.get(0).path()).isEqualTo("/nodes/connect");
        assertThat(gw.upgrades.get(0).query()).isNull();
        assertThat(gw.upgrades.get(0).authorization()).isEqualTo("Bearer " + TOKEN);
        assertThat(rec.connected.get()).isEqualTo(1);
        assertThat(EchoTestTransportProvider.CONNECTED.get("reg-1")).hasValue(1);
    }

    @Test
    void heartbeatsArriveAtTheConfiguredInterval() {
        connected(node("hb-1"));
        assertThat(poll(Duration.ofSeconds(6), () -> gw.received(MessageTypes.HEARTBEAT).size() >= 4)).isTrue();
        List<FakeGatewayServer.Received> hbs = gw.received(MessageTypes.HEARTBEAT);
        for (FakeGatewayServer.Received r : hbs) {
            assertThat(r.message().id()).isEqualTo("hb-1");
            assertThat(r.raw()).isEqualTo("{\"type\":\"heartbeat\",\"id\":\"hb-1\"}");
        }
        // a fixed rate: one late tick (a loaded machine) shortens the next gap, so judge the mean over three and
        // only bound each gap from above
        for (int i = 1; i < 4; i++) {
            long gapMs = TimeUnit.NANOSECONDS.toMillis(hbs.get(i).atNanos() - hbs.get(i - 1).atNanos());
            assertThat(gapMs).as("gap between heartbeats %d and %d", i - 1, i).isLessThan(2000L);
        }
        long meanMs = TimeUnit.NANOSECONDS.toMillis(hbs.get(3).atNanos() - hbs.get(0).atNanos()) / 3;
        assertThat(meanMs).as("mean gap between heartbeats").isBetween(800L, 1400L);
        assertThat(gw.connectionCount()).isEqualTo(1);
    }

    @Test
    void reconnectsAndRegistersAgainAfterTheGatewayDropsTheSocket() {
        Recorder rec = new Recorder();
        NodeAgent agent = connected(node("drop-1").listener(rec));
        long dropped = System.nanoTime();
        gw.dropConnections();

        assertThat(poll(Duration.ofSeconds(4), () -> gw.received(MessageTypes.REGISTER).size() >= 2
                && agent.isConnected())).as("re-registered").isTrue();
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - dropped);
        // backoff is at most 500 ms here; allow for detection and the HTTP + socket handshakes
        assertThat(tookMs).isLessThan(3000);
        List<FakeGatewayServer.Received> regs = gw.received(MessageTypes.REGISTER);
        assertThat(regs.get(1).connection()).isNotEqualTo(regs.get(0).connection());
        assertThat(gw.httpRegistrations).hasSizeGreaterThanOrEqualTo(2);
        assertThat(poll(WAIT, () -> rec.connected.get() == 2)).isTrue();
        assertThat(rec.disconnects).hasSize(1);
        assertThat(EchoTestTransportProvider.DISCONNECTED.get("drop-1")).hasValue(1);
    }

    @Test
    void aWithheldHeartbeatAckIsTreatedAsAHalfOpenSocket() {
        // Internal runtime, to shorten the ack deadline (the public builder uses max(10 s, heartbeat)).
        Recorder rec = new Recorder();
        NodeSettings settings = NodeSettings.defaults(gw.baseUrl(), TOKEN, NodeInfo.builder("halfopen-1").build())
                .withHeartbeat(Duration.ofMillis(300), Duration.ofMillis(1000))
                .withBackoff(Duration.ofMillis(100), Duration.ofMillis(300));
        NodeRuntime runtime = new NodeRuntime(settings, rec, echoLoader());
        toClose.add(runtime);
        gw.withholdHeartbeatAcks = true;
        runtime.start();

        assertThat(poll(Duration.ofSeconds(6), () -> !rec.disconnects.isEmpty())).isTrue();
        assertThat(rec.disconnects.get(0)).contains("no heartbeat ack within 1000 ms");
        gw.withholdHeartbeatAcks = false;
        assertThat(poll(Duration.ofSeconds(4), () -> gw.connectionCount() >= 2 && runtime.isConnected())).isTrue();
        assertThat(gw.received(MessageTypes.REGISTER).size()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void unrelatedErrorAcksAndManyAcksNeitherDisconnectNorStallTheReader() {
        Recorder rec = new Recorder();
        NodeAgent agent = connected(node("acks-1").listener(rec));
        int hbBefore = gw.received(MessageTypes.HEARTBEAT).size();

        gw.sendToAll("{\"ok\":false,\"type\":\"node_response\",\"id\":\"wire-7\",\"error\":\"unsupported message type\"}");
        gw.sendToAll("{\"ok\":false,\"type\":\"signal_candidate\",\"error\":\"bad candidate\"}");
        gw.sendToAll("{\"ok\":false,\"error\":\"no type at all\"}");
        for (int i = 0; i < 50; i++) {
            gw.sendToAll("{\"ok\":true,\"type\":\"signaled\"}");
        }
        // the reader still serves requests at once
        gw.sendNodeRequest("wire-after-acks", "acks-1", Request.of("run"));
        assertThat(awaitResponse("wire-after-acks").response().code()).isEqualTo(ErrorCodes.P2P_UNAVAILABLE);

        // and the following heartbeats are acked normally on the same socket
        assertThat(poll(Duration.ofSeconds(4), () -> gw.received(MessageTypes.HEARTBEAT).size() >= hbBefore + 2))
                .isTrue();
        assertThat(agent.isConnected()).isTrue();
        assertThat(gw.connectionCount()).isEqualTo(1);
        assertThat(rec.disconnects).isEmpty();
    }

    @Test
    void aRefusedHeartbeatRegistersAgainOnTheSameSocket() {
        Recorder rec = new Recorder();
        NodeAgent agent = connected(node("rereg-1").listener(rec));
        gw.failNextHeartbeats.set(1);

        assertThat(poll(Duration.ofSeconds(4), () -> gw.received(MessageTypes.REGISTER).size() >= 2)).isTrue();
        List<FakeGatewayServer.Received> regs = gw.received(MessageTypes.REGISTER);
        assertThat(regs.get(1).connection()).isEqualTo(regs.get(0).connection());
        int hbAfter = gw.received(MessageTypes.HEARTBEAT).size();
        assertThat(poll(Duration.ofSeconds(3), () -> gw.received(MessageTypes.HEARTBEAT).size() > hbAfter)).isTrue();
        assertThat(agent.isConnected()).isTrue();
        assertThat(gw.connectionCount()).isEqualTo(1);
        assertThat(rec.disconnects).isEmpty();
    }

    @Test
    void aRejectedTokenReportsRegistrationFailureAndRetriesAtTheMaximumBackoff() {
        Recorder rec = new Recorder();
        NodeAgent agent = started(node("badtoken-1").token("wrong-token")
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(400))
                .listener(rec));

        assertThat(agent.awaitConnected(Duration.ofMillis(1500))).isFalse();
        assertThat(agent.isConnected()).isFalse();
        assertThat(rec.connected.get()).isZero();
        assertThat(rec.registrationFailures).isNotEmpty()
                .allSatisfy(e -> assertThat(e).isEqualTo("http 401: unauthorized"));
        // 1.5 s at 400 ms per retry: about 4 attempts, never a tight loop
        assertThat(gw.httpUnauthorized.get()).isBetween(2, 6);
        assertThat(gw.connectionCount()).isZero();
        assertThat(gw.httpRegistrations).isEmpty();
    }

    @Test
    void anErrorAckToRegisterIsARegistrationFailureThenItRecovers() {
        Recorder rec = new Recorder();
        gw.rejectRegister = "node id already taken";
        NodeAgent agent = started(node("rejected-1").listener(rec));

        assertThat(poll(WAIT, () -> rec.registrationFailures.size() >= 2)).isTrue();
        assertThat(rec.registrationFailures.get(0)).contains("node id already taken");
        assertThat(agent.isConnected()).isFalse();
        assertThat(rec.connected.get()).isZero();
        assertThat(poll(WAIT, () -> gw.openConnections() <= 1)).as("rejected sockets are closed").isTrue();

        gw.rejectRegister = null;
        assertThat(agent.awaitConnected(WAIT)).isTrue();
        assertThat(rec.connected.get()).isEqualTo(1);
    }

    // ---------------------------------------------------------------------------------------------- frames

    @Test
    void malformedAndOversizedFramesAreSkippedAndTheConnectionStays() {
        Recorder rec = new Recorder();
        NodeAgent agent = connected(node("frames-1").maxMessageBytes(4096).listener(rec));

        gw.sendToAll("{not json");
        gw.sendToAll("[1,2,3]");
        gw.sendToAll("{\"type\":\"\"}");
        gw.sendToAll("{\"type\":\"node_request\",\"id\":\"wire-bad\",\"request\":\"not an object\"}");
        String big = "x".repeat(10_000);
        gw.sendToAll("{\"type\":\"node_request\",\"id\":\"wire-big\",\"request\":{\"action\":\"run\",\"task\":\""
                + big + "\"}}");
        // far above the limit too: skipped, and the reader goes on
        String huge = "y".repeat(200_000);
        gw.sendToAll("{\"type\":\"node_request\",\"id\":\"wire-huge\",\"request\":{\"action\":\"run\",\"task\":\""
                + huge + "\"}}");
        gw.sendNodeRequest("wire-ok", "frames-1", Request.of("run"));

        assertThat(awaitResponse("wire-ok").response().code()).isEqualTo(ErrorCodes.P2P_UNAVAILABLE);
        assertThat(gw.find(m -> "wire-big".equals(m.id()))).isEmpty();
        assertThat(gw.find(m -> "wire-huge".equals(m.id()))).isEmpty();
        assertThat(gw.find(m -> "wire-bad".equals(m.id()))).isEmpty();
        assertThat(agent.isConnected()).isTrue();
        assertThat(gw.connectionCount()).isEqualTo(1);
        assertThat(rec.disconnects).isEmpty();
    }

    @Test
    void aGatewayThatGoesSilentIsDroppedAtItsTwentySecondDeadlineAndNotBefore() throws Exception {
        Recorder rec = new Recorder();
        try (BlackHoleProxy proxy = new BlackHoleProxy(gw.port())) {
            // heartbeats every second: heartbeat ack deadline 20 s, pings every 20 s (pong deadline 20 s); before
            // issue 18 the pings came every 5 s, and a gateway slow for 5 s lost its nodes (see SlowGatewayPingTest)
            NodeAgent agent = connected(node("pong-1").gateway(proxy.url()).listener(rec));
            long t0 = System.nanoTime();
            proxy.blackHole();
            assertThat(poll(Duration.ofSeconds(50), () -> !rec.disconnects.isEmpty()))
                    .as("dropped within two ping intervals").isTrue();
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            // the heartbeat ack deadline (about 21 s) or the socket's pong deadline (20 to 40 s), whichever is first
            assertThat(rec.disconnects.get(0)).containsAnyOf("pong", "no heartbeat ack");
            assertThat(tookMs).as("not before the 20 s deadlines").isGreaterThanOrEqualTo(19_000);
            agent.close();
        }
    }

    @Test
    void aNodeRequestNoTransportConsumesIsAnsweredP2pUnavailable() {
        // the plain test class path: clawgo-core registers no node transport provider
        connected(node("nop2p-1"), NodeAgentTest.class.getClassLoader());
        assertThat(EchoTestTransportProvider.CONTEXTS).doesNotContainKey("nop2p-1");
        gw.sendNodeRequest("wire-1", "nop2p-1", Request.of("run"));

        WireMessage msg = awaitResponse("wire-1");
        assertThat(msg.from()).isEqualTo("nop2p-1");
        assertThat(msg.to()).isEqualTo(MessageTypes.GATEWAY);
        Response r = msg.response();
        assertThat(r.ok()).isFalse();
        assertThat(r.code()).isEqualTo(ErrorCodes.P2P_UNAVAILABLE);
        assertThat(r.error()).isEqualTo(NodeRuntime.NO_TRANSPORT_ERROR)
                .contains("io.clawgo:clawgo-transport-ws");
        assertThat(r.node()).isEqualTo("nop2p-1");
        assertThat(r.action()).isEqualTo("run");
        // signals nobody handles are ignored without an answer
        gw.sendToAll("{\"type\":\"signal_offer\",\"from\":\"gateway\",\"to\":\"nop2p-1\",\"session\":\"s\"}");
        gw.sendNodeRequest("wire-2", "nop2p-1", Request.of("invoke"));
        awaitResponse("wire-2");
        assertThat(gw.received(MessageTypes.SIGNAL_ANSWER)).isEmpty();
    }

    @Test
    void aNodeRequestConsumedByATransportRunsOnTheHandlerAndIsBackfilled() {
        connected(node("echo-node-1").handler(req ->
                Response.ok(Map.of("result", "did " + req.task(), "node_seen", String.valueOf(req.node())))));
        gw.sendNodeRequest("echo-1", "echo-node-1", new Request("agent_task", null, "the task", null, null));

        WireMessage msg = awaitResponse("echo-1");
        assertThat(msg.from()).isEqualTo("echo-node-1");
        Response r = msg.response();
        assertThat(r.ok()).isTrue();
        assertThat(r.code()).isEqualTo("ok");
        assertThat(r.node()).isEqualTo("echo-node-1");
        assertThat(r.action()).isEqualTo("agent_task");
        assertThat(r.payload()).containsEntry("result", "did the task").containsEntry("node_seen", "echo-node-1");
    }

    // -------------------------------------------------------------------------------------------- execute()

    private NodeContext contextOf(String nodeId) {
        NodeContext ctx = EchoTestTransportProvider.CONTEXTS.get(nodeId);
        assertThat(ctx).as("the test transport got a context for %s", nodeId).isNotNull();
        assertThat(ctx.nodeId()).isEqualTo(nodeId);
        return ctx;
    }

    @Test
    void executeRunsTheInProcessHandler() throws Exception {
        started(node("exec-ok").handler(req -> Response.ok(Map.of("args", req.args()))));
        NodeContext ctx = contextOf("exec-ok");
        assertThat(ctx.maxMessageBytes()).isEqualTo(WireCodec.DEFAULT_MAX_BYTES);
        assertThat(ctx.scheduler()).isNotNull();

        Response r = await(ctx.execute(new Request("run", null, null, null, Map.of("k", "v"))).toCompletableFuture());
        assertThat(r.ok()).isTrue();
        assertThat(r.node()).isEqualTo("exec-ok");
        assertThat(r.action()).isEqualTo("run");
        assertThat(r.payload()).containsEntry("args", Map.of("k", "v"));
        Response missing = await(ctx.execute(null).toCompletableFuture());
        assertThat(missing.code()).isEqualTo(ErrorCodes.INVALID_REQUEST);
    }

    @Test
    void aThrowingHandlerBecomesRemoteErrorWithoutAStackTrace() throws Exception {
        started(node("exec-throw").handler(req -> {
            throw new IllegalStateException("disk full");
        }));
        Response r = await(contextOf("exec-throw").execute(Request.of("run")).toCompletableFuture());
        assertThat(r.ok()).isFalse();
        assertThat(r.code()).isEqualTo(ErrorCodes.REMOTE_ERROR);
        assertThat(r.error()).isEqualTo("disk full");
        assertThat(r.node()).isEqualTo("exec-throw");
        assertThat(r.action()).isEqualTo("run");
        assertThat(WireCodec.get().toJson(r)).doesNotContain("at io.clawgo").doesNotContain("Exception");
    }

    @Test
    void aSaturatedExecutorAnswersNodeBusyAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        started(node("exec-busy").maxConcurrentRequests(1).maxQueuedRequests(1).handler(req -> {
            running.incrementAndGet();
            release.await(5, TimeUnit.SECONDS);
            return Response.ok(Map.of("n", req.task()));
        }));
        NodeContext ctx = contextOf("exec-busy");
        CompletableFuture<Response> first = ctx.execute(new Request("run", null, "1", null, null)).toCompletableFuture();
        assertThat(poll(WAIT, () -> running.get() == 1)).isTrue();
        CompletableFuture<Response> queued = ctx.execute(new Request("run", null, "2", null, null))
                .toCompletableFuture();
        long t0 = System.nanoTime();
        Response busy = await(ctx.execute(new Request("run", null, "3", null, null)).toCompletableFuture());
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(500);
        assertThat(busy.ok()).isFalse();
        assertThat(busy.code()).isEqualTo(ErrorCodes.NODE_BUSY);
        assertThat(busy.node()).isEqualTo("exec-busy");

        release.countDown();
        assertThat(await(first).payload()).containsEntry("n", "1");
        assertThat(await(queued).payload()).containsEntry("n", "2");
    }

    @Test
    void aSlowHandlerTimesOutAndIsInterrupted() throws Exception {
        AtomicBoolean interrupted = new AtomicBoolean();
        started(node("exec-slow").requestTimeout(Duration.ofMillis(300)).handler(req -> {
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                interrupted.set(true);
                throw e;
            }
            return Response.ok(null);
        }));
        long t0 = System.nanoTime();
        Response r = await(contextOf("exec-slow").execute(Request.of("run")).toCompletableFuture());
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(r.code()).isEqualTo(ErrorCodes.TIMEOUT);
        assertThat(r.error()).contains("300 ms");
        assertThat(tookMs).isBetween(250L, 2000L);
        assertThat(poll(WAIT, interrupted::get)).as("the worker was interrupted").isTrue();
    }

    @Test
    void anOversizedResponseBecomesPayloadTooLarge() throws Exception {
        started(node("exec-big").maxMessageBytes(8192)
                .handler(req -> Response.ok(Map.of("blob", "y".repeat(20_000)))));
        Response r = await(contextOf("exec-big").execute(Request.of("invoke")).toCompletableFuture());
        assertThat(r.ok()).isFalse();
        assertThat(r.code()).isEqualTo(ErrorCodes.PAYLOAD_TOO_LARGE);
        assertThat(r.payload()).isEmpty();
        assertThat(r.action()).isEqualTo("invoke");
    }

    @Test
    void withoutHandlerOrEndpointRequestsFailEndpointMissing() throws Exception {
        started(node("exec-none"));
        Response r = await(contextOf("exec-none").execute(Request.of("run")).toCompletableFuture());
        assertThat(r.code()).isEqualTo(ErrorCodes.ENDPOINT_MISSING);
        assertThat(r.node()).isEqualTo("exec-none");
    }

    @Test
    void requestsAreForwardedToTheLocalEndpointWithTheNodeToken() throws Exception {
        List<String> paths = new CopyOnWriteArrayList<>();
        List<String> auths = new CopyOnWriteArrayList<>();
        HttpServer endpoint = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        endpoint.createContext("/", ex -> {
            // answers like seeds/node_endpoint.py
            byte[] raw = ex.getRequestBody().readAllBytes();
            paths.add(ex.getRequestURI().getPath());
            auths.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            Map<String, Object> req;
            try {
                req = WireCodec.get().decodeMap(new String(raw, StandardCharsets.UTF_8), 1 << 20);
            } catch (ProtocolException e) {
                req = Map.of();
            }
            String action = req.get("action") instanceof String s ? s : ex.getRequestURI().getPath().substring(1);
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("handler", "edge-label");
            payload.put("path", ex.getRequestURI().getPath());
            payload.put("echo", req);
            payload.put("result", action + " from edge-label");
            byte[] body = WireCodec.get().toJsonBytes(Map.of("ok", true, "code", "ok", "node", "edge-label",
                    "action", action, "payload", payload));
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        endpoint.start();
        toClose.add(() -> endpoint.stop(0));
        String url = "http://127.0.0.1:" + endpoint.getAddress().getPort();

        connected(node("fwd-1").endpoint(url).nodeToken("nt-1"));
        gw.sendNodeRequest("echo-fwd", "fwd-1",
                new Request("run", null, null, null, Map.of("command", List.of("echo", "ok"))));
        Response r = awaitResponse("echo-fwd").response();
        assertThat(r.ok()).isTrue();
        assertThat(r.node()).isEqualTo("edge-label");
        assertThat(r.action()).isEqualTo("run");
        assertThat(r.payload()).containsEntry("result", "run from edge-label").containsEntry("path", "/run");
        @SuppressWarnings("unchecked")
        Map<String, Object> echo = (Map<String, Object>) r.payload().get("echo");
        assertThat(echo).containsEntry("node", "fwd-1").containsEntry("args", Map.of("command", List.of("echo", "ok")));
        assertThat(paths).containsExactly("/run");
        assertThat(auths).containsExactly("Bearer nt-1");

        Response task = await(contextOf("fwd-1").execute(Request.agentTask("fwd-1", "t", null)).toCompletableFuture());
        assertThat(task.payloadString("result")).isEqualTo("agent_task from edge-label");
        assertThat(paths).endsWith("/agent/task");
    }

    // ------------------------------------------------------------------------------------------- lifecycle

    @Test
    void closeIsPromptFailsPendingWorkAndLeavesNoThreads() throws Exception {
        Recorder rec = new Recorder();
        CountDownLatch never = new CountDownLatch(1);
        NodeAgent agent = connected(node("close-1").listener(rec).handler(req -> {
            never.await();
            return Response.ok(null);
        }));
        CompletableFuture<Response> pending = contextOf("close-1").execute(Request.of("run")).toCompletableFuture();

        long t0 = System.nanoTime();
        agent.close();
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(tookMs).as("close() duration").isLessThan(2000);
        agent.close(); // idempotent

        assertThat(pending).isDone();
        assertThat(pending.get().ok()).isFalse();
        assertThat(pending.get().code()).isEqualTo(ErrorCodes.TRANSPORT_ERROR);
        assertThat(agent.isConnected()).isFalse();
        assertThat(rec.disconnects).containsExactly("node closed");
        assertThat(EchoTestTransportProvider.CLOSED.get("close-1")).hasValue(1);
        assertThat(poll(WAIT, () -> gw.closeCodes.get(1) != null)).isTrue();
        assertThat(gw.closeCodes.get(1)).isEqualTo(1000);
        assertThatThrownBy(agent::start).isInstanceOf(IllegalStateException.class);

        assertThat(poll(Duration.ofSeconds(2), () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.isAlive() && t.getName().equals("clawgo-node-close-1")))).isTrue();
        List<String> nonDaemon = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.isDaemon() && t.getName().startsWith("clawgo"))
                .map(Thread::getName).toList();
        assertThat(nonDaemon).isEmpty();
    }

    @Test
    void registerOnceReportsTheGatewayAnswer() {
        NodeAgent ok = node("once-1").build();
        toClose.add(ok);
        ok.registerOnce();
        assertThat(gw.httpRegistrations).extracting(NodeInfo::id).containsExactly("once-1");
        assertThat(gw.connectionCount()).isZero();

        NodeAgent bad = node("once-2").token("nope").build();
        toClose.add(bad);
        assertThatThrownBy(bad::registerOnce).isInstanceOf(ClawgoException.class)
                .hasMessage("http 401: unauthorized")
                .satisfies(e -> assertThat(((ClawgoException) e).code()).isEqualTo("unauthorized"));
    }

    @Test
    void builderValidatesAndDefaults() {
        assertThatThrownBy(() -> NodeAgent.builder().gateway("http://h:1").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id");
        assertThatThrownBy(() -> NodeAgent.builder().gateway("http://h:1").id("bad id!").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id must be");
        assertThatThrownBy(() -> NodeAgent.builder().gateway("http://h:1").id("x".repeat(129)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id must be");
        assertThatThrownBy(() -> NodeAgent.builder().id("n").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gateway is required");
        assertThatThrownBy(() -> NodeAgent.builder().id("n").gateway("ftp://h").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gateway must be an http");
        assertThatThrownBy(() -> NodeAgent.builder().id("n").gateway("http://h/?token=x").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gateway must not contain a query");
        assertThatThrownBy(() -> NodeAgent.builder().id("n").gateway("http://h")
                .heartbeatInterval(Duration.ofMillis(500)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeatInterval");
        assertThatThrownBy(() -> NodeAgent.builder().id("n").gateway("http://h")
                .heartbeatInterval(Duration.ofHours(2)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeatInterval");
        assertThatThrownBy(() -> NodeAgent.builder().id("n").gateway("http://h").maxConcurrentRequests(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConcurrentRequests");
        assertThatThrownBy(() -> NodeAgent.builder().id("n").gateway("http://h")
                .reconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reconnectBackoff");

        NodeAgent agent = NodeAgent.builder().gateway("https://gw.example:8443/prefix//").id("a.b:c-1").build();
        toClose.add(agent);
        assertThat(agent.gatewayUrl()).isEqualTo("https://gw.example:8443/prefix");
        assertThat(agent.info().name()).isEqualTo("a.b:c-1");
        assertThat(agent.info().capabilities()).isEqualTo(Capabilities.DEFAULT);
        assertThat(agent.info().os()).isNotBlank();
        assertThat(agent.info().version()).isNotBlank();
        assertThat(agent.isConnected()).isFalse();

        NodeSettings s = NodeSettings.defaults("https://gw.example:8443/prefix/", null, agent.info());
        assertThat(s.connectUrl()).isEqualTo("wss://gw.example:8443/prefix/nodes/connect");
        assertThat(NodeSettings.defaults("http://127.0.0.1:18790", "t", agent.info()).connectUrl())
                .isEqualTo("ws://127.0.0.1:18790/nodes/connect");
        assertThat(s.toString()).doesNotContain("token");
        assertThat(NodeSettings.ackTimeoutFor(Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(20));
        assertThat(NodeSettings.ackTimeoutFor(Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(20));
        assertThat(NodeSettings.ackTimeoutFor(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(60));
        // pings: clamp(2 x heartbeat, 20 s, 30 s); never a pong deadline shorter than the ack deadline's 20 s
        assertThat(s.pingInterval()).isEqualTo(Duration.ofSeconds(20));
        assertThat(s.withHeartbeat(Duration.ofSeconds(1), Duration.ofSeconds(10)).pingInterval())
                .isEqualTo(Duration.ofSeconds(20));
        assertThat(s.withHeartbeat(Duration.ofSeconds(12), Duration.ofSeconds(24)).pingInterval())
                .isEqualTo(Duration.ofSeconds(24));
        assertThat(s.withHeartbeat(Duration.ofSeconds(120), Duration.ofSeconds(240)).pingInterval())
                .isEqualTo(Duration.ofSeconds(30));
    }
}
