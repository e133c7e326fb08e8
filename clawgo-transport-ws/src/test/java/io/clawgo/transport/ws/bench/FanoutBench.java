package io.clawgo.transport.ws.bench;

import io.clawgo.testing.ChildJvm;
import io.clawgo.testing.Payloads;
import io.clawgo.testing.ThreadStats;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;

/**
 * Many control sockets in one JVM, as when one process runs many node agents (a simulator, a test fleet, an
 * application with an agent per tenant): N WebSocket clients of one library, each sending one small text message
 * (200 B) every second to the same Jetty 12 echo and timing its echo. The echo runs in a child JVM
 * ({@link JettyEcho#main}), so that this JVM's CPU is the clients' alone.
 *
 * <p>First every library runs once with at most 100 sockets, not counted, so that the JIT has compiled its code. Then,
 * per library ({@link WsClients}: OkHttp as the node uses it, Java-WebSocket, the JDK's {@code java.net.http}), each
 * round: open the N sockets (at most 64 opening at once), send for a warm-up, then for the measured window (the sends
 * are spread evenly over each second: socket i sends at i/N of it), then stay idle for one ping interval, then close
 * everything. Reported: the time to open all, the threads the sockets added and the heap that closing them released,
 * this JVM's CPU per message and in % of one core under load and idle, p50/p99/max of the round trips, echoes later
 * than 1 s, and the echo server's CPU per message (the same work for every library). Libraries take turns within a
 * round, in an order that rotates from round to round; the tables give medians over rounds and the ratios to OkHttp
 * measured in the same rounds. Not a test: run it by hand (docs/benchmarks.md):
 *
 * <pre>
 * java -cp clawgo-transport-ws/target/test-classes:clawgo-transport-ws/target/classes:$(cat clawgo-transport-ws/target/bench.cp) \
 *     io.clawgo.transport.ws.bench.FanoutBench --sockets 1000 [--rounds 3] [--quick]
 * </pre>
 *
 * <p>Options: {@code --sockets N} (1000), {@code --clients okhttp,javaws,jdk}, {@code --rounds N} (1), {@code --quick}
 * (5 s warm-up and 10 s measured instead of 10 / 30; the idle phase lasts one ping interval), {@code --size BYTES}
 * (200), {@code --ping-sec S} (20, the node's default ping interval; the JDK client sends none), {@code --threads}
 * (CPU and context switches per message by thread group).
 */
public final class FanoutBench {
    private static final int OPENING_AT_ONCE = 64;
    /** Clock ticks per second of {@code /proc/PID/stat} (Linux's USER_HZ). */
    private static final double TICKS_PER_SECOND = 100;

    private final int sockets;
    private final List<String> clients;
    private final boolean quick;
    private final int size;
    private final Duration ping;
    private final boolean threads;

    private FanoutBench(int sockets, List<String> clients, boolean quick, int size, Duration ping, boolean threads) {
        this.sockets = sockets;
        this.clients = clients;
        this.quick = quick;
        this.size = size;
        this.ping = ping;
        this.threads = threads;
    }

    /** One library in one round. */
    private record Cell(double openSeconds, double threadsPerSocket, double heapKbPerSocket, double cpuUsPerMessage, double cpuPercentLoaded, double cpuPercentIdle, double p50Us,
                        double p99Us, double maxUs, long late, long messages, double serverCpuUsPerMessage) {
    }

