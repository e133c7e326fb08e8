package io.clawgo.transport.ws.bench;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.micrometer.ClawgoMetrics;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.testing.Payloads;
import io.clawgo.testing.ThreadStats;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * Benchmark of {@code websocket_tunnel} against a raw WebSocket echo on the same stack (Jetty 12 server, OkHttp client,
 * 127.0.0.1), in one run:
 *
 * <ul>
 *   <li>(a) raw: an OkHttp WebSocket client sends a text message of N bytes to a Jetty 12 echo endpoint and waits for
 *       it to come back;</li>
 *   <li>(b) tunnel: {@code Gateway.dispatch(request, DispatchMode.P2P, ...)} (router, dispatch audit and all) to a
 *       {@link NodeAgent} whose in-process handler echoes an N-byte argument back in its payload;</li>
 *   <li>(c) direct: (b) with {@code Gateway.Builder#directCallbacks} and {@code NodeAgent.Builder#directHandler}.</li>
 *   <li>metrics: (b) with the gateway and the node bound to a Prometheus registry ({@code ClawgoMetrics}), against
 *       (b) in the same run: the cost of the meters.</li>
 *   <li>rawrev: (a) with the roles turned round as in the tunnel (the server sends, the client echoes);</li>
 *   <li>rawhop: rawrev with the client's echo sent from a pool its reader hands each message to: the one hand-off a
 *       node must make, and nothing else of the tunnel (the floor of (b)).</li>
 *   <li>rawjws, rawjdk: (a) with another client library in the node's place: Java-WebSocket, the JDK's
 *       {@code java.net.http} WebSocket ({@link WsClients}); same Jetty echo, compared with (a) round by round.</li>
 * </ul>
 *
 * <p>For 200 B and 64 KiB: p50/p99 latency of sequential round trips after a warm-up (the caller waits as a user
 * would: for raw on a queue the socket reader fills, for the tunnel in {@code get} on the dispatch future), and
 * throughput with 64 requests
 * in flight. Prints a table and the ratios to raw. Not a test: run it by hand (see docs/benchmarks.md):
 *
 * <pre>
 * mvn -q -o -pl clawgo-transport-ws test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
 * java -cp clawgo-transport-ws/target/test-classes:clawgo-transport-ws/target/classes:$(cat clawgo-transport-ws/target/bench.cp) \
 *     io.clawgo.transport.ws.bench.TunnelBench [--rounds 3]
 * </pre>
 *
 * <p>Options: {@code --rounds N} (default 1; repeats everything and reports medians), {@code --quick} (shorter phases),
 * {@code --sizes 200,65536}, {@code --stacks raw,rawrev,rawhop,rawjws,rawjdk,tunnel,direct,metrics}, {@code --threads}
 * (CPU time and context switches per thread group).
 */
public final class TunnelBench {
    private static final int IN_FLIGHT = 64;
    private static final int[] ALL_SIZES = {200, 64 * 1024};
    private static final List<String> ALL_STACKS = List.of("raw", "rawrev", "rawhop", "rawjws", "rawjdk",
            "tunnel", "direct", "metrics");
    /** The raw stacks that differ from (a) in the client library only, compared with it round by round. */
    private static final List<String> OTHER_CLIENTS = List.of("rawjws", "rawjdk");

    private final boolean quick;
    /** Whether to print the CPU time per round trip of each thread group in the throughput phase. */
    private static boolean threads;
    private final int[] sizes;
    private final List<String> stacks;

    private TunnelBench(boolean quick, int[] sizes, List<String> stacks) {
        this.quick = quick;
        this.sizes = sizes;
        this.stacks = stacks;
    }

    /** One way of doing a round trip of a payload. */
    private interface Stack extends AutoCloseable {
        /** Sends {@code payload} and calls {@code done} with whether the echo came back intact. */
        void send(String payload, Consumer<Boolean> done);

        /**
         * One round trip, waiting for it the way a caller of this stack would: by default {@link #send} with a
         * callback that wakes this thread.
         */
        default boolean roundTrip(String payload) throws InterruptedException {
            // capacity 1 and offer: a round trip that completes on the calling thread must not block it
            ArrayBlockingQueue<Boolean> handoff = new ArrayBlockingQueue<>(1);
            send(payload, handoff::offer);
            return Boolean.TRUE.equals(handoff.poll(30, TimeUnit.SECONDS));
        }

        @Override
        void close();
    }

    /** Results of one (stack, size) cell. */
    private record Cell(double p50Us, double p99Us, double perSecond, double cpuUsPerOp) {
    }

    public static void main(String[] args) throws Exception {
        int rounds = 1;
        boolean quick = false;
        int[] sizes = ALL_SIZES;
        List<String> stacks = ALL_STACKS;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--quick" -> quick = true;
                case "--sizes" -> sizes = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--stacks" -> stacks = List.of(args[++i].split(","));
                case "--threads" -> threads = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (options: --rounds N, --quick, --sizes 200,65536, --stacks raw,rawrev,rawhop,rawjws,rawjdk,"
                        + "tunnel,direct,metrics, --threads)");
            }
        }
        if (!ALL_STACKS.containsAll(stacks)) {
            throw new IllegalArgumentException("--stacks takes " + String.join(", ", ALL_STACKS));
        }
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        try {
            new TunnelBench(quick, sizes, stacks).run(rounds);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1); // the servers' non-daemon threads would keep the JVM up
        }
        System.exit(0);
    }

    private void run(int rounds) throws Exception {
        long started = System.nanoTime();
        Path dir = Files.createTempDirectory("clawgo-bench");
        Map<String, List<Cell>> results = new LinkedHashMap<>();
        List<Double> observerCosts = new ArrayList<>();
        // only the stacks measured run (null: not started), so that idle gateways and nodes of the others do not
        // heartbeat beside them
        try (RawEcho raw = stacks.contains("raw") ? new RawEcho(false, false) : null;
             RawEcho rawrev = stacks.contains("rawrev") ? new RawEcho(true, false) : null;
             RawEcho rawhop = stacks.contains("rawhop") ? new RawEcho(true, true) : null;
             RawEcho rawjws = stacks.contains("rawjws")
                     ? new RawEcho(WsClients.javaWebSocket(Duration.ofSeconds(5)), false, false) : null;
             RawEcho rawjdk = stacks.contains("rawjdk") ? new RawEcho(WsClients.jdk(), false, false) : null;
             Tunnel tunnel = stacks.contains("tunnel") ? new Tunnel(dir.resolve("pooled"), false) : null;
             Tunnel direct = stacks.contains("direct") ? new Tunnel(dir.resolve("direct"), true) : null;
             Tunnel metered = stacks.contains("metrics") ? new Tunnel(dir.resolve("metrics"), false,
                     new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)) : null) {
            // round 0 warms the JIT up for every stack and is not counted: the tunnel runs far more Java code than the
            // echo, and C2 still compiles it during a first round on a 2-core machine
            for (int round = quick ? 1 : 0; round <= rounds; round++) {
                System.out.printf(Locale.ROOT, round == 0 ? "warm-up round (not counted)%n" : "round %d/%d%n", round,
                        rounds);
                if (round == 1) {
                    results.clear();
                }
                for (int size : sizes) {
                    String payload = Payloads.ascii(size);
                    if (round >= 1 && stacks.contains("tunnel") && stacks.contains("metrics")) {
                        observerCosts.add(observerCost(tunnel, metered));
                    }
                    // interleave the stacks so that drift in machine load hits all of them
                    Map<String, Stack> byName = new java.util.HashMap<>();
                    byName.put("raw", raw);
                    byName.put("rawrev", rawrev);
                    byName.put("rawhop", rawhop);
                    byName.put("rawjws", rawjws);
                    byName.put("rawjdk", rawjdk);
                    byName.put("tunnel", tunnel);
                    byName.put("direct", direct);
                    byName.put("metrics", metered);
                    for (String name : stacks) {
                        results.computeIfAbsent(name + " " + size, k -> new ArrayList<>())
                                .add(measure(name, byName.get(name), payload));
                    }
                }
            }
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        print(results, rounds);
        printOtherClients(results);
        if (stacks.contains("tunnel") && stacks.contains("metrics")) {
            printMetricsCost(results);
            double[] costs = observerCosts.stream().mapToDouble(Double::doubleValue).toArray();
            double ns = median(costs);
            System.out.printf(Locale.ROOT, "meters' CPU per dispatch, isolated (refused dispatches, metered gateway less "
                    + "plain one, median of %d rounds): %.0f ns%n", costs.length, ns);
            for (int size : sizes) {
                Cell plain = median(results.get("tunnel " + size));
                System.out.printf(Locale.ROOT, "  = %.2f %% of the %.1f us of CPU of a %s round trip without metrics%n",
                        100 * ns / 1e3 / plain.cpuUsPerOp, plain.cpuUsPerOp, label(size));
            }
        }
        System.out.printf(Locale.ROOT, "total time %.0f s; %d cores; %s %s%n", (System.nanoTime() - started) / 1e9,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"));
    }

    private Cell measure(String name, Stack stack, String payload) throws Exception {
        int size = payload.length();
        boolean small = size <= 1024;
        int warm = quick ? 300 : small ? 3000 : 600;
        int samples = quick ? 1000 : small ? 8000 : 2000;
        long[] lat = new long[samples];
        long seqCpuFrom = 0;
        ThreadStats seqThreads = null;
        for (int i = 0; i < warm + samples; i++) {
            if (i == warm) {
                if (threads) {
                    seqThreads = ThreadStats.snapshot();
                }
                seqCpuFrom = processCpuNanos();
            }
            long t0 = System.nanoTime();
            boolean ok = stack.roundTrip(payload);
            long t = System.nanoTime() - t0;
            if (!ok) {
                throw new IllegalStateException(name + " " + size + ": round trip failed or timed out");
            }
            if (i >= warm) {
                lat[i - warm] = t;
            }
        }
        double seqCpuUs = (processCpuNanos() - seqCpuFrom) / 1e3 / samples;
        if (threads) {
            System.out.println(ThreadStats.snapshot().perOperationSince(seqThreads, samples, "sequential"));
        }
        Arrays.sort(lat);
        double p50 = lat[samples / 2] / 1e3;
        double p99 = lat[(int) Math.ceil(samples * 0.99) - 1] / 1e3;

        double[] tput = throughput(name, stack, payload, quick ? 500 : 1000, quick ? 1500 : 4000);
        System.out.printf(Locale.ROOT, "  %-6s %6d B  p50 %8.1f us  p99 %8.1f us  %6.1f us CPU/rt sequential  %9.0f"
                + " msg/s  %6.1f us CPU/msg%n", name, size, p50, p99, seqCpuUs, tput[0], tput[1]);
        return new Cell(p50, p99, tput[0], tput[1]);
    }

    /**
     * Round trips per second with {@link #IN_FLIGHT} in flight, after a warm-up, and the process's CPU time (user and
     * system, all threads: both ends run in this JVM) per round trip over the same interval.
     */
    private static double[] throughput(String name, Stack stack, String payload, long warmMs, long measureMs)
            throws Exception {
        Semaphore window = new Semaphore(IN_FLIGHT);
        AtomicLong completed = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        Consumer<Boolean> done = ok -> {
            if (Boolean.TRUE.equals(ok)) {
                completed.incrementAndGet();
            } else {
                failed.incrementAndGet();
            }
            window.release();
        };
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(warmMs + measureMs);
        long measureFrom = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(warmMs);
        long startCount = -1;
        long startTime = 0;
        long startCpu = 0;
        ThreadStats startThreads = null;
        while (true) {
            long now = System.nanoTime();
            if (startCount < 0 && now >= measureFrom) {
                startCount = completed.get();
                startTime = now;
                startCpu = processCpuNanos();
                startThreads = ThreadStats.snapshot();
            }
            if (now >= end) {
                break;
            }
            if (window.tryAcquire(5, TimeUnit.SECONDS)) {
                stack.send(payload, done);
            } else {
                throw new IllegalStateException(name + ": no completion within 5 s");
            }
        }
        long count = completed.get() - startCount;
        double secs = (System.nanoTime() - startTime) / 1e9;
        double cpuUs = (processCpuNanos() - startCpu) / 1e3;
        if (threads) {
            System.out.println(ThreadStats.snapshot().perOperationSince(startThreads, count, "64 in flight"));
        }
        if (!window.tryAcquire(IN_FLIGHT, 30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + ": requests still in flight after 30 s");
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(name + ": " + failed.get() + " round trips failed");
        }
        return new double[] {count / secs, cpuUs / count};
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private void print(Map<String, List<Cell>> results, int rounds) {
        System.out.println();
        System.out.printf(Locale.ROOT, "Results (%s; %d in flight for throughput)%n",
                rounds == 1 ? "one round" : "median of " + rounds + " rounds", IN_FLIGHT);
        System.out.println("| payload | stack | p50 latency | p99 latency | throughput (64 in flight) | CPU per round trip |");
        System.out.println("|---|---|---|---|---|---|");
        for (int size : sizes) {
            for (String stack : stacks) {
                Cell c = median(results.get(stack + " " + size));
                System.out.printf(Locale.ROOT, "| %s | %s | %.0f us | %.0f us | %.0f msg/s (%.1f MB/s each way) | %.1f us |%n",
                        label(size), describe(stack), c.p50Us, c.p99Us, c.perSecond, c.perSecond * size / 1e6,
                        c.cpuUsPerOp);
            }
        }
        if (stacks.stream().allMatch(s -> s.equals("raw") || OTHER_CLIENTS.contains(s))) {
            return; // no stack of our own to hold to the targets
        }
        System.out.println();
        System.out.println("| payload | stack | p50 latency x/raw (target <= 1.3) | p99 x/raw "
                + "| throughput x/raw (target >= 0.75) |");
        System.out.println("|---|---|---|---|---|");
        for (int size : sizes) {
            if (!results.containsKey("raw " + size)) {
                continue;
            }
            Cell r = median(results.get("raw " + size));
            for (String stack : stacks.stream().filter(s -> !s.equals("raw") && !OTHER_CLIENTS.contains(s)).toList()) {
                Cell t = median(results.get(stack + " " + size));
                double lat = t.p50Us / r.p50Us;
                double tput = t.perSecond / r.perSecond;
                System.out.printf(Locale.ROOT, "| %s | %s | %.2f %s | %.2f | %.2f %s |%n", label(size),
                        describe(stack), lat, lat <= 1.3 ? "(met)" : "(missed)", t.p99Us / r.p99Us, tput,
                        tput >= 0.75 ? "(met)" : "(missed)");
            }
        }
    }

    private static String describe(String stack) {
        return switch (stack) {
            case "raw" -> "raw WebSocket echo (OkHttp client)";
            case "rawrev" -> "raw WebSocket echo, server sends";
            case "rawhop" -> "raw echo, server sends, client echoes from a pool";
            case "rawjws" -> "raw WebSocket echo, Java-WebSocket client";
            case "rawjdk" -> "raw WebSocket echo, JDK java.net.http client";
            case "tunnel" -> "websocket_tunnel dispatch (defaults)";
            case "metrics" -> "websocket_tunnel dispatch (defaults), metrics bound";
            default -> "websocket_tunnel dispatch (direct modes)";
        };
    }

    /**
     * The other client libraries against OkHttp (a), both measured in every round one after the other: the median of
     * the per-round ratios (each under one machine load), and those ratios. CPU is the whole process's, the Jetty echo's
     * included, so a ratio understates how much the clients themselves differ.
     */
    private void printOtherClients(Map<String, List<Cell>> results) {
        List<String> others = stacks.stream().filter(OTHER_CLIENTS::contains).toList();
        if (others.isEmpty() || !stacks.contains("raw")) {
            return;
        }
        System.out.println();
        System.out.println("| payload | client | p50 x/OkHttp | p99 x/OkHttp | throughput x/OkHttp | CPU per round trip "
                + "x/OkHttp | per-round throughput ratios | per-round CPU ratios |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (int size : sizes) {
            List<Cell> base = results.get("raw " + size);
            for (String other : others) {
                List<Cell> cells = results.get(other + " " + size);
                int n = Math.min(base.size(), cells.size());
                double[][] r = new double[4][n];
                List<String> tputs = new ArrayList<>();
                List<String> cpus = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    Cell b = base.get(i);
                    Cell c = cells.get(i);
                    r[0][i] = c.p50Us / b.p50Us;
                    r[1][i] = c.p99Us / b.p99Us;
                    r[2][i] = c.perSecond / b.perSecond;
                    r[3][i] = c.cpuUsPerOp / b.cpuUsPerOp;
                    tputs.add(String.format(Locale.ROOT, "%.2f", r[2][i]));
                    cpus.add(String.format(Locale.ROOT, "%.2f", r[3][i]));
                }
                System.out.printf(Locale.ROOT, "| %s | %s | %.2f | %.2f | %.2f | %.2f | %s | %s |%n", label(size),
                        other.equals("rawjws") ? "Java-WebSocket" : "JDK java.net.http", median(r[0]), median(r[1]),
                        median(r[2]), median(r[3]), String.join(" ", tputs), String.join(" ", cpus));
            }
        }
    }

    /**
     * What the meters add to one dispatch, without the network's noise: dispatches refused by the gateway at once
     * ({@code node_not_found}: checks, dispatch audit, observers; nothing sent) on the plain and the metered gateway,
     * in alternating batches on this thread; the median difference in ns per dispatch. The metered gateway's timer
     * gets its own tag set ({@code code=node_not_found}), the same work as a successful dispatch's.
     */
    private static double observerCost(Tunnel plain, Tunnel metered) {
        int batch = 20_000;
        int batches = 15;
        double[] diff = new double[batches];
        for (int b = 0; b < batches; b++) {
            double without = refusedNanos(plain, batch);
            double with = refusedNanos(metered, batch);
            diff[b] = with - without;
        }
        return median(diff);
    }

    /** ns per refused dispatch, over {@code n} of them. */
    private static double refusedNanos(Tunnel t, int n) {
        Request r = new Request("run", "nobody", null, null, Map.of());
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            t.gateway.dispatch(r, DispatchMode.P2P, Duration.ofSeconds(5)).join();
        }
        return (System.nanoTime() - t0) / (double) n;
    }

    /**
     * The cost of the meters: (b) with metrics bound against (b) without. Both run in every round, one after the
     * other, so each round gives a ratio measured under the same machine load; the median of those ratios is the
     * figure to read (the ratio of the two medians mixes rounds taken under different loads).
     */
    private void printMetricsCost(Map<String, List<Cell>> results) {
        System.out.println();
        System.out.println("| payload | throughput without | with metrics | median of per-round ratios (target >= 0.97) "
                + "| p50 without | p50 with | CPU/rt without | CPU/rt with | CPU/rt ratio (median per round) "
                + "| per-round throughput ratios |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (int size : sizes) {
            List<Cell> without = results.get("tunnel " + size);
            List<Cell> with = results.get("metrics " + size);
            int n = Math.min(without.size(), with.size());
            double[] tput = new double[n];
            double[] cpu = new double[n];
            List<String> ratios = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                tput[i] = with.get(i).perSecond / without.get(i).perSecond;
                cpu[i] = with.get(i).cpuUsPerOp / without.get(i).cpuUsPerOp;
                ratios.add(String.format(Locale.ROOT, "%.3f", tput[i]));
            }
            Cell a = median(without);
            Cell b = median(with);
            System.out.printf(Locale.ROOT, "| %s | %.0f msg/s | %.0f msg/s | %.3f | %.0f us | %.0f us | %.1f us | %.1f us "
                    + "| %.3f | %s |%n", label(size), a.perSecond, b.perSecond, median(tput), a.p50Us, b.p50Us,
                    a.cpuUsPerOp, b.cpuUsPerOp, median(cpu), String.join(" ", ratios));
        }
    }

    private static Cell median(List<Cell> cells) {
        return new Cell(median(cells.stream().mapToDouble(Cell::p50Us).toArray()),
                median(cells.stream().mapToDouble(Cell::p99Us).toArray()),
                median(cells.stream().mapToDouble(Cell::perSecond).toArray()),
                median(cells.stream().mapToDouble(Cell::cpuUsPerOp).toArray()));
    }

    private static double median(double[] v) {
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String label(int size) {
        return size >= 1024 ? size / 1024 + " KiB" : size + " B";
    }


    // ------------------------------------------------------------------------------------------------- stacks

    /**
     * (a) Jetty 12 echo endpoint + a WebSocket client ({@link WsClients}: OkHttp as the node, or another library),
     * configured like the gateway and the node. With {@code serverSends} the roles turn round as in the tunnel: the
     * server side sends from the caller's thread and the client echoes from its reader. With {@code hop} as well, the
     * client's reader hands every message to a pool like the node agent's request executor (16 threads, a bounded
     * queue), whose thread sends the echo: the one thread hand-off the issue asks of a node ("a slow request does not
     * block heartbeats or other requests"), and nothing else of the tunnel.
     */
    private static final class RawEcho implements Stack {
        private final boolean serverSends;
        private final java.util.concurrent.ThreadPoolExecutor hopPool;
        private final JettyEcho server;
        private final WsClients.Library library;
        private final WsClients.Socket ws;
        /** Round trips in flight, in order: one socket keeps order, so the next echo answers the oldest. */
        private final java.util.concurrent.ConcurrentLinkedQueue<Object[]> waiting =
                new java.util.concurrent.ConcurrentLinkedQueue<>();
        /** With {@code serverSends}: the server's side of the one connection. */
        private volatile Session serverSession;
        private final CompletableFuture<Void> serverOpen = new CompletableFuture<>();

        /** OkHttp as the node's client. */
        RawEcho(boolean serverSends, boolean hop) throws Exception {
            this(WsClients.okhttp(Duration.ofSeconds(5)), serverSends, hop);
        }

        /** {@code library}'s client, whose sockets this stack closes with it. */
        RawEcho(WsClients.Library library, boolean serverSends, boolean hop) throws Exception {
            this.serverSends = serverSends;
            this.library = library;
            if (hop) {
                AtomicLong n = new AtomicLong();
                hopPool = new java.util.concurrent.ThreadPoolExecutor(16, 16, 30, TimeUnit.SECONDS,
                        new ArrayBlockingQueue<>(256), r -> {
                            Thread t = new Thread(r, "bench-hop-" + n.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
                hopPool.allowCoreThreadTimeOut(true);
            } else {
                hopPool = null;
            }
            server = new JettyEcho(() -> serverSends ? new SendingEndpoint(this) : new JettyEcho.Echo(), 0);
            // the client echoes (serverSends) from the thread that delivers the message, or from the hop pool; the
            // socket is known before the first message arrives, which the server sends only once both sides are open
            WsClients.Socket[] self = new WsClients.Socket[1];
            Consumer<String> onText = text -> {
                if (hopPool != null) {
                    hopPool.execute(() -> self[0].send(text));
                } else if (serverSends) {
                    self[0].send(text);
                } else {
                    answered(text);
                }
            };
            this.ws = library.open(server.uri(), onText).get(10, TimeUnit.SECONDS);
            self[0] = ws;
            if (serverSends) {
                serverOpen.get(10, TimeUnit.SECONDS);
            }
        }

        @SuppressWarnings("unchecked")
        void answered(String text) {
            Object[] w = waiting.poll();
            if (w != null) {
                ((Consumer<Boolean>) w[1]).accept(text.length() == ((String) w[0]).length());
            }
        }

        @Override
        public void send(String payload, Consumer<Boolean> done) {
            waiting.add(new Object[] {payload, done});
            if (serverSends) {
                serverSession.sendText(payload, Callback.NOOP);
            } else if (!ws.send(payload)) {
                throw new IllegalStateException("raw send refused");
            }
        }

        @Override
        public void close() {
            ws.close();
            if (hopPool != null) {
                hopPool.shutdown();
            }
            library.close();
            server.close();
        }
    }

    /** The sending endpoint of a {@code serverSends} {@link RawEcho}: echoes that come back complete round trips. */
    public static final class SendingEndpoint implements Session.Listener.AutoDemanding {
        private final RawEcho owner;

        SendingEndpoint(RawEcho owner) {
            this.owner = owner;
        }

        @Override
        public void onWebSocketOpen(Session s) {
            owner.serverSession = s;
            owner.serverOpen.complete(null);
        }

        @Override
        public void onWebSocketText(String text) {
            owner.answered(text);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            // the client going away at the end of the run
        }
    }

    /**
     * (b) A gateway with websocket_tunnel and a node agent with an in-process echo handler; (c) the same with both
     * direct modes on (no thread hand-off to the node's request pool nor to the tunnel's completion pool).
     */
    private static final class Tunnel implements Stack {
        private final Gateway gateway;
        private final NodeAgent node;
        /** The meters bound to the gateway and the node, or {@code null}. */
        private final PrometheusMeterRegistry registry;
        private final List<ClawgoMetrics> bindings = new ArrayList<>();
        private final AtomicLong disconnects = new AtomicLong();
        private volatile boolean closing;

        /** {@code direct}: the gateway's direct callbacks and the node's direct handler. */
        Tunnel(Path dir, boolean direct) {
            this(dir, direct, null);
        }

        /** With {@code registry}: the gateway and the node bound to it, as {@code clawgo gateway --metrics} does. */
        Tunnel(Path dir, boolean direct, PrometheusMeterRegistry registry) {
            this.registry = registry;
            gateway = Gateway.builder().host("127.0.0.1").port(0).token("bench").dataDir(dir)
                    .transport("websocket_tunnel").directCallbacks(direct).start();
            node = NodeAgent.builder().gateway(gateway.url()).token("bench").id("bench-node").directHandler(direct)
                    .handler(req -> Response.ok(Map.of("data", req.stringArg("data"))))
                    .listener(new NodeAgent.Listener() {
                        @Override
                        public void onDisconnected(String reason) {
                            if (closing) {
                                return;
                            }
                            disconnects.incrementAndGet();
                            System.out.println("  !! the bench node lost its connection (" + reason
                                    + "): numbers measured across this are not valid");
                        }
                    })
                    .build();
            node.start();
            if (!node.awaitConnected(Duration.ofSeconds(10))) {
                throw new IllegalStateException("bench node did not connect");
            }
            if (registry != null) {
                bindings.add(ClawgoMetrics.bind(gateway, registry));
                bindings.add(ClawgoMetrics.bind(node, registry));
            }
        }

        @Override
        public void send(String payload, Consumer<Boolean> done) {
            dispatch(payload).whenComplete((r, e) -> done.accept(check(payload, r, e)));
        }

        /** As a caller that waits: {@code get} on the dispatch future, woken by the thread with the answer. */
        @Override
        public boolean roundTrip(String payload) throws InterruptedException {
            try {
                Response r = dispatch(payload).get(30, TimeUnit.SECONDS);
                return check(payload, r, null);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                return check(payload, null, e);
            }
        }

        private CompletableFuture<Response> dispatch(String payload) {
            return gateway.dispatch(new Request("run", "bench-node", null, null, Map.of("data", payload)),
                    DispatchMode.P2P,
                    Duration.ofSeconds(30));
        }

        private static boolean check(String payload, Response r, Throwable e) {
            boolean ok = e == null && r.ok() && payload.length() == String.valueOf(r.payloadString("data")).length();
            if (!ok) {
                System.err.println("tunnel round trip failed: " + (e != null ? e : r.code() + " " + r.error()));
            }
            return ok;
        }

        @Override
        public void close() {
            if (disconnects.get() > 0) {
                System.out.println("WARNING: the bench node reconnected " + disconnects.get()
                        + " time(s) during the run; discard this run");
            }
            closing = true;
            if (registry != null) {
                // proof that the meters moved: the dispatch timer's count in the Prometheus text
                registry.scrape().lines().filter(l -> l.startsWith("clawgo_dispatch_seconds_count"))
                        .forEach(l -> System.out.println("  metrics: " + l));
                bindings.forEach(ClawgoMetrics::close);
            }
            node.close();
            gateway.close();
        }
    }
}
