package io.clawgo.transport.webrtc;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Frame;
import io.clawgo.protocol.MessageTypes;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireAck;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireSizes;
import io.clawgo.protocol.WireMessage;
import io.clawgo.spi.NodeContext;
import io.clawgo.testing.TestHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, the webrtc side of the signal limits, on a real gateway over a real control socket: the transport's own
 * signalling fits the default limits with a wide margin (the sizes are printed), and a node cannot feed a session
 * attempt more than {@link PeerLink#MAX_REMOTE_CANDIDATES} ICE candidates, after its answer either.
 *
 * <p>The node is the transport's own node half ({@link WebRtcNodeTransport}, real peer connection) whose control
 * socket is a plain WebSocket held by the test, so the test can add frames of its own on the node's connection.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SignalLimitsWebRtcTest {
    private static final String NODE = "ice-node";
    @TempDir
    Path data;

    @BeforeAll
    static void inside() {
        NetNs.assumeInside();
    }

    /** A node: webrtc from this module, control socket from the test. */
    private static final class BridgedNode implements NodeContext, AutoCloseable {
        final BlockingQueue<WireAck> acks = new LinkedBlockingQueue<>();
        final List<WireMessage> fromGateway = new CopyOnWriteArrayList<>();
        final List<String> sentSignals = new CopyOnWriteArrayList<>();
        final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        final WebRtcNodeTransport transport = new WebRtcNodeTransport(this, WebRtcSettings.defaults());
        final WebSocket ws;

        BridgedNode(Gateway gw) {
            ws = TestHttp.CLIENT.newWebSocket(new okhttp3.Request.Builder()
                    .url(gw.url().replaceFirst("^http", "ws") + "/nodes/connect").build(), new WebSocketListener() {
                        @Override
                        public void onMessage(WebSocket webSocket, String text) {
                            Frame f;
                            try {
                                f = WireCodec.get().decodeFrame(text, 1 << 24);
                            } catch (Exception e) {
                                throw new AssertionError(e);
                            }
                            if (f instanceof Frame.Ack a) {
                                acks.add(a.ack());
                            } else {
                                WireMessage m = ((Frame.Message) f).message();
                                fromGateway.add(m);
                                transport.onControlMessage(m);
                            }
                        }
                    });
        }

        WireAck ack() throws InterruptedException {
            WireAck a = acks.poll(10, TimeUnit.SECONDS);
            assertThat(a).as("an ack within 10 s").isNotNull();
            return a;
        }

        void raw(String json) {
            assertThat(ws.send(json)).isTrue();
        }

        @Override
        public String nodeId() {
            return NODE;
        }

        @Override
        public boolean send(WireMessage message) {
            String json = WireCodec.get().toJson(message);
            sentSignals.add(json);
            return ws.send(json);
        }

        @Override
        public CompletionStage<Response> execute(Request request) {
            return CompletableFuture.completedFuture(Response.ok(Map.of("result", "ran " + request.action())));
        }

        @Override
        public int maxMessageBytes() {
            return WireCodec.DEFAULT_MAX_BYTES;
        }

        @Override
        public ScheduledExecutorService scheduler() {
            return scheduler;
        }

        @Override
        public void close() {
            ws.close(1000, "bye");
            transport.close();
            scheduler.shutdownNow();
        }
    }

    private static long bytes(String json) {
        return WireSizes.utf8Length(json);
    }

    @Test
    void realSignallingFitsTheDefaultsAndCandidatesAreCappedAfterTheAnswerToo() throws Exception {
        try (Gateway gw = Gateway.builder().host("127.0.0.1").port(0).dataDir(data).transport("webrtc").start();
             BridgedNode node = new BridgedNode(gw)) {
            node.raw("{\"type\":\"register\",\"node\":{\"id\":\"" + NODE + "\",\"actions\":[\"run\"],"
                    + "\"capabilities\":{\"run\":true},\"transports\":[\"webrtc\"]}}");
            assertThat(node.ack().ok()).isTrue();

            Response r = gw.dispatch(new Request("run", NODE, null, null, Map.of()),
                    DispatchMode.P2P, Duration.ofSeconds(20))
                    .get(30, TimeUnit.SECONDS);
            assertThat(r.ok()).as("%s", r).isTrue();
            assertThat(r.payload()).containsEntry("used_transport", "webrtc").containsEntry("result", "ran run");

            // the answer is applied and the channel is open; the node now sends 200 more candidates for the attempt
            WireMessage offer = node.fromGateway.stream()
                    .filter(m -> MessageTypes.SIGNAL_OFFER.equals(m.normalizedType())).reduce((a, b) -> b)
                    .orElseThrow();
            String attempt = (String) offer.payload().get("attempt");
            int extra = 200;
            for (int i = 0; i < extra; i++) {
                node.raw("{\"type\":\"signal_candidate\",\"id\":\"c" + i + "\",\"to\":\"gateway\",\"session\":\""
                        + NODE + "\",\"payload\":{\"candidate\":\"candidate:9" + i + " 1 udp 1 192.0.2.1 "
                        + (20000 + i) + " typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0,\"attempt\":\"" + attempt
                        + "\"}}");
            }
            // acks: one per frame; the node's own signals (no id) and the 200 (ids c0..) may interleave
            int taken = 0;
            int refused = 0;
            int realAcks = 0;
            int realOk = 0;
            while (taken + refused < extra || realAcks < node.sentSignals.size()) {
                WireAck a = node.ack();
                if (a.id() == null) {
                    realAcks++;
                    assertThat(a.ok()).as("the node's own signal: %s", a).isTrue();
                    assertThat(a.type()).isEqualTo(MessageTypes.SIGNALED);
                    realOk++;
                } else if (a.ok()) {
                    taken++;
                } else {
                    assertThat(a.error()).isEqualTo("too many ICE candidates for this webrtc session attempt (at most "
                            + PeerLink.MAX_REMOTE_CANDIDATES + ")");
                    refused++;
                }
            }
            long realCandidates = node.sentSignals.stream().filter(j -> j.contains("\"signal_candidate\"")).count();
            long largestUp = node.sentSignals.stream().mapToLong(SignalLimitsWebRtcTest::bytes).max().orElse(0);
            long largestDown = node.fromGateway.stream().mapToLong(m -> bytes(WireCodec.get().toJson(m))).max()
                    .orElse(0);
            System.out.printf("webrtc signalling of one session: node -> gateway %d frames (%d candidates), largest %d"
                    + " bytes; gateway -> node %d frames, largest %d bytes (the offer)%n", node.sentSignals.size(),
                    realCandidates, largestUp, node.fromGateway.size(), largestDown);
            // the transport's own signals are far below the default limit of 64 KiB
            assertThat(largestUp).isLessThan(P2pConfig.DEFAULT_SIGNAL_MAX_BYTES / 8);
            assertThat(largestDown).isLessThan(P2pConfig.DEFAULT_SIGNAL_MAX_BYTES / 8);
            // the attempt took candidates up to its bound, its real ones included (old code: all 200 taken)
            assertThat(refused).isGreaterThanOrEqualTo(extra - PeerLink.MAX_REMOTE_CANDIDATES);
            assertThat(taken).isGreaterThanOrEqualTo(PeerLink.MAX_REMOTE_CANDIDATES - (int) realCandidates);
            assertThat(taken + realOk - 1).as("taken, the real ones (all but the answer) included")
                    .isLessThanOrEqualTo(PeerLink.MAX_REMOTE_CANDIDATES);
            // the session is unharmed
            Response again = gw.dispatch(new Request("run", NODE, null, null, Map.of()), DispatchMode.P2P,
                    Duration.ofSeconds(20)).get(30, TimeUnit.SECONDS);
            assertThat(again.ok()).as("%s", again).isTrue();
            assertThat(again.payload()).containsEntry("used_transport", "webrtc");
        }
    }
}