    /** Runs the bench; see the class comment for the options. */
    public static void main(String[] args) throws Exception {
        int sockets = 1000;
        int rounds = 1;
        boolean quick = false;
        boolean threads = false;
        int size = 200;
        int pingSec = 20;
        List<String> clients = WsClients.NAMES;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--sockets", "--fanout" -> sockets = Integer.parseInt(args[++i]);
                case "--clients" -> clients = List.of(args[++i].split(","));
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--quick" -> quick = true;
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--ping-sec" -> pingSec = Integer.parseInt(args[++i]);
                case "--threads" -> threads = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (options: --sockets N, "
                        + "--clients okhttp,javaws,jdk, --rounds N, --quick, --size BYTES, --ping-sec S, --threads)");
            }
        }
        if (!WsClients.NAMES.containsAll(clients) || sockets < 1 || rounds < 1) {
            throw new IllegalArgumentException("--clients takes " + WsClients.NAMES + "; --sockets and --rounds >= 1");
        }
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        try {
            new FanoutBench(sockets, clients, quick, size, Duration.ofSeconds(pingSec), threads).run(rounds);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private void run(int rounds) throws Exception {
        long started = System.nanoTime();
        System.out.printf(Locale.ROOT, "load average at start: %s%n", loadAverage());
        Map<String, List<Cell>> results = new LinkedHashMap<>();
        try (ChildJvm echo = ChildJvm.startWithJvmArgs(ChildJvm.SERVER_FLAGS, JettyEcho.class.getName(), Map.of(),
                "--lifetime-sec", "10800")) {
            Matcher m = echo.awaitStdout("echo listening on (\\d+)", Duration.ofSeconds(60));
            URI uri = URI.create("ws://127.0.0.1:" + m.group(1) + "/echo");
            // not counted: every library's code compiled by the JIT before it is measured
            System.out.println("warm-up (not counted)");
            for (String client : clients) {
                measure(client, uri, echo.pid(), Math.min(sockets, 100), 2, 3, 1);
            }
            for (int round = 1; round <= rounds; round++) {
                System.out.printf(Locale.ROOT, "round %d/%d%n", round, rounds);
                for (int k = 0; k < clients.size(); k++) {
                    String client = clients.get((k + round - 1) % clients.size()); // the order rotates by round
                    // the idle phase lasts one ping interval: one ping per socket, where the library pings
                    results.computeIfAbsent(client, c -> new ArrayList<>()).add(measure(client, uri, echo.pid(),
                            sockets, quick ? 5 : 10, quick ? 10 : 30, ping.toSeconds()));
                }
            }
        }
        print(results, rounds);
        System.out.printf(Locale.ROOT, "load average at end: %s; total time %.0f s; %d cores; %s %s%n", loadAverage(),
                (System.nanoTime() - started) / 1e9, Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"));
    }

    /** The state of one library's N sockets in one round. */
    private final class Fleet {
        final int n;
        final WsClients.Socket[] open;
        /** When each socket's outstanding message was sent (nanoTime), 0 when none is outstanding. */
        final AtomicLongArray sentAt;
        final long[] samples;
        final AtomicInteger sampleCount = new AtomicInteger();
        final AtomicLong late = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        final AtomicLong unmatched = new AtomicLong();
        final AtomicLong corrupt = new AtomicLong();
        volatile long recordFrom = Long.MAX_VALUE;
        volatile long recordUntil = Long.MAX_VALUE;

        Fleet(int n, int measureSeconds) {
            this.n = n;
            open = new WsClients.Socket[n];
            sentAt = new AtomicLongArray(n);
            samples = new long[n * (measureSeconds + 2)];
        }

        void echoed(int i, String text) {
            long now = System.nanoTime();
            long sent = sentAt.getAndSet(i, 0);
            if (sent == 0) {
                unmatched.incrementAndGet();
                return;
            }
            if (text.length() != size) {
                corrupt.incrementAndGet();
            }
            if (sent >= recordFrom && sent < recordUntil) {
                int n = sampleCount.getAndIncrement();
                if (n < samples.length) {
                    samples[n] = now - sent;
                }
            }
        }
    }

    /**
     * One library with {@code sockets} sockets: {@code warmSec} of load, {@code measureSec} measured, {@code idleSec}
     * without messages.
     */
    private Cell measure(String client, URI uri, long echoPid, int sockets, int warmSec, int measureSec, long idleSec)
            throws Exception {
        String payload = Payloads.ascii(size);
        ThreadMXBean tmx = ManagementFactory.getThreadMXBean();
        settle();
        Set<Long> before = new HashSet<>();
        Arrays.stream(tmx.getAllThreadIds()).forEach(before::add);

        Fleet fleet = new Fleet(sockets, measureSec);
        WsClients.Library lib = WsClients.byName(client, ping);
        String label = lib.label();
        long openStart = System.nanoTime();
        openAll(lib, uri, fleet);
        double openSeconds = (System.nanoTime() - openStart) / 1e9;

        Thread driver = new Thread(() -> drive(fleet, payload), "bench-fanout-driver");
        driver.setDaemon(true);
        driver.start();
        Thread.sleep(warmSec * 1000L);

        long cpu0 = processCpuNanos();
        long server0 = cpuTicks(echoPid);
        ThreadStats stats0 = threads ? ThreadStats.snapshot() : null;
        long t0 = System.nanoTime();
        fleet.recordFrom = t0;
        Thread.sleep(measureSec * 1000L);
        long t1 = System.nanoTime();
        fleet.recordUntil = t1;
        long cpu1 = processCpuNanos();
        long server1 = cpuTicks(echoPid);
        long messages = Math.round(sockets * (t1 - t0) / 1e9); // the sends due in the window
        if (threads) {
            System.out.println(ThreadStats.snapshot().perOperationSince(stats0, messages, client + " loaded"));
        }
        int newThreads = newThreads(tmx, before);

        driver.interrupt();
        driver.join(5000);
        Thread.sleep(1500); // the last echoes
        settle();
        long heapLoaded = heapUsed();

        long idle0 = processCpuNanos();
        long i0 = System.nanoTime();
        Thread.sleep(idleSec * 1000L);
        double idlePercent = 100.0 * (processCpuNanos() - idle0) / (System.nanoTime() - i0);

        for (WsClients.Socket s : fleet.open) {
            if (s != null) {
                s.close();
            }
        }
        lib.close();
        // what closing the sockets released is the sockets' heap (a baseline taken before opening them would also
        // count what earlier phases' lingering threads still held then and let go meanwhile); so nothing of this
        // phase may stay reachable from here, and on JDK 17 an HttpClient's selector thread, which holds its
        // sockets, ends only once the client has been collected
        Arrays.fill(fleet.open, null);
        lib = null;
        settle();
        awaitThreadsGone(tmx, before, sockets);
        settle();
        long heapClosed = heapUsed();

        int n = Math.min(fleet.sampleCount.get(), fleet.samples.length);
        long[] lat = Arrays.copyOf(fleet.samples, n);
        Arrays.sort(lat);
        if (n == 0) {
            throw new IllegalStateException(client + ": no echo came back in the measured window");
        }
        if (fleet.corrupt.get() > 0 || fleet.refused.get() > 0) {
            throw new IllegalStateException(client + ": " + fleet.corrupt.get() + " echoes of the wrong length, "
                    + fleet.refused.get() + " sends refused");
        }
        double seconds = (t1 - t0) / 1e9;
        if (fleet.late.get() > 0) {
            System.out.printf(Locale.ROOT, "    !! %d echoes came more than 1 s late: the machine was overloaded (load "
                    + "average %s)%n", fleet.late.get(), loadAverage());
        }
        Cell c = new Cell(openSeconds, newThreads / (double) sockets, (heapLoaded - heapClosed) / 1024.0 / sockets,
                (cpu1 - cpu0) / 1e3 / messages,
                100.0 * (cpu1 - cpu0) / (t1 - t0), idlePercent, lat[n / 2] / 1e3,
                lat[(int) Math.ceil(n * 0.99) - 1] / 1e3, lat[n - 1] / 1e3, fleet.late.get(), n,
                (server1 - server0) / TICKS_PER_SECOND * 1e6 / messages);
        System.out.printf(Locale.ROOT, "  %-26s %d sockets open in %.1f s; %.2f threads, %.0f KB heap per socket;"
                        + " CPU %.1f us/msg = %.1f %% of a core (idle %.2f %%); p50 %.0f us p99 %.0f us max %.0f us; "
                        + "%d echoes in %.0f s, %d later than 1 s, %d unmatched; echo server %.1f us/msg; load %s%n", label,
                sockets, c.openSeconds, c.threadsPerSocket, c.heapKbPerSocket, c.cpuUsPerMessage,
                c.cpuPercentLoaded, c.cpuPercentIdle, c.p50Us, c.p99Us, c.maxUs, n, seconds, c.late,
                fleet.unmatched.get(), c.serverCpuUsPerMessage, loadAverage().split(" ")[0]);
        return c;
    }

    private void openAll(WsClients.Library lib, URI uri, Fleet fleet) throws Exception {
        int sockets = fleet.n;
        Semaphore opening = new Semaphore(OPENING_AT_ONCE);
        CountDownLatch done = new CountDownLatch(sockets);
        AtomicInteger failed = new AtomicInteger();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < sockets; i++) {
            if (!opening.tryAcquire(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no socket opened within 60 s");
            }
            int index = i;
            lib.open(uri, text -> fleet.echoed(index, text)).whenComplete((s, e) -> {
                if (e != null) {
                    failed.incrementAndGet();
                    if (failures.size() < 3) {
                        failures.add(e);
                    }
                } else {
                    fleet.open[index] = s;
                }
                opening.release();
                done.countDown();
            });
        }
        if (!done.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException(done.getCount() + " sockets still opening after 120 s");
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " of " + sockets + " sockets did not open: " + failures);
        }
    }

    /** Sends socket {@code m % N}'s message at {@code start + m / N} seconds, until interrupted. */
    private void drive(Fleet fleet, String payload) {
        int sockets = fleet.n;
        long start = System.nanoTime();
        double spacing = 1e9 / sockets;
        long m = 0;
        while (!Thread.currentThread().isInterrupted()) {
            long now = System.nanoTime();
            while (start + (long) (m * spacing) <= now) {
                int i = (int) (m % sockets);
                if (fleet.sentAt.getAndSet(i, System.nanoTime()) != 0) {
                    fleet.late.incrementAndGet(); // the previous echo is more than a second late (or lost)
                }
                if (!fleet.open[i].send(payload)) {
                    fleet.refused.incrementAndGet();
                }
                m++;
            }
            long wait = start + (long) (m * spacing) - System.nanoTime();
            LockSupport.parkNanos(Math.max(wait, 200_000));
        }
    }

    /** Threads alive now that were not alive {@code before}. */
    private static int newThreads(ThreadMXBean tmx, Set<Long> before) {
        int n = 0;
        for (long id : tmx.getAllThreadIds()) {
            if (!before.contains(id)) {
                n++;
            }
        }
        return n;
    }

    /** Waits (at most 20 s) until the sockets' threads have ended, so that the next library starts from a clean JVM. */
    private static void awaitThreadsGone(ThreadMXBean tmx, Set<Long> before, int sockets) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int left;
        while ((left = newThreads(tmx, before)) > Math.max(8, sockets / 100) && System.nanoTime() < end) {
            Thread.sleep(200);
        }
        if (left > Math.max(8, sockets / 100)) {
            System.out.printf(Locale.ROOT, "    (%d threads of these sockets still alive 20 s after closing)%n", left);
        }
    }

    /** Two full GCs and a pause, so that heap figures compare live data and the JVM is quiet before a phase. */
    private static void settle() throws InterruptedException {
        System.gc();
        Thread.sleep(300);
        System.gc();
        Thread.sleep(300);
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** User and system CPU of process {@code pid} in clock ticks ({@code /proc/PID/stat} fields 14 and 15). */
    private static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private void print(Map<String, List<Cell>> results, int rounds) {
        System.out.println();
        System.out.printf(Locale.ROOT, "Results: %d sockets, one %d B message per socket per second (%s; %s)%n", sockets,
                size, rounds == 1 ? "one round" : "median of " + rounds + " rounds",
                quick ? "10 s measured" : "30 s measured");
        System.out.println("| client | open all | threads per socket | heap per socket "
                + "| CPU per message | CPU, % of a core (loaded / idle) | p50 | p99 | max | echoes > 1 s (all rounds) "
                + "| echo server CPU per message |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        for (String client : clients) {
            List<Cell> cells = results.get(client);
            System.out.printf(Locale.ROOT, "| %s | %.1f s | %.2f | %.0f KB | %.1f us | %.1f / %.2f | %.0f us "
                            + "| %.0f us | %.0f us | %d | %.1f us |%n", client, med(cells, Cell::openSeconds),
                    med(cells, Cell::threadsPerSocket), med(cells, Cell::heapKbPerSocket), med(cells, Cell::cpuUsPerMessage),
                    med(cells, Cell::cpuPercentLoaded), med(cells, Cell::cpuPercentIdle), med(cells, Cell::p50Us),
                    med(cells, Cell::p99Us), med(cells, Cell::maxUs), cells.stream().mapToLong(Cell::late).sum(),
                    med(cells, Cell::serverCpuUsPerMessage));
        }
        List<Cell> base = results.get("okhttp");
        if (base == null) {
            return;
        }
        System.out.println();
        System.out.println("| client | CPU per message x/OkHttp | idle CPU x/OkHttp | threads x/OkHttp | p50 x/OkHttp "
                + "| p99 x/OkHttp | per-round CPU ratios |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (String client : clients) {
            if (client.equals("okhttp")) {
                continue;
            }
            List<Cell> cells = results.get(client);
            int n = Math.min(base.size(), cells.size());
            double[][] r = new double[5][n];
            List<String> perRound = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Cell b = base.get(i);
                Cell c = cells.get(i);
                r[0][i] = c.cpuUsPerMessage / b.cpuUsPerMessage;
                r[1][i] = c.cpuPercentIdle / b.cpuPercentIdle;
                r[2][i] = c.threadsPerSocket / b.threadsPerSocket;
                r[3][i] = c.p50Us / b.p50Us;
                r[4][i] = c.p99Us / b.p99Us;
                perRound.add(String.format(Locale.ROOT, "%.2f", r[0][i]));
            }
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %s |%n", client, median(r[0]),
                    median(r[1]), median(r[2]), median(r[3]), median(r[4]), String.join(" ", perRound));
        }
    }

    private static double med(List<Cell> cells, java.util.function.ToDoubleFunction<Cell> f) {
        return median(cells.stream().mapToDouble(f).toArray());
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
