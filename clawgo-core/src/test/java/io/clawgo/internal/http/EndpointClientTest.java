package io.clawgo.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client that forwards requests to node endpoints (node agents and the gateway's relay), against a real HTTP
 * server on 127.0.0.1 that answers each request after the delay in its {@code args.delay_ms}.
 */
class EndpointClientTest {
    private HttpServer server;
    private ExecutorService executor;
    /** The {@code i} argument of every request that reached the endpoint. */
    private final List<Long> arrived = new CopyOnWriteArrayList<>();
    private OkHttpClient http;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void start() throws IOException {
        executor = Executors.newCachedThreadPool();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(executor);
        server.createContext("/", ex -> {
            try (ex) {
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                arrived.add(number(body, "i"));
                Thread.sleep(number(body, "delay_ms"));
                byte[] out = "{\"ok\":true,\"payload\":{\"result\":\"done\"}}".getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, out.length);
                ex.getResponseBody().write(out);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        executor.shutdownNow();
        timer.shutdownNow();
        if (http != null) {
            http.dispatcher().executorService().shutdownNow();
            http.connectionPool().evictAll();
        }
    }

    /** The number after {@code "key":} in a small JSON text (enough for these requests). */
    private static long number(String json, String key) {
        int at = json.indexOf("\"" + key + "\":");
        if (at < 0) {
            return 0;
        }
        int from = at + key.length() + 3;
        int to = from;
        while (to < json.length() && Character.isDigit(json.charAt(to))) {
            to++;
        }
        return Long.parseLong(json.substring(from, to));
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static Request request(long i, long delayMs) {
        return new Request("run", "n1", null, null, java.util.Map.of("i", i, "delay_ms", delayMs));
    }

    @Test
    void anEndpointSlowerThanTheClientsReadTimeoutIsWaitedForUntilTheRequestTimeout() throws Exception {
        // the node agent's shared client has a read timeout (for its REST calls); an endpoint answer may take longer
        http = new OkHttpClient.Builder().readTimeout(Duration.ofMillis(300)).build();
        EndpointClient client = new EndpointClient(http, 1 << 20, timer);
        Response r = client.send(url(), null, request(1, 900), Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
        assertThat(r.ok()).as("%s", r).isTrue();
        assertThat(r.payload()).containsEntry("result", "done");
    }

    @Test
    void aRequestThatWaitedInTheQueuePastItsDeadlineNeverReachesTheEndpoint() throws Exception {
        // one call at a time to the endpoint: the second waits in OkHttp's queue behind a slow first one
        Dispatcher one = new Dispatcher();
        one.setMaxRequestsPerHost(1);
        http = new OkHttpClient.Builder().dispatcher(one).build();
        EndpointClient client = new EndpointClient(http, 1 << 20, timer);
        CompletableFuture<Response> slow = client.send(url(), null, request(1, 1500), Duration.ofSeconds(10));
        Thread.sleep(100); // the first is running
        long t0 = System.nanoTime();
        Response late = client.send(url(), null, request(2, 0), Duration.ofMillis(400)).get(10, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(late.code()).as("%s", late).isEqualTo(ErrorCodes.TIMEOUT);
        assertThat(ms).as("its deadline counts from the send, queue included").isLessThan(1200);
        assertThat(slow.get(10, TimeUnit.SECONDS).ok()).isTrue();
        Thread.sleep(300); // room for a late request to arrive, if one were sent
        assertThat(arrived).as("the caller was told timeout: the endpoint must not get the request after that")
                .containsExactly(1L);
    }

    /**
     * The same, with the timer that ends calls at their deadline running late (as on a starved machine: it once failed
     * so in a full build): the call leaves the queue after its deadline and is refused there, before anything is sent.
     */
    @Test
    void aQueuedRequestIsNotSentAfterItsDeadlineEvenWhenTheTimerIsLate() throws Exception {
        Dispatcher one = new Dispatcher();
        one.setMaxRequestsPerHost(1);
        http = new OkHttpClient.Builder().dispatcher(one).build();
        java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(1);
        timer.execute(() -> {
            try {
                busy.await(3, TimeUnit.SECONDS); // the timer's only thread is held: every deadline fires late
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        EndpointClient client = new EndpointClient(http, 1 << 20, timer);
        CompletableFuture<Response> slow = client.send(url(), null, request(1, 800), Duration.ofSeconds(10));
        Thread.sleep(100); // the first is running
        CompletableFuture<Response> late = client.send(url(), null, request(2, 0), Duration.ofMillis(200));
        assertThat(slow.get(10, TimeUnit.SECONDS).ok()).isTrue();
        Response r = late.get(10, TimeUnit.SECONDS); // refused when it left the queue, the timer still held
        busy.countDown();
        assertThat(r.code()).as("%s", r).isEqualTo(ErrorCodes.TIMEOUT);
        Thread.sleep(300);
        assertThat(arrived).as("sent after its deadline").containsExactly(1L);
    }
}
