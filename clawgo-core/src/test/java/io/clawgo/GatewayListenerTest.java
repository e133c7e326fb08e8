package io.clawgo;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.testing.LoopbackRelay;
import io.clawgo.testing.SeedEndpoint;
import io.clawgo.testing.TestHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Gateway.Listener} on a real gateway with a real node agent over the HTTP relay. */
class GatewayListenerTest {
    private static final String TOKEN = "listener-token";
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    /** Records every event as a line, and the dispatch events themselves, on the listener's thread. */
    static class Recorder implements Gateway.Listener {
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final BlockingQueue<DispatchEvent> dispatches = new LinkedBlockingQueue<>();
        final List<String> threads = new ArrayList<>();

        @Override
        public void onNodeOnline(NodeInfo node) {
            note("online " + node.id() + " " + node.online());
        }

        @Override
        public void onNodeOffline(NodeInfo node, String reason) {
            note("offline " + node.id() + " " + reason + " " + node.online());
        }

        @Override
        public void onNodeRemoved(String nodeId) {
            note("removed " + nodeId);
        }

        @Override
        public void onDispatch(DispatchEvent event) {
            dispatches.add(event);
            note("dispatch " + event.node() + " " + event.code());
        }

        private void note(String line) {
            synchronized (threads) {
                threads.add(Thread.currentThread().getName());
            }
            lines.add(line);
        }

        String next() throws InterruptedException {
            String line = lines.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(line).as("an event within %s", WAIT).isNotNull();
            return line;
        }
    }

    private Gateway gateway(Gateway.Listener listener) {
        return Gateway.builder().nodePolicy(LoopbackRelay.POLICY).host("127.0.0.1").port(0).token(TOKEN).dataDir(dir).p2p(P2pConfig.disabled())
                .listener(listener).start();
    }

    private static NodeAgent node(Gateway gw, String id, SeedEndpoint endpoint) {
        return NodeAgent.builder().gateway(gw.url()).token(TOKEN).id(id).endpoint(endpoint.url())
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(500)).build();
    }

    @Test
    void reportsNodesGoingOnlineAndOfflineEveryDispatchAndDeletions() throws Exception {
        Recorder rec = new Recorder();
        try (SeedEndpoint endpoint = SeedEndpoint.start("edge-l");
             Gateway gw = gateway(rec)) {
            NodeAgent n = node(gw, "edge-l", endpoint);
            n.start();
            assertThat(n.awaitConnected(WAIT)).isTrue();
            assertThat(rec.next()).isEqualTo("online edge-l true");

            Response ok = gw.dispatch(new Request("run", "edge-l", "hello", null, null), DispatchMode.AUTO, WAIT)
                    .get(20, TimeUnit.SECONDS);
            assertThat(ok.ok()).isTrue();
            assertThat(rec.next()).isEqualTo("dispatch edge-l ok");
            DispatchEvent e = rec.dispatches.take();
            assertThat(e.ok()).isTrue();
            assertThat(e.action()).isEqualTo("run");
            assertThat(e.mode()).isEqualTo(DispatchMode.AUTO);
            assertThat(e.usedTransport()).isEqualTo("http_relay");
            assertThat(e.fallbackFrom()).isNull();
            assertThat(e.request().task()).isEqualTo("hello");
            assertThat(e.response()).isSameAs(ok);
            assertThat(e.duration()).isPositive();
            assertThat(e.startedAt()).isBefore(java.time.Instant.now().plusMillis(1));

            // refused before anything was sent: still an event, without a transport
            Response missing = gw.dispatch(new Request("run", "nobody", null, null, null), DispatchMode.P2P, WAIT)
                    .get(20, TimeUnit.SECONDS);
            assertThat(missing.code()).isEqualTo(ErrorCodes.NODE_NOT_FOUND);
            assertThat(rec.next()).isEqualTo("dispatch nobody " + ErrorCodes.NODE_NOT_FOUND);
            DispatchEvent refused = rec.dispatches.take();
            assertThat(refused.ok()).isFalse();
            assertThat(refused.mode()).isEqualTo(DispatchMode.P2P);
            assertThat(refused.usedTransport()).isNull();

            n.close();
            assertThat(rec.next()).isEqualTo("offline edge-l disconnected false");
            assertThat(TestHttp.post(gw.url() + "/webui/api/nodes", TOKEN,
                    "{\"action\":\"delete\",\"id\":\"edge-l\"}").status()).isEqualTo(200);
            assertThat(rec.next()).isEqualTo("removed edge-l");
            assertThat(rec.lines).isEmpty();
        }
        synchronized (rec.threads) {
            assertThat(rec.threads).isNotEmpty().allSatisfy(t -> assertThat(t).startsWith("clawgo-gateway-events-"));
        }
    }

    @Test
    void aListenerThatBlocksOrThrowsSlowsNoDispatch() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Recorder rec = new Recorder() {
            private boolean first = true;

            @Override
            public void onNodeOnline(NodeInfo node) {
                super.onNodeOnline(node);
                throw new IllegalStateException("a listener bug");
            }

            @Override
            public void onDispatch(DispatchEvent event) {
                if (first) {
                    first = false;
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                }
                super.onDispatch(event);
            }
        };
        try (SeedEndpoint endpoint = SeedEndpoint.start("edge-s");
             Gateway gw = gateway(rec);
             NodeAgent n = node(gw, "edge-s", endpoint)) {
            n.start();
            assertThat(n.awaitConnected(WAIT)).isTrue();
            assertThat(rec.next()).isEqualTo("online edge-s true"); // and then it threw

            // the first dispatch event holds the listener; the dispatches themselves go on
            for (int i = 0; i < 5; i++) {
                Response r = gw.dispatch(new Request("run", "edge-s", "t" + i, null, null), DispatchMode.AUTO, WAIT)
                        .get(20, TimeUnit.SECONDS);
                assertThat(r.ok()).as("dispatch %d while the listener is blocked", i).isTrue();
            }
            assertThat(rec.lines).isEmpty();
            release.countDown();
            for (int i = 0; i < 5; i++) {
                assertThat(rec.next()).isEqualTo("dispatch edge-s ok");
                assertThat(rec.dispatches.take().request().task()).as("in order").isEqualTo("t" + i);
            }
        }
    }

    @Test
    void closeDeliversTheEventsStillQueued() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Recorder rec = new Recorder() {
            @Override
            public void onDispatch(DispatchEvent event) {
                started.countDown();
                try {
                    Thread.sleep(100); // slower than the dispatches
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                super.onDispatch(event);
            }
        };
        Gateway gw = gateway(rec);
        try {
            for (int i = 0; i < 5; i++) {
                gw.dispatch(new Request("run", "ghost", "t" + i, null, null),
                        DispatchMode.AUTO, WAIT).get(20, TimeUnit.SECONDS);
            }
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            gw.close();
        }
        // close returned after the listener had taken all five
        assertThat(rec.dispatches).hasSize(5);
    }
}
