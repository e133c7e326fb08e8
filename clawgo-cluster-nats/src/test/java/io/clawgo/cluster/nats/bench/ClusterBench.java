package io.clawgo.cluster.nats.bench;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.config.ClusterConfig;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.testing.NatsServer;
import io.clawgo.testing.TempDirs;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Local against cross-gateway dispatch, in one run, on loopback: two gateways of one NATS cluster (a real nats-server
 * process), one node connected to gateway A over the tunnel with an in-process echo handler. "local" dispatches at A,
 * "cross" at B (one NATS request-reply more). Sequential latency p50/p99, then throughput with 256 dispatches in
 * flight (see {@link #window}), and the raw NATS request-reply of the same size between two plain connections: the
 * floor of the hop. Rounds alternate local and cross; the table gives medians over rounds.
 *
 * <p>Run (after {@code mvn -q -B -o install -DskipTests}):
 * <pre>
 * mvn -q -o -pl clawgo-cluster-nats test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
 * java -cp clawgo-cluster-nats/target/test-classes:clawgo-cluster-nats/target/classes:$(cat clawgo-cluster-nats/target/bench.cp) \
 *     io.clawgo.cluster.nats.bench.ClusterBench --rounds 3
 * </pre>
 */
public final class ClusterBench {
    private static final String TOKEN = "bench-token";

    private ClusterBench() {
    }

    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        int rounds = a.contains("--rounds") ? Integer.parseInt(a.get(a.indexOf("--rounds") + 1)) : 3;
        int seqCount = a.contains("--seq") ? Integer.parseInt(a.get(a.indexOf("--seq") + 1)) : 2000;
        long tputMillis = 3000;
        int bigWindow = a.contains("--window64") ? Integer.parseInt(a.get(a.indexOf("--window64") + 1)) : 256;
        Path dir = Files.createTempDirectory("clawgo-cluster-bench");
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            ClusterConfig cluster = ClusterConfig.builder().provider("nats").servers(List.of(nats.url()))
                    .name("bench").build();
            try (Gateway gwA = gateway(dir.resolve("a"), cluster); Gateway gwB = gateway(dir.resolve("b"), cluster);
                 NodeAgent node = NodeAgent.builder().gateway(gwA.url()).token(TOKEN).id("bench-node")
                         .actions(List.of("run")).maxConcurrentRequests(64).maxQueuedRequests(1024)
                         .handler(req -> Response.ok(Map.of("result", req.task()))).build()) {
                node.start();
                if (!node.awaitConnected(Duration.ofSeconds(10))) {
                    throw new IllegalStateException("node did not connect");
                }
                waitUntil(() -> once(gwB, "x").ok());
                System.out.printf("ClusterBench: nats-server %s, %d rounds, %d sequential dispatches and %d ms at 256 (200"
                        + " B) or %d (64 KiB) in flight per cell%n", nats.url(), rounds, seqCount, tputMillis, bigWindow);
                for (int size : new int[] {200, 64 * 1024}) {
                    String payload = "x".repeat(size);
                    // warm-up, uncounted
                    sequential(gwA, payload, seqCount / 2);
                    sequential(gwB, payload, seqCount / 2);
                    double[][] res = new double[4][rounds * 2]; // p50 local, p99 local, p50 cross, p99 cross
                    double[] tLocal = new double[rounds];
                    double[] tCross = new double[rounds];
                    double[] raw = new double[rounds];
                    double[][] cpu = new double[3][rounds]; // per sequential dispatch: JVM local, JVM cross, nats
                    for (int r = 0; r < rounds; r++) {
                        long jvm0 = jvmCpuNanos();
                        long[] l = sequential(gwA, payload, seqCount);
                        long jvm1 = jvmCpuNanos();
                        long nats1 = nats.cpuTime().toNanos();
                        long[] c = sequential(gwB, payload, seqCount);
                        cpu[0][r] = (jvm1 - jvm0) / 1000.0 / seqCount;
                        cpu[1][r] = (jvmCpuNanos() - jvm1) / 1000.0 / seqCount;
                        cpu[2][r] = (nats.cpuTime().toNanos() - nats1) / 1000.0 / seqCount;
                        res[0][r] = pct(l, 0.50);
                        res[1][r] = pct(l, 0.99);
                        res[2][r] = pct(c, 0.50);
                        res[3][r] = pct(c, 0.99);
                        tLocal[r] = throughput(gwA, payload, tputMillis, window(size, bigWindow));
                        tCross[r] = throughput(gwB, payload, tputMillis, window(size, bigWindow));
                        raw[r] = pct(rawNats(nats.url(), size, seqCount), 0.50);
                    }
                    double l50 = median(Arrays.copyOf(res[0], rounds));
                    double l99 = median(Arrays.copyOf(res[1], rounds));
                    double c50 = median(Arrays.copyOf(res[2], rounds));
                    double c99 = median(Arrays.copyOf(res[3], rounds));
                    double tl = median(tLocal);
                    double tc = median(tCross);
                    System.out.printf("%-8s | local p50 %7.0f us p99 %7.0f us %8.0f/s | cross p50 %7.0f us p99 %7.0f us"
                                    + " %8.0f/s | cross-local p50 %+6.0f us, throughput %.2fx%n",
                            size == 200 ? "200 B" : "64 KiB", l50, l99, tl, c50, c99, tc, c50 - l50, tc / tl);
                    System.out.printf("%-8s | CPU per sequential dispatch: this JVM %.0f us local, %.0f us cross;"
                                    + " nats-server %.0f us cross%n", size == 200 ? "200 B" : "64 KiB",
                            median(cpu[0]), median(cpu[1]), median(cpu[2]));
                    System.out.printf("%-8s | raw NATS request-reply between two connections, same size both ways: p50 %.0f"
                            + " us (the floor of the hop)%n", size == 200 ? "200 B" : "64 KiB", median(raw));
                }
            }
        } finally {
            TempDirs.deleteQuietly(dir);
        }
    }

    private static Gateway gateway(Path dir, ClusterConfig cluster) {
        return Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir).transport("websocket_tunnel")
                .cluster(cluster).start();
    }

    private static Response once(Gateway gw, String task) {
        return gw.dispatch(new Request("run", "bench-node", task, null, null), DispatchMode.P2P,
                Duration.ofSeconds(10)).join();
    }

    private static long jvmCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }

    /** Microseconds of each of {@code n} sequential dispatches. */
    private static long[] sequential(Gateway gw, String payload, int n) {
        long[] us = new long[n];
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            Response r = once(gw, payload);
            us[i] = (System.nanoTime() - t) / 1000;
            if (!r.ok()) {
                throw new IllegalStateException("dispatch failed: " + r);
            }
        }
        return us;
    }

    /**
     * Dispatches in flight in the throughput phase: 256 (the figure) at 200 B, and at 64 KiB unless
     * {@code --window64} says otherwise. (Until the node's answers waited for room in its send queue, 256 answers of
     * 64 KiB overflowed OkHttp's 16 MiB queue and closed the node's socket; the bench then ran 64.)
     */
    private static int window(int size, int bigWindow) {
        return size <= 4096 ? 256 : bigWindow;
    }

    /**
     * Microseconds of {@code n} sequential request-replies of {@code size} bytes each way between two plain jnats
     * connections (one echoes), on the bench's nats-server: what the cross-gateway hop cannot go below.
     */
    private static long[] rawNats(String url, int size, int n) throws Exception {
        Options o = new Options.Builder().server(url).noReconnect().build();
        try (Connection responder = Nats.connect(o); Connection requester = Nats.connect(o)) {
            Dispatcher d = responder.createDispatcher(m -> responder.publish(m.getReplyTo(), m.getData()));
            d.subscribe("bench.raw");
            responder.flush(Duration.ofSeconds(5));
            byte[] body = new byte[size];
            Arrays.fill(body, (byte) 'x');
            long[] us = new long[n];
            for (int i = 0; i < n; i++) {
                long t = System.nanoTime();
                Message m = requester.requestWithTimeout("bench.raw", body, Duration.ofSeconds(5)).get();
                us[i] = (System.nanoTime() - t) / 1000;
                if (m.getData().length != size) {
                    throw new IllegalStateException("raw reply of " + m.getData().length + " bytes");
                }
            }
            return us;
        }
    }

    /** Dispatches per second with {@code inFlight} in flight for {@code millis}. */
    private static double throughput(Gateway gw, String payload, long millis, int inFlight)
            throws InterruptedException {
        Semaphore window = new Semaphore(inFlight);
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        java.util.concurrent.ConcurrentHashMap<String, AtomicLong> why = new java.util.concurrent.ConcurrentHashMap<>();
        long end = System.nanoTime() + millis * 1_000_000;
        long start = System.nanoTime();
        while (System.nanoTime() < end) {
            window.acquire();
            CompletableFuture<Response> f = gw.dispatch(new Request("run", "bench-node", payload, null, null),
                    DispatchMode.P2P, Duration.ofSeconds(30));
            f.whenComplete((r, e) -> {
                (r != null && r.ok() ? done : failed).incrementAndGet();
                if (r == null || !r.ok()) {
                    String k = r == null ? String.valueOf(e) : r.code() + ": " + r.error();
                    why.computeIfAbsent(k.length() > 120 ? k.substring(0, 120) : k, x -> new AtomicLong())
                            .incrementAndGet();
                }
                window.release();
            });
        }
        window.acquire(inFlight);
        double secs = (System.nanoTime() - start) / 1e9;
        if (failed.get() > 0) {
            System.out.println("  (" + failed.get() + " failed dispatches in a throughput cell: " + why + ")");
        }
        return done.get() / secs;
    }

    private static double pct(long[] v, double p) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.floor(p * s.length))];
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static void waitUntil(java.util.function.BooleanSupplier c) throws InterruptedException {
        for (int i = 0; i < 200 && !c.getAsBoolean(); i++) {
            Thread.sleep(50);
        }
    }
}
