package io.clawgo.transport.webrtc;

import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import dev.onvoid.webrtc.RTCDataChannelInit;
import dev.onvoid.webrtc.RTCDataChannelObserver;
import dev.onvoid.webrtc.RTCDataChannelState;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;
import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.testing.TempDirs;
import io.clawgo.testing.ThreadStats;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Benchmark (not a test): (a) raw webrtc-java DataChannel echo, (a') the same echo sent from a pool thread that the
 * answerer's callback hands each message to (the one hand-off a node must make), (b) the webrtc transport itself (gateway side to node
 * side, in-memory signalling), (b') the same with the node's handler run on the receiving thread, (c) a full {@code Gateway.dispatch} over webrtc to a {@code NodeAgent}; for 200 B and
 * 64 KiB payloads: latency p50/p99, throughput with 64 in flight, and setup time (offer to open). Must run inside a
 * network namespace with a non-loopback interface:
 *
 * <pre>
 * cd clawgo-transport-webrtc
 * mvn -q dependency:build-classpath -Dmdep.outputFile=target/cp.txt &amp;&amp; mvn -q test-compile
 * src/test/netns/bin/java -cp target/test-classes:target/classes:$(cat target/cp.txt) \
 *     io.clawgo.transport.webrtc.WebRtcBench [samples, default 3000] [--repeat N, default 3] [--threads]
 * </pre>
 * {@code --threads} prints, for every sequential 200 B phase, the CPU time and context switches per round trip of each
 * thread group, native libwebrtc threads included.
 * Prints a Markdown table.
 */
public final class WebRtcBench {
    private static final int SMALL = 200;
    private static final int LARGE = 64 * 1024;
    private static final int WINDOW = 64;
    private static final List<String> ROWS = new ArrayList<>();
    /** {@code --threads}: print CPU time and context switches per round trip by thread for sequential 200 B phases. */
    private static boolean threads;

    private WebRtcBench() {
    }

    public static void main(String[] args) throws Exception {
        String why = NetNs.whyNot();
        if (why != null) {
            System.err.println("not inside a test network namespace: " + why);
            System.exit(2);
        }
        int rounds = 3000;
        int repeat = 3;
        for (int i = 0; i < args.length; i++) {
            if ("--repeat".equals(args[i])) {
                repeat = Integer.parseInt(args[++i]);
            } else if ("--threads".equals(args[i])) {
                threads = true;
            } else {
                rounds = Integer.parseInt(args[i]); // sequential round trips per cell (default 3000)
            }
        }
        try (SharedFactory.Lease lease = SharedFactory.acquire()) {
            // the cells of one repetition run one after the other; repetitions interleave them, so that drift in the
            // machine's load hits every path, and the table shows medians over the repetitions
            // repetition 0 warms the JIT up for every path and is not counted: the transport's paths run much more
            // Java code than the raw echo, and C2 was still compiling it (tens of µs of CPU per round trip on the
            // compiler threads, `--threads`) during the first counted repetitions of a 2-core machine
            Map<String, List<Result>> cells = new java.util.LinkedHashMap<>();
            for (int r = 0; r <= repeat; r++) {
                System.err.printf(Locale.ROOT, r == 0 ? "warm-up repetition (not counted)%n"
                        : "repetition %d/%d%n", r, repeat);
                if (r == 1) {
                    cells.clear();
                }
                add(cells, "a", raw(lease.factory(), SMALL, rounds));
                add(cells, "a", raw(lease.factory(), LARGE, rounds / 5));
                add(cells, "a'", raw(lease.factory(), SMALL, rounds, true));
                add(cells, "a'", raw(lease.factory(), LARGE, rounds / 5, true));
                add(cells, "b", transport(SMALL, rounds, false));
                add(cells, "b", transport(LARGE, rounds / 5, false));
                add(cells, "b'", transport(SMALL, rounds, true));
                add(cells, "b'", transport(LARGE, rounds / 5, true));
                add(cells, "c", gateway(SMALL, rounds));
                add(cells, "c", gateway(LARGE, rounds / 5));
            }
            double rawSetup = rawSetup(lease.factory(), 20);
            double tSetup = transportSetup(20);
            double gSetup = gatewaySetup(12);

            System.out.println();
            System.out.printf(Locale.ROOT, "Medians of %d repetitions%n", repeat);
            System.out.println("| path | payload | p50 µs | p99 µs | msgs/s (64 in flight) | MB/s payload | setup p50 ms |");
            System.out.println("|---|---|---|---|---|---|---|");
            Map<String, String> names = Map.of("a", "(a) raw webrtc-java echo",
                    "a'", "(a') raw echo, answered from a pool thread",
                    "b", "(b) webrtc transport (send -> node -> response)",
                    "b'", "(b') webrtc transport, direct handler on the node",
                    "c", "(c) Gateway.dispatch over webrtc (NodeAgent)");
            Map<String, Double> setups = Map.of("a", rawSetup, "a'", rawSetup, "b", tSetup, "b'", tSetup, "c", gSetup);
            for (String path : List.of("a", "a'", "b", "b'", "c")) {
                row(names.get(path), median(cells.get(path + " " + SMALL)), setups.get(path));
                row(names.get(path), median(cells.get(path + " " + LARGE)), setups.get(path));
            }
            ROWS.forEach(System.out::println);
            System.out.println();
            Result rs = median(cells.get("a " + SMALL));
            Result rl = median(cells.get("a " + LARGE));
            for (String path : List.of("a'", "b", "b'", "c")) {
                ratios("(" + path + ")/(a)", rs, rl, median(cells.get(path + " " + SMALL)),
                        median(cells.get(path + " " + LARGE)));
            }
            for (String path : List.of("a'", "b", "b'", "c")) {
                System.out.printf(Locale.ROOT, "(%s)/(a) latency p50 ratio per repetition: 200 B %s%n", path,
                        perRepetition(cells.get("a " + SMALL), cells.get(path + " " + SMALL)));
            }
            System.out.printf(Locale.ROOT, "setup p50: raw %.1f ms, transport %.1f ms, gateway+node agent %.1f ms%n",
                    rawSetup, tSetup, gSetup);
        }
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    record Result(int payload, double p50, double p99, double msgsPerSec) {
        double mbPerSec() {
            return msgsPerSec * payload / 1e6;
        }
    }

    private static void add(Map<String, List<Result>> cells, String path, Result r) {
        cells.computeIfAbsent(path + " " + r.payload(), k -> new ArrayList<>()).add(r);
    }

    private static Result median(List<Result> rs) {
        return new Result(rs.get(0).payload(), median(rs.stream().mapToDouble(Result::p50).toArray()),
                median(rs.stream().mapToDouble(Result::p99).toArray()),
                median(rs.stream().mapToDouble(Result::msgsPerSec).toArray()));
    }

    private static double median(double[] v) {
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String perRepetition(List<Result> raw, List<Result> path) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < raw.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", path.get(i).p50() / raw.get(i).p50()));
        }
        return sb.toString();
    }

    private static void row(String path, Result r, double setup) {
        ROWS.add(String.format(Locale.ROOT, "| %s | %s | %.0f | %.0f | %.0f | %.1f | %.1f |", path,
                r.payload == SMALL ? "200 B" : "64 KiB", r.p50, r.p99, r.msgsPerSec, r.mbPerSec(), setup));
    }

    private static void ratios(String name, Result rs, Result rl, Result s, Result l) {
        System.out.printf(Locale.ROOT, "%s latency p50 ratio: 200 B %.2f, 64 KiB %.2f; throughput ratio: 200 B %.2f,"
                        + " 64 KiB %.2f%n", name, s.p50 / rs.p50, l.p50 / rl.p50, s.msgsPerSec / rs.msgsPerSec,
                l.msgsPerSec / rl.msgsPerSec);
    }

    private static void printThreads(String name, int size, ThreadStats before, int rounds) {
        if (threads && size == SMALL) {
            System.err.println(ThreadStats.snapshot().perOperationSince(before, rounds, name + " sequential"));
        }
    }

    private static double percentile(long[] nanos, double p) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p * s.length) - 1)] / 1000.0;
    }

    // ----------------------------------------------------------------------------------------------------- (a) raw

    /**
     * Two peer connections of the shared factory, signalled in memory, the answerer echoing in its callback, or with a
     * {@code hopPool}, from a thread of that pool (like a node's request executor: 16 threads, a bounded queue).
     */
    private static final class RawPair implements AutoCloseable {
        final ExecutorService hopPool;
        final RTCPeerConnection a;
        final RTCPeerConnection b;
        final RTCDataChannel da;
        volatile RTCDataChannel db;
        final CompletableFuture<Void> open = new CompletableFuture<>();
        final ExecutorService sig = Executors.newSingleThreadExecutor();
        final List<RTCIceCandidate> toA = new ArrayList<>();
        final List<RTCIceCandidate> toB = new ArrayList<>();
        volatile boolean remotesSet;
        volatile java.util.function.IntConsumer onEcho = n -> { };

        RawPair(PeerConnectionFactory f) {
            this(f, false);
        }

        RawPair(PeerConnectionFactory f, boolean hop) {
            hopPool = hop ? new java.util.concurrent.ThreadPoolExecutor(16, 16, 30, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(256)) : null;
            a = f.createPeerConnection(new RTCConfiguration(), observer(toB, true));
            b = f.createPeerConnection(new RTCConfiguration(), new PeerConnectionObserver() {
                @Override
                public void onIceCandidate(RTCIceCandidate c) {
                    candidate(c, toA, false);
                }

                @Override
                public void onDataChannel(RTCDataChannel ch) {
                    db = ch;
                    ch.registerObserver(new RTCDataChannelObserver() {
                        @Override
                        public void onBufferedAmountChange(long previous) {
                        }

                        @Override
                        public void onStateChange() {
                        }

                        @Override
                        public void onMessage(RTCDataChannelBuffer buf) {
                            try {
                                byte[] copy = new byte[buf.data.remaining()];
                                buf.data.get(copy);
                                RTCDataChannelBuffer echo = new RTCDataChannelBuffer(ByteBuffer.wrap(copy), buf.binary);
                                if (hopPool == null) {
                                    ch.send(echo);
                                } else {
                                    hopPool.execute(() -> {
                                        try {
                                            ch.send(echo);
                                        } catch (Exception e) {
                                            // the channel closing at the end of the cell
                                        }
                                    });
                                }
                            } catch (Throwable t) {
                                // keep the native thread alive
                            }
                        }
                    });
                }
            });
            da = a.createDataChannel("clawgo", new RTCDataChannelInit());
            da.registerObserver(new RTCDataChannelObserver() {
                @Override
                public void onBufferedAmountChange(long previous) {
                }

                @Override
                public void onStateChange() {
                    if (da.getState() == RTCDataChannelState.OPEN) {
                        open.complete(null);
                    }
                }

                @Override
                public void onMessage(RTCDataChannelBuffer buf) {
                    try {
                        onEcho.accept(buf.data.remaining());
                    } catch (Throwable t) {
                        // keep the native thread alive
                    }
                }
            });
        }

        private PeerConnectionObserver observer(List<RTCIceCandidate> out, boolean fromA) {
            return c -> candidate(c, out, fromA);
        }

        private void candidate(RTCIceCandidate c, List<RTCIceCandidate> queue, boolean fromA) {
            sig.execute(() -> {
                if (remotesSet) {
                    (fromA ? b : a).addIceCandidate(c);
                } else {
                    queue.add(c);
                }
            });
        }

        /** Offer to open, in milliseconds. */
        double connect() throws Exception {
            long t0 = System.nanoTime();
            RTCSessionDescription offer = create(a, true);
            set(a, offer, true);
            set(b, offer, false);
            RTCSessionDescription answer = create(b, false);
            set(b, answer, true);
            set(a, answer, false);
            sig.submit(() -> {
                remotesSet = true;
                toB.forEach(b::addIceCandidate);
                toA.forEach(a::addIceCandidate);
            }).get();
            open.get(10, TimeUnit.SECONDS);
            return (System.nanoTime() - t0) / 1e6;
        }

        @Override
        public void close() {
            da.unregisterObserver();
            da.close();
            a.close();
            b.close();
            da.dispose();
            if (db != null) {
                db.dispose();
            }
            sig.shutdownNow();
            if (hopPool != null) {
                hopPool.shutdownNow();
            }
        }
    }

    private static RTCSessionDescription create(RTCPeerConnection pc, boolean offer) throws Exception {
        CompletableFuture<RTCSessionDescription> f = new CompletableFuture<>();
        CreateSessionDescriptionObserver o = new CreateSessionDescriptionObserver() {
            @Override
            public void onSuccess(RTCSessionDescription d) {
                f.complete(d);
            }

            @Override
            public void onFailure(String e) {
                f.completeExceptionally(new IllegalStateException(e));
            }
        };
        if (offer) {
            pc.createOffer(new RTCOfferOptions(), o);
        } else {
            pc.createAnswer(new RTCAnswerOptions(), o);
        }
        return f.get(10, TimeUnit.SECONDS);
    }

    private static void set(RTCPeerConnection pc, RTCSessionDescription d, boolean local) throws Exception {
        CompletableFuture<Void> f = new CompletableFuture<>();
        SetSessionDescriptionObserver o = new SetSessionDescriptionObserver() {
            @Override
            public void onSuccess() {
                f.complete(null);
            }

            @Override
            public void onFailure(String e) {
                f.completeExceptionally(new IllegalStateException(e));
            }
        };
        if (local) {
            pc.setLocalDescription(d, o);
        } else {
            pc.setRemoteDescription(d, o);
        }
        f.get(10, TimeUnit.SECONDS);
    }

    private static Result raw(PeerConnectionFactory f, int size, int rounds) throws Exception {
        return raw(f, size, rounds, false);
    }

    private static Result raw(PeerConnectionFactory f, int size, int rounds, boolean hop) throws Exception {
        try (RawPair p = new RawPair(f, hop)) {
            p.connect();
            BlockingQueue<Integer> echoes = new ArrayBlockingQueue<>(1);
            p.onEcho = echoes::offer;
            byte[] payload = new byte[size];
            int warm = Math.max(100, rounds / 6);
            long[] lat = new long[rounds];
            ThreadStats before = null;
            for (int i = -warm; i < rounds; i++) {
                if (i == 0) {
                    before = ThreadStats.snapshot();
                }
                long t0 = System.nanoTime();
                p.da.send(new RTCDataChannelBuffer(ByteBuffer.wrap(payload), true));
                if (echoes.poll(10, TimeUnit.SECONDS) == null) {
                    throw new IllegalStateException("raw echo lost");
                }
                if (i >= 0) {
                    lat[i] = System.nanoTime() - t0;
                }
            }
            printThreads(hop ? "raw-hop" : "raw", size, before, rounds);
            int n = size == SMALL ? 20_000 : 1_500;
            Semaphore window = new Semaphore(WINDOW);
            CountDownLatch done = new CountDownLatch(n);
            p.onEcho = len -> {
                window.release();
                done.countDown();
            };
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                window.acquire();
                while (p.da.getBufferedAmount() > 1024 * 1024) {
                    LockSupport.parkNanos(50_000);
                }
                p.da.send(new RTCDataChannelBuffer(ByteBuffer.wrap(payload), true));
            }
            if (!done.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("raw throughput run did not finish");
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            Result r = new Result(size, percentile(lat, 0.5), percentile(lat, 0.99), n / secs);
            System.err.println((hop ? "raw-hop " : "raw ") + r);
            return r;
        }
    }

    private static double rawSetup(PeerConnectionFactory f, int sessions) throws Exception {
        long[] ms = new long[sessions];
        for (int i = 0; i < sessions; i++) {
            try (RawPair p = new RawPair(f)) {
                ms[i] = (long) (p.connect() * 1e6);
            }
        }
        return percentile(ms, 0.5) / 1000.0;
    }

    // ---------------------------------------------------------------------------------------------- (b) transport

    private static TransportPair pair(String id) {
        WebRtcSettings s = WebRtcSettings.defaults();
        return new TransportPair(id, P2pConfig.of("webrtc"), s, s, req -> Response.ok(Map.of("data",
                req.args().getOrDefault("data", ""))));
    }

    private static Result transport(int size, int rounds) throws Exception {
        return transport(size, rounds, false);
    }

    /** {@code direct}: the node runs the handler on the receiving thread and answers from it (small messages). */
    private static Result transport(int size, int rounds, boolean direct) throws Exception {
        try (TransportPair p = pair("bench-" + size).directHandler(direct)) {
            Request req = new Request("run", null, null, null, Map.of("data", "x".repeat(size)));
            return measure(direct ? "transport-direct" : "transport", size, rounds, () -> p.send(req, 30_000));
        }
    }

    private static double transportSetup(int sessions) throws Exception {
        long[] us = new long[sessions];
        try (TransportPair p = pair("bench-setup")) {
            for (int i = 0; i < sessions; i++) {
                if (!p.send(Request.of("run"), 10_000).get(15, TimeUnit.SECONDS).ok()) {
                    throw new IllegalStateException("setup request failed");
                }
                io.clawgo.spi.SessionStatus s = p.session();
                us[i] = Duration.between(s.lastAttempt(), s.lastReadyAt()).toNanos();
                p.gateway.resetSession(p.nodeId, "bench");
            }
        }
        return percentile(us, 0.5) / 1000.0;
    }

    private static Result measure(String name, int size, int rounds, Supplier<CompletableFuture<Response>> call)
            throws Exception {
        int warm = Math.max(100, rounds / 6);
        long[] lat = new long[rounds];
        ThreadStats before = null;
        for (int i = -warm; i < rounds; i++) {
            if (i == 0) {
                before = ThreadStats.snapshot();
            }
            long t0 = System.nanoTime();
            Response r = call.get().get(30, TimeUnit.SECONDS);
            if (!r.ok()) {
                throw new IllegalStateException(name + " failed: " + r);
            }
            if (i >= 0) {
                lat[i] = System.nanoTime() - t0;
            }
        }
        printThreads(name, size, before, rounds);
        int n = size == SMALL ? 10_000 : 1_500;
        Semaphore window = new Semaphore(WINDOW);
        CountDownLatch done = new CountDownLatch(n);
        AtomicInteger failed = new AtomicInteger();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            window.acquire();
            call.get().whenComplete((r, e) -> {
                if (e != null || r == null || !r.ok()) {
                    failed.incrementAndGet();
                }
                window.release();
                done.countDown();
            });
        }
        if (!done.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " throughput run did not finish");
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        if (failed.get() > 0) {
            throw new IllegalStateException(name + ": " + failed.get() + " requests failed");
        }
        Result r = new Result(size, percentile(lat, 0.5), percentile(lat, 0.99), n / secs);
        System.err.println(name + " " + r);
        return r;
    }

    // ---------------------------------------------------------------------------------------------- (c) gateway

    private static Result gateway(int size, int rounds) throws Exception {
        Path dir = Files.createTempDirectory("clawgo-webrtc-bench");
        try (Gateway gw = Gateway.builder().host("127.0.0.1").port(0).dataDir(dir).transport("webrtc").start();
             NodeAgent node = NodeAgent.builder().gateway(gw.url()).id("bench").actions(List.of("run"))
                     .maxConcurrentRequests(16).maxQueuedRequests(256)
                     .handler(req -> Response.ok(Map.of("data", req.args().getOrDefault("data", "")))).build()) {
            node.start();
            if (!node.awaitConnected(Duration.ofSeconds(10))) {
                throw new IllegalStateException("node did not connect");
            }
            Request req = new Request("run", "bench", null, null, Map.of("data", "x".repeat(size)));
            return measure("gateway", size, rounds, () -> gw.dispatch(req, DispatchMode.P2P, Duration.ofSeconds(30)));
        } finally {
            TempDirs.deleteQuietly(dir);
        }
    }

    private static double gatewaySetup(int sessions) throws Exception {
        long[] us = new long[sessions];
        Path dir = Files.createTempDirectory("clawgo-webrtc-bench");
        try (Gateway gw = Gateway.builder().host("127.0.0.1").port(0).dataDir(dir).transport("webrtc").start()) {
            for (int i = 0; i < sessions; i++) {
                String id = "setup-" + i;
                try (NodeAgent node = NodeAgent.builder().gateway(gw.url()).id(id).actions(List.of("run"))
                        .handler(req -> Response.ok(Map.of())).build()) {
                    node.start();
                    if (!node.awaitConnected(Duration.ofSeconds(10))) {
                        throw new IllegalStateException("node did not connect");
                    }
                    Response r = gw.dispatch(new Request("run", id, null, null, Map.of()), DispatchMode.P2P,
                            Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
                    if (!r.ok()) {
                        throw new IllegalStateException("setup dispatch failed: " + r);
                    }
                    io.clawgo.spi.SessionStatus s = gw.status().p2p().sessions().stream()
                            .filter(x -> id.equals(x.node())).findFirst().orElseThrow();
                    us[i] = Duration.between(s.lastAttempt(), s.lastReadyAt()).toNanos();
                }
            }
        } finally {
            TempDirs.deleteQuietly(dir);
        }
        return percentile(us, 0.5) / 1000.0;
    }
}
