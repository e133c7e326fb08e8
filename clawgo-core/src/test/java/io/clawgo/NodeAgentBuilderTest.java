package io.clawgo;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.internal.node.EchoTestTransportProvider;
import io.clawgo.internal.node.FakeGatewayServer;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.spi.NodeContext;
import io.clawgo.spi.TransportProvider;
import io.clawgo.testing.ExtraServices;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The node agent's entry point and what a caller may supply on its builder (an OkHttp client, a thread factory, a
 * clock), against a real (fake) gateway on loopback.
 */
class NodeAgentBuilderTest {
    private static final String TOKEN = "gw-secret";
    private static final Duration WAIT = Duration.ofSeconds(5);

    private FakeGatewayServer gw;
    private final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();

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

    private NodeAgent.Builder node(String id) {
        return NodeAgent.builder().gateway(gw.baseUrl()).token(TOKEN).id(id)
                .heartbeatInterval(Duration.ofSeconds(1))
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(500));
    }

    private NodeAgent track(NodeAgent agent) {
        toClose.add(agent);
        return agent;
    }

    private static boolean poll(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    @Test
    void builderStartBuildsAndStartsBuildAloneDoesNot() throws Exception {
        NodeAgent unstarted = track(node("entry-built").build());
        Thread.sleep(300);
        assertThat(unstarted.isConnected()).isFalse();
        assertThat(gw.httpRegistrations).isEmpty();

        NodeAgent started = track(node("entry-started").start());
        assertThat(started.awaitConnected(WAIT)).isTrue();
        assertThat(gw.httpRegistrations).extracting(i -> i.id()).containsExactly("entry-started");
    }

    @Test
    void aSuppliedClientsInterceptorSeesTheNodesCallsAndTheClientOutlivesTheNode() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        OkHttpClient app = new OkHttpClient.Builder()
                .addInterceptor(chain -> {
                    seen.add(chain.request().method() + " " + chain.request().url().encodedPath());
                    return chain.proceed(chain.request());
                })
                .build();
        try {
            NodeAgent agent = track(node("http-1").httpClient(app).start());
            assertThat(agent.awaitConnected(WAIT)).isTrue();
            agent.registerOnce();

            assertThat(seen).containsSubsequence("POST /nodes/register", "GET /nodes/connect", "POST /nodes/register");
            agent.close();

            // the caller's client is untouched by close(): its dispatcher and pool still work
            assertThat(app.dispatcher().executorService().isShutdown()).isFalse();
            try (okhttp3.Response r = app.newCall(new okhttp3.Request.Builder()
                    .url(gw.baseUrl() + "/webui/api/version").header("Authorization", "Bearer " + TOKEN).build())
                    .execute()) {
                assertThat(r.code()).isEqualTo(200);
            }
        } finally {
            app.dispatcher().executorService().shutdown();
            app.connectionPool().evictAll();
        }
    }

    @Test
    void aSuppliedThreadFactoryMakesEveryThreadOfTheNodesPools() throws Exception {
        AtomicInteger n = new AtomicInteger();
        List<Thread> made = new CopyOnWriteArrayList<>();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "app-node-" + n.incrementAndGet());
            t.setDaemon(true);
            made.add(t);
            return t;
        };
        List<String> ranOn = new CopyOnWriteArrayList<>();
        OkHttpClient app = new OkHttpClient.Builder()
                .addInterceptor(chain -> {
                    // OkHttp renames a thread while it runs an asynchronous call: compare the thread itself
                    ranOn.add("http:" + (made.contains(Thread.currentThread()) ? "factory" : "other"));
                    return chain.proceed(chain.request());
                })
                .build();
        NodeAgent.Listener listener = new NodeAgent.Listener() {
            @Override
            public void onConnected() {
                ranOn.add("loop:" + Thread.currentThread().getName());
            }
        };
        NodeAgent agent;
        Thread me = Thread.currentThread();
        ClassLoader before = me.getContextClassLoader();
        me.setContextClassLoader(ExtraServices.loader(TransportProvider.class, EchoTestTransportProvider.class));
        try {
            agent = track(node("threads-1").httpClient(app).threadFactory(factory).listener(listener)
                    .handler(req -> Response.ok(Map.of("thread", Thread.currentThread().getName())))
                    .start());
        } finally {
            me.setContextClassLoader(before);
        }
        assertThat(agent.awaitConnected(WAIT)).isTrue();
        NodeContext ctx = EchoTestTransportProvider.CONTEXTS.get("threads-1");
        String exec = ctx.execute(Request.of("run")).toCompletableFuture().get(5, TimeUnit.SECONDS)
                .payloadString("thread");
        String timer = ctx.scheduler().submit(() -> Thread.currentThread().getName()).get(5, TimeUnit.SECONDS);

        // the registration and the socket's upgrade are asynchronous calls: they ran on the node's HTTP pool
        assertThat(ranOn).filteredOn(s -> s.startsWith("http:")).isNotEmpty().containsOnly("http:factory");
        assertThat(ranOn).filteredOn(s -> s.startsWith("loop:")).singleElement().asString()
                .startsWith("loop:app-node-");
        assertThat(exec).startsWith("app-node-");
        assertThat(timer).startsWith("app-node-");
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("clawgo-node-threads-1"));

        agent.close();
        assertThat(poll(Duration.ofSeconds(3), () -> made.stream().noneMatch(Thread::isAlive)))
                .as("every thread of the factory ended at close: %s", made).isTrue();
        app.dispatcher().executorService().shutdown();
        app.connectionPool().evictAll();
    }

    @Test
    void aFixedClockShowsInWhenTheConnectionRegistered() throws Exception {
        Instant fixed = Instant.parse("2030-01-02T03:04:05Z");
        NodeAgent agent = track(node("clock-1").clock(Clock.fixed(fixed, ZoneOffset.UTC)).build());
        assertThat(agent.stats().connectedSince()).isEmpty();

        agent.start();
        assertThat(agent.awaitConnected(WAIT)).isTrue();
        assertThat(agent.stats().connectedSince()).isEqualTo(Optional.of(fixed));

        agent.close();
        assertThat(agent.stats().connectedSince()).isEmpty();
    }

    @Test
    void withoutAClockTheSystemClockIsUsed() throws Exception {
        Instant before = Instant.now();
        NodeAgent agent = track(node("clock-2").start());
        assertThat(agent.awaitConnected(WAIT)).isTrue();
        assertThat(agent.stats().connectedSince()).hasValueSatisfying(t ->
                assertThat(t).isBetween(before.minusMillis(1), Instant.now().plusMillis(1)));
    }
}
