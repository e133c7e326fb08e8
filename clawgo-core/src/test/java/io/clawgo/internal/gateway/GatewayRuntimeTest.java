package io.clawgo.internal.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clawgo.ClawgoException;
import io.clawgo.Gateway;
import io.clawgo.config.ClusterConfig;
import io.clawgo.config.P2pConfig;
import io.clawgo.spi.cluster.ClusterProvider;
import io.clawgo.testing.ExtraServices;
import io.clawgo.testing.RawControlClient;
import io.clawgo.testing.TestHttp;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GatewayRuntime}'s assembly on real gateways on loopback: a start that fails half-way stops what it started
 * (no gateway thread is left), a start that fails at the bind too, and close stops the parts in their order.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayRuntimeTest {
    @TempDir
    Path dir;

    /** Daemon threads named {@code <prefix>N}, remembered. */
    static final class RecordingFactory implements ThreadFactory {
        final String prefix;
        final AtomicInteger next = new AtomicInteger();
        final List<Thread> made = new CopyOnWriteArrayList<>();

        RecordingFactory(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, prefix + next.incrementAndGet());
            t.setDaemon(true);
            made.add(t);
            return t;
        }

        List<String> alive() {
            return made.stream().filter(Thread::isAlive).map(Thread::getName).toList();
        }
    }

    private static Set<Thread> liveThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).collect(Collectors.toSet());
    }

    /**
     * The names of the threads alive now that were not alive in {@code before} and look like the gateway's: the
     * library's names ({@code clawgo-*}), Jetty's scheduler ({@code Scheduler-*}), and {@code extra}.
     */
    private static List<String> newGatewayThreads(Set<Thread> before, String extra) {
        return liveThreads().stream().filter(t -> !before.contains(t)).map(Thread::getName)
                .filter(n -> n.startsWith("clawgo-") || n.startsWith("Scheduler-") || n.startsWith(extra))
                .sorted().toList();
    }

    /** Waits up to 5 s for the threads the gateway started to end (an executor's thread ends just after it is told). */
    private static void awaitNoNewGatewayThread(Set<Thread> before, String extra) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!newGatewayThreads(before, extra).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(newGatewayThreads(before, extra)).as("gateway threads left running").isEmpty();
    }

    private Gateway.Builder gateway() {
        return Gateway.builder().host("127.0.0.1").port(0).dataDir(dir).p2p(P2pConfig.disabled());
    }

    private Gateway.Builder brokenCluster() {
        return gateway().classLoader(ExtraServices.loader(ClusterProvider.class, BrokenClusterProvider.class))
                .cluster(ClusterConfig.builder().provider(BrokenClusterProvider.NAME)
                        .servers(List.of("nats://127.0.0.1:1")).build())
                .listener(new Gateway.Listener() { })
                .localAgent("echo", "Echo", task -> "echo: " + task.task());
    }

    @Test
    void aStartThatFailsLastStopsEveryPartItStartedAndLeavesNoThread() throws Exception {
        Set<Thread> before = liveThreads();
        assertThatThrownBy(() -> brokenCluster().start())
                .isInstanceOfSatisfying(ClawgoException.class, e -> {
                    assertThat(e.code()).isEqualTo("start_failed");
                    assertThat(e.getMessage()).contains("the cluster engine refused our credentials");
                });
        BrokenClusterProvider.Backend backend = BrokenClusterProvider.LAST.get();
        assertThat(backend.closed).as("the part that failed is stopped too").isTrue();
        awaitNoNewGatewayThread(before, BrokenClusterProvider.ENGINE_THREAD);
        // the port was served (the cluster starts after the server) and is free again
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThat(s.isBound()).isTrue();
        }
        assertThat(dir.resolve("nodes-state.json")).as("the registry wrote nothing to flush").doesNotExist();
    }

    @Test
    void aStartThatFailsLastWithTheApplicationsThreadsLeavesNoneOfThemRunning() throws Exception {
        RecordingFactory threads = new RecordingFactory("app-gw-");
        Set<Thread> before = liveThreads();
        Gateway gw = brokenCluster().threadFactory(threads).build();
        assertThat(threads.made).as("build() starts no thread").isEmpty();
        assertThatThrownBy(gw::start).isInstanceOf(ClawgoException.class);
        assertThat(threads.made).as("the server had started on the application's threads").isNotEmpty();
        awaitNoNewGatewayThread(before, "app-gw-");
        assertThat(threads.alive()).isEmpty();
        assertThatThrownBy(gw::start).as("a gateway starts once").isInstanceOf(IllegalStateException.class);
        gw.close(); // harmless
    }

    @Test
    void aStartThatFailsAtTheBindLeavesNoThreadAndSaysSo() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Set<Thread> before = liveThreads();
            assertThatThrownBy(() -> gateway().port(taken.getLocalPort()).start())
                    .isInstanceOfSatisfying(ClawgoException.class, e -> assertThat(e.code()).isEqualTo("bind_failed"));
            awaitNoNewGatewayThread(before, "clawgo-");
        }
    }

    @Test
    void closeStopsThePartsInOrderAndEveryThreadOfTheGateway() throws Exception {
        Set<Thread> before = liveThreads();
        Gateway gw = gateway().listener(new Gateway.Listener() { }).start();
        RawControlClient node = RawControlClient.connect(gw.url(), null);
        Map<String, Object> ack = node.exchange("{\"type\":\"register\",\"node\":{\"id\":\"edge-close\"}}");
        assertThat(ack).containsEntry("ok", true);
        assertThat(TestHttp.get(gw.url() + "/ready", null).status()).isEqualTo(200);

        gw.close();
        assertThat(node.awaitClose(Duration.ofSeconds(5))).as("the node's socket: going away").isEqualTo(1001);
        // the registry stopped after the sockets closed: the node is written offline, and its audit line is on disk
        String state = Files.readString(dir.resolve("nodes-state.json"));
        assertThat(state).contains("\"id\":\"edge-close\"").contains("\"online\":false");
        assertThat(Files.readString(dir.resolve("nodes-audit.jsonl"))).contains("\"event\":\"upsert\"")
                .contains("\"event\":\"offline\"");
        awaitNoNewGatewayThread(before, "clawgo-");
        node.close();
        gw.close(); // idempotent
    }

    @Test
    void aBuiltGatewayIsInertUntilStartedAndStartsOnce() throws Exception {
        Set<Thread> before = liveThreads();
        Gateway gw = gateway().build();
        assertThat(newGatewayThreads(before, "clawgo-")).isEmpty();
        assertThat(gw.stats().nodesTotal()).isZero();
        assertThat(gw.port()).as("the configured port").isZero();
        assertThatThrownBy(gw::nodes).isInstanceOf(IllegalStateException.class).hasMessageContaining("start()");
        gw.start();
        gw.start(); // while it runs: nothing
        assertThat(gw.port()).isPositive();
        assertThat(TestHttp.get(gw.url() + "/health", null).status()).isEqualTo(200);
        gw.close();
        assertThatThrownBy(gw::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("build a new one");
        awaitNoNewGatewayThread(before, "clawgo-");
    }
}
