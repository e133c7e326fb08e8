package io.clawgo.internal.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.testing.SseClient;
import io.clawgo.testing.TestHttp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link EventStreams} on a real Jetty server on loopback, read by a real HTTP client. */
class EventStreamsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final List<SseClient> clients = new ArrayList<>();
    private Server server;
    private EventStreams streams;
    private String url;

    /** Runs tasks on the server's pool, or holds them while paused (a client whose writes are not getting out). */
    private final class Gate implements Executor {
        private final List<Runnable> held = new ArrayList<>();
        private boolean paused;

        @Override
        public synchronized void execute(Runnable r) {
            if (paused) {
                held.add(r);
            } else {
                server.getThreadPool().execute(r);
            }
        }

        synchronized void pause() {
            paused = true;
        }

        synchronized void resume() {
            paused = false;
            held.forEach(server.getThreadPool()::execute);
            held.clear();
        }
    }

    private final Gate gate = new Gate();

    private void start(int maxStreams, int queue, long keepAliveMillis) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setDaemon(true);
        server = new Server(threads);
        ServerConnector c = new ServerConnector(server);
        c.setHost("127.0.0.1");
        c.setPort(0);
        server.addConnector(c);
        streams = new EventStreams(gate, scheduler, maxStreams, queue, keepAliveMillis);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                  org.eclipse.jetty.util.Callback callback) {
                streams.open(request, response, callback);
                return true;
            }
        });
        server.start();
        url = "http://127.0.0.1:" + c.getLocalPort() + "/events";
    }

    private SseClient open() throws Exception {
        SseClient c = SseClient.open(url, null);
        clients.add(c);
        return c;
    }

    @AfterEach
    void stop() throws Exception {
        clients.forEach(SseClient::close);
        if (streams != null) {
            streams.close();
        }
        if (server != null) {
            server.stop();
        }
        scheduler.shutdownNow();
    }

    @Test
    void eventsReachEveryClientInOrderAfterTheHello() throws Exception {
        start(4, 16, 60_000);
        SseClient a = open();
        SseClient b = open();
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.contentType()).startsWith("text/event-stream");
        for (SseClient c : List.of(a, b)) {
            assertThat(c.next(WAIT).type()).isEqualTo("hello");
        }
        assertThat(a.retry()).isEqualTo(String.valueOf(EventStreams.RETRY_MILLIS));
        assertThat(TestHttp.await(WAIT, () -> streams.size() == 2)).isTrue();
        for (int i = 0; i < 5; i++) {
            streams.publish("dispatch", Map.of("n", i));
        }
        for (SseClient c : List.of(a, b)) {
            for (int i = 0; i < 5; i++) {
                SseClient.Event e = c.next(WAIT);
                assertThat(e.type()).isEqualTo("dispatch");
                assertThat(e.json()).containsEntry("n", (long) i);
            }
        }
    }

    @Test
    void oneStreamAboveTheLimitIsRefusedWith503AndJson() throws Exception {
        start(2, 16, 60_000);
        open();
        open();
        SseClient third = open();
        assertThat(third.status()).isEqualTo(503);
        assertThat(TestHttp.map(io.clawgo.protocol.WireCodec.get().decodeMap(third.errorBody(), 1 << 16)))
                .containsEntry("ok", false).containsEntry("code", EventStreams.TOO_MANY);
        assertThat(third.errorBody()).contains("at most 2 event streams").doesNotContain("Exception");
    }

    @Test
    void aClientThatFallsBehindLosesItsQueueAndGetsOneResync() throws Exception {
        start(4, 4, 60_000);
        SseClient c = open();
        assertThat(c.next(WAIT).type()).isEqualTo("hello");
        gate.pause(); // nothing gets written while paused: the queue fills up
        for (int i = 0; i < 10; i++) {
            streams.publish("dispatch", Map.of("n", i));
        }
        gate.resume();
        SseClient.Event first = c.next(WAIT);
        assertThat(first.type()).isEqualTo("resync");
        assertThat(first.json()).containsEntry("reason", "queue_overflow");
        // 4 queued, the fifth overflowed and dropped all 5; the next 4 queued again, the tenth overflowed again
        assertThat((Long) first.json().get("dropped")).isEqualTo(10L);
        assertThat(c.next(Duration.ofMillis(300))).isNull();
        streams.publish("dispatch", Map.of("n", 99));
        assertThat(c.next(WAIT).json()).containsEntry("n", 99L);
    }

    @Test
    void idleStreamsGetKeepAlivesAndAClientThatLeftIsRemoved() throws Exception {
        start(4, 16, 100);
        SseClient c = open();
        assertThat(c.next(WAIT).type()).isEqualTo("hello");
        assertThat(TestHttp.await(WAIT, () -> c.comments() >= 3)).isTrue();
        assertThat(streams.size()).isEqualTo(1);
        c.close();
        // the keep-alive writes to the closed connection fail, and the stream is dropped
        assertThat(TestHttp.await(WAIT, () -> streams.size() == 0)).isTrue();
    }

    @Test
    void closeEndsEveryStreamWithByeAndRefusesNewOnes() throws Exception {
        start(4, 16, 60_000);
        SseClient c = open();
        assertThat(c.next(WAIT).type()).isEqualTo("hello");
        streams.publish("node", Map.of("node", "n1", "state", "online"));
        long t = System.nanoTime();
        streams.close();
        assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(Duration.ofSeconds(2));
        assertThat(c.next(WAIT).type()).isEqualTo("node");
        assertThat(c.next(WAIT).type()).isEqualTo("bye");
        assertThat(c.awaitEnd(WAIT)).isTrue();
        assertThat(streams.size()).isZero();
        SseClient late = open();
        assertThat(late.status()).isEqualTo(503);
    }
}
