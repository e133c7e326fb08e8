package io.clawgo.it.scale;

import io.clawgo.Gateway;
import io.clawgo.config.ClusterConfig;
import io.clawgo.config.GatewayConfig;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireSizes;
import io.clawgo.testing.ChildJvm;
import io.clawgo.testing.LoopbackRelay;
import io.clawgo.testing.TestHttp;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway side of {@link ScaleBench}: a plain {@link Gateway} in its own JVM, so that its heap and CPU can be
 * measured without the simulated nodes. Started by {@code ScaleBench} as a child process; it is driven by one-line
 * commands on standard input and answers one line each on standard output:
 *
 * <ul>
 *   <li>{@code heap}: {@code System.gc()} (three times) and {@code HEAP <used> <committed> <direct> <threads>};</li>
 *   <li>{@code timings}: where the time of {@code /webui/api/nodes} goes, measured in-process:
 *       {@code TIMINGS <status_ms> <registry_ms> <json_ms> <bytes> <nodes> <agents> <list_ms> <listed> <section=bytes,...>} ({@link Gateway#status()} builds the whole
 *       payload and its typed view; {@code registry} is the subagent registry alone, which the payload's
 *       {@code trees} are made of; {@code json} is the whole {@code GET /webui/api/nodes} over loopback (the payload
 *       built again, encoded and read), {@code bytes} and the sections its JSON; {@code list} is
 *       {@link Gateway#nodes()}, the registry listing alone);</li>
 *   <li>{@code dispatch <count> <in_flight> <node,node,...> [<mode> <expected_transport>]}: {@link Gateway#dispatch}
 *       in-process with dispatch mode {@code <mode>} (default {@code p2p}), each request carrying a nonce that the node
 *       must echo, and each response's {@code used_transport} must be {@code <expected_transport>} (default
 *       {@code websocket_tunnel}); one that came over another transport with {@code fallback_from} set is a
 *       fallback, without it a mismatch; answers {@code DISPATCH <ok> <failed> <mismatched> <duplicated> <wall_ms>
 *       <p50_us> <p99_us> <max_us> <fallbacks> <mean_us> <first_error>} (latency from just before the
 *       {@code dispatch} call, so time spent inside it counts);</li>
 *   <li>{@code p2p}: {@code P2P <json>}, the {@code p2p} section of {@code GET /webui/api/nodes} (sessions,
 *       retries);</li>
 *   <li>{@code quit} (or end of input): closes the gateway and exits.</li>
 * </ul>
 *
 * <p>Arguments: {@code <data-dir> <token> <max-lifetime-seconds> [<nodes> [<p2p-transport> [<nats-url>
 * <cluster-name>]]]}: with {@code <nodes>}
 * above the default {@code gateway.max_nodes}, the limit is raised to it; {@code <p2p-transport>} is the gateway's
 * {@code p2p.transport} (default {@code websocket_tunnel}; {@code webrtc} needs the webrtc module on the class path
 * and a network namespace with a veth pair); with a NATS URL and a cluster name it is a member of that cluster
 * (provider {@code nats}); the gateway is otherwise all defaults. The first line it prints is
 * {@code READY <port> <p2p transport in use, or ->}.
 * It exits by itself after the maximum lifetime, so a crashed parent never leaves it behind.
 */
public final class ScaleGatewayMain {
    private ScaleGatewayMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]);
        String token = args[1];
        long lifetime = Long.parseLong(args[2]);
        int nodes = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        String transport = args.length > 4 ? args[4] : "websocket_tunnel";
        ClusterConfig cluster = args.length > 6
                ? ClusterConfig.builder().provider("nats").servers(List.of(args[5])).name(args[6]).build()
                : ClusterConfig.defaults();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Thread reaper = ChildJvm.haltAfter(Duration.ofSeconds(lifetime));
        // a SIGTERM or SIGINT leaves this line in the log; a SIGKILL leaves nothing
        Thread hook = new Thread(() -> System.err.println("scale gateway: JVM shutting down"), "scale-gateway-exit");
        Runtime.getRuntime().addShutdownHook(hook);

        try (Gateway gw = Gateway.builder().host("127.0.0.1").port(0).token(token).dataDir(dataDir)
                .transport(transport)
                .maxNodes(Math.max(nodes, GatewayConfig.DEFAULT_MAX_NODES))
                .nodePolicy(LoopbackRelay.POLICY) // the simulated nodes' relay endpoints listen on 127.0.0.1
                .cluster(cluster)
                .start()) {
            out.println("READY " + gw.port() + " " + gw.p2pTransport().orElse("-"));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                String[] cmd = line.trim().split("\\s+");
                try {
                    switch (cmd[0]) {
                        case "heap" -> out.println(heap());
                        case "timings" -> out.println(timings(gw, token));
                        case "dispatch" -> out.println(dispatch(gw, Integer.parseInt(cmd[1]), Integer.parseInt(cmd[2]),
                                cmd[3].split(","), cmd.length > 4 ? cmd[4] : "p2p",
                                cmd.length > 5 ? cmd[5] : "websocket_tunnel"));
                        case "p2p" -> out.println("P2P " + WireCodec.get().toJson(restNodes(gw, token).get("p2p")));
                        case "quit" -> {
                            return;
                        }
                        default -> out.println("ERROR unknown command " + cmd[0]);
                    }
                } catch (Exception e) {
                    out.println("ERROR " + e);
                }
            }
        } finally {
            reaper.interrupt();
        }
    }

    private static String heap() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        MemoryUsage h = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long direct = 0;
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (b.getName().equals("direct")) {
                direct = b.getMemoryUsed();
            }
        }
        return "HEAP " + h.getUsed() + " " + h.getCommitted() + " " + direct + " "
                + ManagementFactory.getThreadMXBean().getThreadCount();
    }

    private static String timings(Gateway gw, String token) throws Exception {
        long tn = System.nanoTime();
        int listed = gw.nodes().size();
        long tl = System.nanoTime();
        long t0 = System.nanoTime();
        int nodes = gw.status().nodes().size();
        long t1 = System.nanoTime();
        int agents = gw.subagents().registry().size();
        long t2 = System.nanoTime();
        TestHttp.Reply reply = TestHttp.get(gw.url() + "/webui/api/nodes", token);
        long t3 = System.nanoTime();
        StringBuilder sections = new StringBuilder();
        for (Map.Entry<String, Object> e : reply.json().entrySet()) {
            sections.append(sections.length() == 0 ? "" : ",").append(e.getKey()).append('=')
                    .append(WireSizes.utf8Length(WireCodec.get().toJson(e.getValue())));
        }
        return "TIMINGS " + (t1 - t0) / 1_000_000 + " " + (t2 - t1) / 1_000_000 + " " + (t3 - t2) / 1_000_000 + " "
                + WireSizes.utf8Length(reply.body()) + " " + nodes + " " + agents + " "
                + (tl - tn) / 1_000_000 + " " + listed + " " + sections;
    }

    /** {@code GET /webui/api/nodes}, decoded: the JSON a client of the REST API gets. */
    private static Map<String, Object> restNodes(Gateway gw, String token) throws Exception {
        return TestHttp.get(gw.url() + "/webui/api/nodes", token).json();
    }

    /**
     * {@code count} dispatches in {@code mode}, at most {@code inFlight} at once, round-robin over {@code nodes}; every
     * response must carry back the request's nonce and the node it went to, exactly once, over {@code expected}.
     */
    private static String dispatch(Gateway gw, int count, int inFlight, String[] nodes, String mode, String expected)
            throws Exception {
        Semaphore window = new Semaphore(inFlight);
        ConcurrentHashMap<String, Boolean> answered = new ConcurrentHashMap<>();
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong mismatched = new AtomicLong();
        AtomicLong duplicated = new AtomicLong();
        AtomicLong fallbacks = new AtomicLong();
        long[] latencies = new long[count];
        String[] firstError = {""};
        List<CompletableFuture<Void>> tail = new ArrayList<>();
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MINUTES.toNanos(10);
        for (int i = 0; i < count; i++) {
            if (!window.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                return "ERROR dispatch did not finish within 10 minutes (" + i + " sent)";
            }
            String node = nodes[i % nodes.length];
            String nonce = "n" + i + "-" + Long.toHexString(System.nanoTime());
            int slot = i;
            long t = System.nanoTime();
            CompletableFuture<Void> f = gw.dispatch(new Request("invoke", node, null, null, Map.of("nonce", nonce)),
                    DispatchMode.parse(mode), Duration.ofSeconds(30)).handle((r, e) -> {
                try {
                    latencies[slot] = System.nanoTime() - t;
                    if (e != null) {
                        check(io.clawgo.protocol.Response.error("exception", e.toString()), node, nonce, expected,
                                answered, ok, failed, mismatched, duplicated, fallbacks, firstError);
                    } else {
                        check(r, node, nonce, expected, answered, ok, failed, mismatched, duplicated, fallbacks,
                                firstError);
                    }
                } finally {
                    window.release();
                }
                return null;
            });
            if (i >= count - inFlight) {
                tail.add(f);
            }
        }
        CompletableFuture.allOf(tail.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
        if (!window.tryAcquire(inFlight, 2, TimeUnit.MINUTES)) {
            return "ERROR responses still missing 2 minutes after the last dispatch";
        }
        long wall = System.nanoTime() - start;
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        return "DISPATCH " + ok.get() + " " + failed.get() + " " + mismatched.get() + " " + duplicated.get() + " "
                + wall / 1_000_000 + " " + sorted[count / 2] / 1000 + " " + sorted[(int) (count * 0.99)] / 1000 + " "
                + sorted[count - 1] / 1000 + " " + fallbacks.get() + " "
                + Arrays.stream(latencies).sum() / count / 1000 + " "
                + (firstError[0].isEmpty() ? "-" : firstError[0].replace(' ', '_'));
    }

    static void check(Response r, String node, String nonce, String expected,
                      ConcurrentHashMap<String, Boolean> answered, AtomicLong ok, AtomicLong failed,
                      AtomicLong mismatched, AtomicLong duplicated, AtomicLong fallbacks, String[] firstError) {
        if (!r.ok()) {
            failed.incrementAndGet();
            synchronized (firstError) {
                if (firstError[0].isEmpty()) {
                    firstError[0] = r.code() + ":" + r.error();
                }
            }
            return;
        }
        if (!expected.equals(r.payloadString("used_transport")) && r.payloadString("fallback_from") != null) {
            fallbacks.incrementAndGet();
            synchronized (firstError) {
                if (firstError[0].isEmpty()) {
                    firstError[0] = "fallback:" + r.payloadString("fallback_from") + "->"
                            + r.payloadString("used_transport");
                }
            }
            return;
        }
        if (!nonce.equals(r.payloadString("nonce")) || !node.equals(r.payloadString("echo_node"))
                || !expected.equals(r.payloadString("used_transport"))) {
            mismatched.incrementAndGet();
            return;
        }
        if (answered.putIfAbsent(nonce, Boolean.TRUE) != null) {
            duplicated.incrementAndGet();
            return;
        }
        ok.incrementAndGet();
    }
}
