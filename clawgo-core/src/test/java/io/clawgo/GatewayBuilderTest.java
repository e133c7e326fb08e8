package io.clawgo;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.subagent.DispatchResult;
import io.clawgo.subagent.SpawnRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link Gateway.Builder}'s injectables, on real gateways on loopback: the thread factory and the clock. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayBuilderTest {
    private static final String TOKEN = "builder-test-token";
    private static final Instant T = Instant.parse("2031-02-03T04:05:06Z");

    @TempDir
    Path dir;

    private Gateway.Builder gateway() {
        return Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir).p2p(P2pConfig.disabled());
    }

    /** Daemon threads named {@code app-gw-N}, remembered. */
    static final class AppThreads implements ThreadFactory {
        final AtomicInteger next = new AtomicInteger();
        final List<Thread> made = new CopyOnWriteArrayList<>();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "app-gw-" + next.incrementAndGet());
            t.setDaemon(true);
            made.add(t);
            return t;
        }
    }

    private static Set<Thread> liveThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).collect(Collectors.toSet());
    }

    @Test
    void everyPoolOfTheGatewayRunsOnTheApplicationsThreads() throws Exception {
        AppThreads threads = new AppThreads();
        BlockingQueue<String> listenerThreads = new LinkedBlockingQueue<>();
        Set<Thread> before = liveThreads();
        try (Gateway gw = gateway().threadFactory(threads)
                .listener(new Gateway.Listener() {
                    @Override
                    public void onNodeOnline(NodeInfo node) {
                        listenerThreads.add(Thread.currentThread().getName());
                    }
                })
                .localAgent("echo", "Echo", task -> Thread.currentThread().getName())
                .start();
             GatewayClient client = GatewayClient.create(gw.url(), TOKEN)) {
            // REST on Jetty's threads, the registry's reaper and the node audit, the listener's thread
            client.register(NodeInfo.builder("edge-1").endpoint("http://127.0.0.1:1").build());
            assertThat(listenerThreads.poll(5, TimeUnit.SECONDS)).startsWith("app-gw-");
            // a local agent's thread
            DispatchResult r = gw.subagents().dispatchAndWait(SpawnRequest.of("echo", "hi"), Duration.ofSeconds(10));
            assertThat(r.reply().result()).startsWith("app-gw-");
            // a continuation of a dispatch future, on the callback pool
            String callback = gw.dispatch(Request.of("run").withNode("ghost"), DispatchMode.AUTO,
                    Duration.ofSeconds(5)).thenApply(x -> Thread.currentThread().getName()).get(5, TimeUnit.SECONDS);
            assertThat(callback).startsWith("app-gw-");

            List<String> made = threads.made.stream().map(Thread::getName).toList();
            assertThat(made).hasSizeGreaterThanOrEqualTo(8); // Jetty's threads alone are 8 at least
            List<String> library = liveThreads().stream().filter(t -> !before.contains(t)).map(Thread::getName)
                    .filter(n -> n.startsWith("clawgo-") || n.startsWith("Scheduler-")).toList();
            assertThat(library).as("threads of the gateway not made by the application's factory").isEmpty();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (threads.made.stream().anyMatch(Thread::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(threads.made.stream().filter(Thread::isAlive).map(Thread::getName).toList())
                .as("close stops them all").isEmpty();
    }

    @Test
    void theClockIsTheTimeOfWhatTheGatewayRecords() throws Exception {
        Clock fixed = Clock.fixed(T, ZoneOffset.UTC);
        BlockingQueue<DispatchEvent> dispatches = new LinkedBlockingQueue<>();
        try (Gateway gw = gateway().clock(fixed).localAgent("echo", "Echo", task -> "ok").start();
             GatewayClient client = GatewayClient.create(gw.url(), TOKEN)) {
            gw.addObserver(new Gateway.Observer() {
                @Override
                public void onDispatch(DispatchEvent event) {
                    dispatches.add(event);
                }
            });
            client.register(NodeInfo.builder("edge-1").endpoint("http://127.0.0.1:1").build());
            NodeInfo node = gw.node("edge-1").orElseThrow();
            assertThat(node.registeredAt()).isEqualTo(T);
            assertThat(node.lastSeenAt()).isEqualTo(T);

            gw.dispatch(Request.of("run").withNode("edge-1"), DispatchMode.RELAY,
                    Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
            assertThat(dispatches.poll(5, TimeUnit.SECONDS).startedAt()).isEqualTo(T);

            DispatchResult r = gw.subagents().dispatchAndWait(SpawnRequest.of("echo", "hi"), Duration.ofSeconds(10));
            assertThat(r.task().created()).isEqualTo(T);
            // the gateway's own node in /webui/api/nodes, registered when the gateway started
            Map<String, Object> nodes = client.getJson("/webui/api/nodes");
            assertThat(nodes.get("nodes").toString()).contains("local").contains(T.toString());
        }
        assertThat(Files.readAllLines(dir.resolve("nodes-audit.jsonl")).get(0))
                .startsWith("{\"time\":\"2031-02-03T04:05:06Z\",\"event\":\"upsert\"");
        assertThat(Files.readAllLines(dir.resolve("nodes-dispatch-audit.jsonl")).get(0))
                .startsWith("{\"time\":\"2031-02-03T04:05:06.000Z\"");
    }
}
