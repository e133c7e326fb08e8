package io.clawgo.it.scale;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scale and dispatch-load tool of issue 7 (a main, not a test). It starts a gateway in its own JVM
 * ({@link ScaleGatewayMain}, so heap and CPU are the gateway's alone), then:
 *
 * <ol>
 *   <li><b>scale</b>: connects {@code --nodes} simulated nodes ({@link SimNode}: real WebSocket clients on loopback,
 *       real {@code register}, a {@code heartbeat} every {@code --heartbeat-sec} spread evenly over the interval),
 *       and reports the time to connect them all, how many {@code /webui/api/nodes} lists online, the gateway heap
 *       per idle node (heap used after {@code System.gc()} before and after, divided by N), the gateway's CPU while
 *       idle (from {@code /proc/<pid>/stat} over {@code --idle-sec}), the latency and size of
 *       {@code GET /webui/api/nodes}, and where its time goes (measured inside the gateway JVM);</li>
 *   <li><b>dispatch</b>: for each transport of {@code --transports} (default {@code websocket_tunnel}), on a fresh
 *       gateway, {@code --dispatch-nodes} nodes, {@code --in-flight} requests in flight, {@code --dispatches}
 *       dispatches through {@code Gateway.dispatch} inside the gateway JVM and through the REST route
 *       {@code /webui/api/node_dispatches/replay}; each request carries a nonce that the node echoes: lost,
 *       duplicated and mismatched responses are counted, and a response whose {@code used_transport} is not the
 *       transport under test (a fallback) fails the run. The transports:
 *       <ul>
 *         <li>{@code websocket_tunnel}: mode {@code p2p}, simulated nodes (or real {@code NodeAgent}s with
 *             {@code --tunnel-nodes agent});</li>
 *         <li>{@code relay}: mode {@code relay}; the simulated nodes register HTTP endpoints served by
 *             {@link RelayEcho} in this JVM (each node on its own loopback address, or all on one server with
 *             {@code --relay-endpoints shared-host}), which the gateway POSTs to;</li>
 *         <li>{@code webrtc}: mode {@code p2p} on a gateway with {@code p2p.transport = webrtc}, 4 real
 *             {@code NodeAgent}s in this JVM with an in-process echo handler. Real WebRTC peers need a network
 *             namespace with a veth pair (libwebrtc ignores loopback), so the tool must then be started with
 *             {@code clawgo-transport-webrtc/src/test/netns/bin/java} instead of {@code java} (the gateway JVM, a
 *             child process, shares the namespace); otherwise it stops with a setup error.</li>
 *       </ul>
 *       One row per transport and path is printed in a table at the end.</li>
 * </ol>
 *
 * <p>Exit code 0 when every check passed, 1 when one failed (a failed, lost, duplicated or mismatched response, a
 * fallback to another transport, a relayed request the endpoint refused, nodes not all online, a node dropped, the
 * gateway JVM gone during a REST run), 2 on a setup error (also: webrtc requested outside the network namespace, or
 * the gateway not running the requested P2P transport). Everything is bounded: the whole run by
 * {@code --max-seconds} (default 1500), the gateway JVM by the same lifetime, each dispatch run by 10 minutes, every
 * call by a timeout.
 *
 * <p>Run (see docs/benchmarks.md): {@code java -Xmx3g -cp <it test classpath> io.clawgo.it.scale.ScaleBench
 * [--nodes 10000] [--phase all|scale|dispatch] [--transports websocket_tunnel,relay,webrtc] [--dispatches 100000]
 * [--in-flight 256] [--rest-in-flight 256,128] [--tunnel-nodes sim|agent]
 * [--relay-endpoints per-node-host|shared-host] [--relay-threads 4]}.
 */
public final class ScaleBench {
    static final String TOKEN = "scale-bench-token";
    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    // options
    private int nodes = 10_000;
    private int heartbeatSec = 10;
    private int idleSec = 30;
    private int connectConcurrency = 128;
    private int clients = 4;
    private int dispatches = 100_000;
    private int inFlight = 256;
    private int[] restInFlights;
    private int restInFlight;
    private int dispatchNodes = 4;
    private String phase = "all";
    private List<String> transports = List.of("websocket_tunnel");
    private String tunnelNodes = "sim";
    private boolean relayPerNodeHost = true;
    private int relayThreads = 4;
    private long maxSeconds = 1500;
    private String gatewayHeap = "2g";
    private Path workDir = Path.of("target", "scale-bench");

    private final Map<String, String> results = new LinkedHashMap<>();
    /** One row per measured dispatch run, for the summary table. */
    private final List<Row> rows = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private final long started = System.nanoTime();

    private ScaleBench() {
    }

    public static void main(String[] args) {
        ScaleBench b = new ScaleBench();
        int code;
        try {
            b.parse(args);
            Thread watchdog = new Thread(() -> {
                try {
                    Thread.sleep(TimeUnit.SECONDS.toMillis(b.maxSeconds));
                    OUT.println("ABORT: the run exceeded --max-seconds " + b.maxSeconds);
                    b.printResults();
                    Runtime.getRuntime().halt(2);
                } catch (InterruptedException e) {
                    // finished in time
                }
            }, "scale-bench-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            code = b.run();
        } catch (Exception e) {
            OUT.println("SETUP ERROR: " + e);
            e.printStackTrace(OUT);
            b.printResults();
            code = 2;
        }
        System.exit(code);
    }

    private void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--nodes" -> nodes = Integer.parseInt(v);
                case "--heartbeat-sec" -> heartbeatSec = Integer.parseInt(v);
                case "--idle-sec" -> idleSec = Integer.parseInt(v);
                case "--connect-concurrency" -> connectConcurrency = Integer.parseInt(v);
                case "--clients" -> clients = Integer.parseInt(v);
                case "--dispatches" -> dispatches = Integer.parseInt(v);
                case "--in-flight" -> inFlight = Integer.parseInt(v);
                case "--rest-in-flight" -> restInFlights = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt)
                        .toArray();
                case "--dispatch-nodes" -> dispatchNodes = Integer.parseInt(v);
                case "--phase" -> phase = v;
                case "--transport", "--transports" -> transports = Arrays.stream(v.split(","))
                        .map(ScaleBench::transportName).toList();
                case "--tunnel-nodes" -> {
                    if (!v.equals("sim") && !v.equals("agent")) {
                        throw new IllegalArgumentException("--tunnel-nodes must be sim or agent");
                    }
                    tunnelNodes = v;
                }
                case "--relay-endpoints" -> {
                    if (!v.equals("per-node-host") && !v.equals("shared-host")) {
                        throw new IllegalArgumentException("--relay-endpoints must be per-node-host or shared-host");
                    }
                    relayPerNodeHost = v.equals("per-node-host");
                }
                case "--relay-threads" -> relayThreads = Integer.parseInt(v);
                case "--max-seconds" -> maxSeconds = Long.parseLong(v);
                case "--gateway-heap" -> gatewayHeap = v;
                case "--work-dir" -> workDir = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + a + " (see the class javadoc)");
            }
            i++;
        }
        if (restInFlights == null) {
            restInFlights = new int[]{inFlight};
        }
        if (!List.of("all", "scale", "dispatch").contains(phase)) {
            throw new IllegalArgumentException("--phase must be all, scale or dispatch");
        }
    }

    private static String transportName(String t) {
        return switch (t.trim()) {
            case "websocket_tunnel", "tunnel" -> "websocket_tunnel";
            case "relay", "http_relay" -> "relay";
            case "webrtc" -> "webrtc";
            default -> throw new IllegalArgumentException("unknown transport " + t
                    + ": use websocket_tunnel, relay or webrtc");
        };
    }

    private int run() throws Exception {
        Files.createDirectories(workDir);
        log("machine: %d cores, %s, java %s; fd limit of this JVM %s", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("java.version"), fdLimit("self"));
        if (phase.equals("all") || phase.equals("scale")) {
            scalePhase();
        }
        if (phase.equals("all") || phase.equals("dispatch")) {
            dispatchPhase();
        }
        printResults();
        if (!failures.isEmpty()) {
            OUT.println("FAILED CHECKS:");
            failures.forEach(f -> OUT.println("  - " + f));
            return 1;
        }
        OUT.println("ALL CHECKS PASSED");
        return 0;
    }

    // ---------------------------------------------------------------------------------------------------- scale

    private void scalePhase() throws Exception {
        checkFdLimit("self", nodes + 256);
        try (GatewayProcess gw = GatewayProcess.start(workDir.resolve("scale"), gatewayHeap, maxSeconds, nodes,
                "websocket_tunnel");
             Clients cl = new Clients(clients)) {
            checkFdLimit(String.valueOf(gw.pid()), nodes + 256);
            result("scale.gateway_fd_limit", fdLimit(String.valueOf(gw.pid())));
            Rest rest = new Rest(gw.url(), TOKEN);
            for (int i = 0; i < 3; i++) {
                rest.get("/webui/api/nodes"); // warm up the route and the JIT a little
            }
            long[] before = gw.heap();
            log("gateway pid %d on port %d; heap before: %s used, %s direct, %d threads", gw.pid(), gw.port,
                    mib(before[0]), mib(before[2]), before[3]);

            SimNode.Stats stats = new SimNode.Stats();
            List<SimNode> sims = new ArrayList<>(nodes);
            for (int i = 0; i < nodes; i++) {
                sims.add(new SimNode(String.format(Locale.ROOT, "sim-%05d", i), stats));
            }
            URI ws = URI.create("ws://127.0.0.1:" + gw.port + "/nodes/connect");
            long t0 = System.nanoTime();
            int connected = connectAll(cl, sims, ws, stats);
            double connectSec = (System.nanoTime() - t0) / 1e9;
            result("scale.nodes", String.valueOf(nodes));
            result("scale.connected", String.valueOf(connected));
            result("scale.connect_all_sec", fmt(connectSec));
            log("connected %d of %d nodes in %.1f s (%d connect failures; first problem: %s)", connected, nodes,
                    connectSec, nodes - connected, stats.firstProblem);
            if (connected < nodes) {
                failures.add((nodes - connected) + " of " + nodes + " nodes failed to connect and register");
            }

            // heartbeats every interval, spread evenly: node i starts at i * interval / N
            ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor(daemon("heartbeats"));
            long periodNanos = TimeUnit.SECONDS.toNanos(heartbeatSec);
            for (int i = 0; i < sims.size(); i++) {
                SimNode s = sims.get(i);
                beats.scheduleAtFixedRate(s::heartbeat, periodNanos * i / sims.size(), periodNanos,
                        TimeUnit.NANOSECONDS);
            }
            try {
                // all online in /webui/api/nodes
                long t1 = System.nanoTime();
                NodesReading reading = null;
                while (System.nanoTime() - t1 < TimeUnit.SECONDS.toNanos(180)) {
                    reading = nodesReading(rest);
                    if (reading.online >= connected) {
                        break;
                    }
                    Thread.sleep(1000);
                }
                result("scale.online_in_api", reading == null ? "?" : String.valueOf(reading.online));
                result("scale.listed_in_api", reading == null ? "?" : String.valueOf(reading.listed));
                if (reading == null || reading.online < nodes) {
                    failures.add("only " + (reading == null ? 0 : reading.online) + " of " + nodes
                            + " nodes online in /webui/api/nodes");
                }
                log("online in /webui/api/nodes: %s of %d", reading == null ? "?" : reading.online, nodes);

                // heap per idle node
                long[] after = gw.heap();
                double perNode = (after[0] - before[0]) / (double) Math.max(1, connected);
                result("scale.heap_before_mib", mib(before[0]));
                result("scale.heap_after_mib", mib(after[0]));
                result("scale.heap_per_node_kib", fmt(perNode / 1024));
                result("scale.direct_after_mib", mib(after[2]));
                result("scale.gateway_threads", String.valueOf(after[3]));
                result("scale.gateway_rss_mib", String.valueOf(rssKib(gw.pid()) / 1024));
                log("heap after: %s used (%.1f KiB per node), %s direct, %d threads, RSS %d MiB", mib(after[0]),
                        perNode / 1024, mib(after[2]), after[3], rssKib(gw.pid()) / 1024);

                // CPU while idle
                Thread.sleep(3000);
                long hbSent0 = stats.heartbeatsSent.get();
                long hbAck0 = stats.heartbeatAcks.get();
                Map<String, Long> threads0 = threadTicks(gw.pid());
                long cpu0 = cpuTicks(String.valueOf(gw.pid()));
                long self0 = cpuTicks("self");
                long w0 = System.nanoTime();
                Thread.sleep(TimeUnit.SECONDS.toMillis(idleSec));
                long cpu1 = cpuTicks(String.valueOf(gw.pid()));
                Map<String, Long> threads1 = threadTicks(gw.pid());
                long self1 = cpuTicks("self");
                double wall = (System.nanoTime() - w0) / 1e9;
                double hz = clockTicks();
                double gwPct = (cpu1 - cpu0) / hz / wall * 100;
                double selfPct = (self1 - self0) / hz / wall * 100;
                long acks = stats.heartbeatAcks.get() - hbAck0;
                long sent = stats.heartbeatsSent.get() - hbSent0;
                result("scale.idle_cpu_pct_one_core", fmt(gwPct));
                result("scale.tool_cpu_pct_one_core", fmt(selfPct));
                result("scale.heartbeats_per_sec", fmt(sent / wall));
                result("scale.heartbeat_acks_per_sec", fmt(acks / wall));
                log("idle %.0f s: gateway CPU %.1f %% of one core (tool %.1f %%); %d heartbeats sent, %d acked",
                        wall, gwPct, selfPct, sent, acks);
                StringBuilder byThread = new StringBuilder();
                threads1.entrySet().stream()
                        .map(e -> Map.entry(e.getKey(), e.getValue() - threads0.getOrDefault(e.getKey(), 0L)))
                        .filter(e -> e.getValue() > 0)
                        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                        .limit(8)
                        .forEach(e -> byThread.append(e.getKey()).append(' ')
                                .append(fmt(e.getValue() / hz / wall * 100)).append("% "));
                result("scale.idle_cpu_by_thread", byThread.toString().trim());
                log("idle CPU by thread group: %s", byThread);

                // GET /webui/api/nodes at N
                long[] lat = new long[5];
                long bytes = 0;
                for (int i = 0; i < lat.length; i++) {
                    long t = System.nanoTime();
                    HttpResponse<String> r = rest.get("/webui/api/nodes");
                    lat[i] = System.nanoTime() - t;
                    bytes = r.body().getBytes(StandardCharsets.UTF_8).length;
                    if (r.statusCode() != 200) {
                        failures.add("GET /webui/api/nodes answered " + r.statusCode());
                    }
                }
                Arrays.sort(lat);
                result("scale.api_nodes_ms_min", fmt(lat[0] / 1e6));
                result("scale.api_nodes_ms_median", fmt(lat[lat.length / 2] / 1e6));
                result("scale.api_nodes_ms_max", fmt(lat[lat.length - 1] / 1e6));
                result("scale.api_nodes_bytes", String.valueOf(bytes));
                log("GET /webui/api/nodes: median %.0f ms (min %.0f, max %.0f), %d bytes", lat[2] / 1e6, lat[0] / 1e6,
                        lat[4] / 1e6, bytes);
                String timings = gw.command("timings");
                String[] t = timings.split(" ");
                if (t[0].equals("TIMINGS")) {
                    result("scale.inproc_status_ms", t[1]);
                    result("scale.inproc_subagent_registry_ms", t[2]);
                    result("scale.inproc_json_encode_ms", t[3]);
                    result("scale.inproc_payload_bytes", t[4]);
                    result("scale.inproc_registry_list_ms", t[7]);
                    result("scale.inproc_payload_sections_bytes", t.length > 9 ? t[9] : "?");
                }
                log("in the gateway JVM: %s", timings);
                long tv = System.nanoTime();
                rest.get("/webui/api/version");
                result("scale.api_version_ms", fmt((System.nanoTime() - tv) / 1e6));
                long tr = System.nanoTime();
                HttpResponse<String> reg = rest.get("/webui/api/subagents_runtime?action=registry");
                result("scale.api_subagents_registry_ms", fmt((System.nanoTime() - tr) / 1e6));
                result("scale.api_subagents_registry_bytes", String.valueOf(reg.body().length()));

                // still all there after the idle period and the API calls
                int closedWhileIdle = stats.closed.get();
                result("scale.connections_dropped", String.valueOf(closedWhileIdle));
                result("scale.error_acks", String.valueOf(stats.errorAcks.get()));
                if (closedWhileIdle > 0) {
                    failures.add(closedWhileIdle + " node connections closed by the gateway during the run");
                }
                NodesReading end = nodesReading(rest);
                result("scale.online_at_end", String.valueOf(end.online));
                if (end.online < connected) {
                    failures.add("only " + end.online + " of " + connected + " online at the end");
                }
            } finally {
                beats.shutdownNow();
                closeAll(sims);
            }
        }
    }

    private int connectAll(Clients cl, List<SimNode> sims, URI ws, SimNode.Stats stats) throws InterruptedException {
        Semaphore window = new Semaphore(connectConcurrency);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        long lastLog = System.nanoTime();
        for (int i = 0; i < sims.size(); i++) {
            if (!window.tryAcquire(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("connecting stalled: no handshake finished within 60 s");
            }
            SimNode s = sims.get(i);
            s.connect(cl.next(), ws, TOKEN, Duration.ofSeconds(30)).whenComplete((x, e) -> {
                if (e == null) {
                    ok.incrementAndGet();
                } else {
                    stats.problem("connect " + s.id + ": " + e);
                }
                done.incrementAndGet();
                window.release();
            });
            if (System.nanoTime() - lastLog > TimeUnit.SECONDS.toNanos(5)) {
                lastLog = System.nanoTime();
                log("  ... %d connect attempts started, %d registered", i + 1, ok.get());
            }
        }
        if (!window.tryAcquire(connectConcurrency, 60, TimeUnit.SECONDS)) {
            log("some handshakes did not finish within 60 s");
        }
        return ok.get();
    }

    private static void closeAll(List<SimNode> sims) throws InterruptedException {
        for (SimNode s : sims) {
            s.close();
        }
        Thread.sleep(1000);
        for (SimNode s : sims) {
            s.abort();
        }
    }

    private record NodesReading(int listed, int online, long bytes) {
    }

    private static NodesReading nodesReading(Rest rest) throws Exception {
        HttpResponse<String> r = rest.get("/webui/api/nodes");
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET /webui/api/nodes answered " + r.statusCode() + ": " + r.body());
        }
        JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
        int listed = 0;
        int online = 0;
        for (JsonElement e : o.getAsJsonArray("nodes")) {
            JsonObject n = e.getAsJsonObject();
            if ("local".equals(n.get("id").getAsString())) {
                continue;
            }
            listed++;
            if (n.has("online") && n.get("online").getAsBoolean()) {
                online++;
            }
        }
        return new NodesReading(listed, online, r.body().length());
    }

    // ------------------------------------------------------------------------------------------------- dispatch

    private void dispatchPhase() throws Exception {
        for (String t : transports) {
            dispatchPhase(t);
        }
    }

    /** The nodes of one dispatch run: simulated ones or real {@code NodeAgent}s. */
    private interface DispatchNodes extends AutoCloseable {
        String[] ids();

        @Override
        void close() throws InterruptedException;
    }

    /**
     * The dispatch load over one transport, on a fresh gateway JVM: {@code websocket_tunnel} (mode {@code p2p},
     * simulated nodes, or real node agents with {@code --tunnel-nodes agent}), {@code relay} (mode {@code relay}:
     * the gateway POSTs to the simulated nodes' registered HTTP endpoints, {@link RelayEcho}) or {@code webrtc}
     * (mode {@code p2p} on a gateway with {@code p2p.transport = webrtc}, real node agents in this JVM; needs the
     * network namespace of clawgo-transport-webrtc/src/test/netns/bin/java, which the gateway JVM inherits).
     */
    private void dispatchPhase(String transport) throws Exception {
        boolean relay = transport.equals("relay");
        boolean webrtc = transport.equals("webrtc");
        String gatewayTransport = webrtc ? "webrtc" : "websocket_tunnel";
        String mode = relay ? "relay" : "p2p";
        String expected = relay ? "http_relay" : transport;
        boolean agents = webrtc || (!relay && tunnelNodes.equals("agent"));
        String tp = "dispatch." + transport + ".";
        if (webrtc) {
            String why = netnsProblem();
            if (why != null) {
                throw new IllegalStateException("the webrtc leg needs real WebRTC peers in a network namespace with a "
                        + "veth pair (libwebrtc ignores loopback): run the tool with "
                        + "clawgo-transport-webrtc/src/test/netns/bin/java instead of java (" + why + ")");
            }
        }
        log("dispatch over %s: mode %s, %d %s nodes, %d dispatches, %d in flight; load average %s", transport, mode,
                dispatchNodes, agents ? "NodeAgent" : "simulated", dispatches, inFlight, loadAverage());
        result(tp + "mode", mode);
        result(tp + "nodes", dispatchNodes + (agents ? " NodeAgent (in-process echo handler)" : " simulated (SimNode)")
                + (relay ? ", endpoints " + (relayPerNodeHost ? "one loopback address each" : "one shared server")
                + ", " + relayThreads + " handler threads" : ""));
        result(tp + "load_average_start", loadAverage());
        SimNode.Stats stats = new SimNode.Stats();
        stats.trackNonces = true;
        List<String> idList = new ArrayList<>();
        for (int i = 0; i < dispatchNodes; i++) {
            idList.add((agents ? "agent-" : "disp-") + i);
        }
        String[] ids = idList.toArray(String[]::new);
        try (GatewayProcess gw = GatewayProcess.start(workDir.resolve("dispatch-" + transport), gatewayHeap,
                maxSeconds, dispatchNodes, gatewayTransport);
             RelayEcho echo = relay ? RelayEcho.start(idList, relayPerNodeHost, relayThreads, stats) : null;
             DispatchNodes nodeSet = agents ? agentNodes(gw, ids, stats) : simNodes(gw, ids, stats, echo)) {
            if (!gatewayTransport.equals(gw.p2pTransport)) {
                throw new IllegalStateException("the gateway's P2P transport is " + gw.p2pTransport + ", not "
                        + gatewayTransport + " (see " + workDir.resolve("dispatch-" + transport).resolve("gateway.log")
                        + ")");
            }
            String nodesArg = String.join(",", ids);
            // in-process Gateway.dispatch first (the transport alone), then the REST route
            stats.nonces.clear();
            inprocDispatch(gw, transport, nodesArg, mode, expected, Math.min(2000, dispatches), tp + "inproc.warmup.",
                    stats, false);
            stats.nonces.clear();
            inprocDispatch(gw, transport, nodesArg, mode, expected, dispatches, tp + "inproc.", stats, true);
            for (int w : restInFlights) {
                restInFlight = w;
                String p = tp + "rest" + (restInFlights.length > 1 ? "_" + w : "") + ".";
                stats.nonces.clear();
                restDispatch(gw, transport, ids, mode, expected, stats, Math.min(2000, dispatches), p + "warmup.",
                        false);
                stats.nonces.clear();
                restDispatch(gw, transport, ids, mode, expected, stats, dispatches, p, true);
            }
            if (!relay) {
                String p2p = gw.command("p2p");
                result(tp + "gateway_p2p", abbreviate(p2p.startsWith("P2P ") ? p2p.substring(4) : p2p, 2000));
            }
            if (echo != null) {
                result(tp + "endpoint_requests", String.valueOf(echo.requests.get()));
                result(tp + "endpoint_connections", String.valueOf(echo.connections.size()));
                result(tp + "endpoint_refused", String.valueOf(echo.refused.get()));
                if (echo.refused.get() > 0) {
                    failures.add(transport + ": the node endpoints refused " + echo.refused.get()
                            + " relayed requests (first: " + echo.firstProblem + ")");
                }
            }
            result(tp + "node_connections_dropped", String.valueOf(stats.closed.get()));
            if (stats.closed.get() > 0) {
                failures.add(transport + ": " + stats.closed.get() + " dispatch node connections were closed");
            }
        }
        result(tp + "load_average_end", loadAverage());
    }

    private DispatchNodes simNodes(GatewayProcess gw, String[] ids, SimNode.Stats stats, RelayEcho echo)
            throws Exception {
        Clients cl = new Clients(1);
        List<SimNode> sims = new ArrayList<>();
        ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor(daemon("heartbeats"));
        DispatchNodes set = new DispatchNodes() {
            @Override
            public String[] ids() {
                return ids;
            }

            @Override
            public void close() throws InterruptedException {
                beats.shutdownNow();
                closeAll(sims);
                cl.close();
            }
        };
        try {
            URI ws = URI.create("ws://127.0.0.1:" + gw.port + "/nodes/connect");
            for (String id : ids) {
                SimNode s = new SimNode(id, stats, echo == null ? null : echo.endpoint(id));
                sims.add(s);
                s.connect(cl.next(), ws, TOKEN, Duration.ofSeconds(30)).get(40, TimeUnit.SECONDS);
            }
            // heartbeats as a real node sends them: tunnel traffic does not count as "heard from" for the TTL
            for (SimNode s : sims) {
                beats.scheduleAtFixedRate(s::heartbeat, heartbeatSec, heartbeatSec, TimeUnit.SECONDS);
            }
            return set;
        } catch (Exception e) {
            set.close();
            throw e;
        }
    }

    /**
     * Real {@link io.clawgo.NodeAgent}s in this JVM with an in-process echo handler (default request pool); they
     * pick up the P2P transport the gateway announces (webrtc from the class path).
     */
    private DispatchNodes agentNodes(GatewayProcess gw, String[] ids, SimNode.Stats stats) throws Exception {
        List<io.clawgo.NodeAgent> agents = new ArrayList<>();
        DispatchNodes set = new DispatchNodes() {
            @Override
            public String[] ids() {
                return ids;
            }

            @Override
            public void close() {
                agents.forEach(io.clawgo.NodeAgent::close);
            }
        };
        try {
            for (String id : ids) {
                io.clawgo.NodeAgent a = io.clawgo.NodeAgent.builder().gateway(gw.url()).token(TOKEN).id(id).name(id)
                        .actions(List.of("run", "invoke", "agent_task"))
                        .heartbeatInterval(Duration.ofSeconds(heartbeatSec))
                        .handler(req -> {
                            Object n = req.args().get("nonce");
                            Map<String, Object> payload = new LinkedHashMap<>();
                            if (n instanceof String nonce) {
                                if (stats.trackNonces) {
                                    stats.nonces.computeIfAbsent(nonce, k -> new AtomicInteger()).incrementAndGet();
                                }
                                payload.put("nonce", nonce);
                            }
                            payload.put("echo_node", id);
                            return io.clawgo.protocol.Response.ok(payload);
                        })
                        .listener(new io.clawgo.NodeAgent.Listener() {
                            @Override
                            public void onDisconnected(String reason) {
                                if (!"node closed".equals(reason)) {
                                    stats.closed.incrementAndGet();
                                    stats.problem("node " + id + " disconnected: " + reason);
                                }
                            }
                        })
                        .build();
                agents.add(a);
                a.start();
                if (!a.awaitConnected(Duration.ofSeconds(30))) {
                    throw new IllegalStateException("node agent " + id + " did not connect within 30 s");
                }
            }
            return set;
        } catch (Exception e) {
            set.close();
            throw e;
        }
    }

    /** {@code count} {@code Gateway.dispatch} calls inside the gateway JVM ({@link ScaleGatewayMain}). */
    private void inprocDispatch(GatewayProcess gw, String transport, String nodesArg, String mode, String expected,
                                int count, String p, SimNode.Stats stats, boolean row) throws Exception {
        Cpu cpu0 = Cpu.start(gw);
        Map<String, Long> threads0 = threadTicks(gw.pid());
        String line = gw.command("dispatch " + count + " " + inFlight + " " + nodesArg + " " + mode + " " + expected);
        Cpu cpu = cpu0.end(gw);
        Map<String, Long> threads1 = threadTicks(gw.pid());
        log("in-process Gateway.dispatch (%s): %s", p, line);
        String[] d = line.split(" ");
        if (!d[0].equals("DISPATCH")) {
            failures.add(p + " " + line);
            return;
        }
        long okN = Long.parseLong(d[1]);
        long failed = Long.parseLong(d[2]);
        long mism = Long.parseLong(d[3]);
        long dup = Long.parseLong(d[4]);
        double wallMs = Double.parseDouble(d[5]);
        long fallbacks = Long.parseLong(d[9]);
        long meanUs = Long.parseLong(d[10]);
        String firstError = d[11];
        long nodeDup = nodeDuplicates(stats);
        long lost = count - okN - failed - mism - dup - fallbacks;
        double throughput = okN / (wallMs / 1000);
        result(p + "count", String.valueOf(count));
        result(p + "in_flight", String.valueOf(inFlight));
        result(p + "throughput_per_sec", fmt(throughput));
        result(p + "p50_us", d[6]);
        result(p + "p99_us", d[7]);
        result(p + "max_us", d[8]);
        result(p + "ok", String.valueOf(okN));
        result(p + "failed", String.valueOf(failed));
        result(p + "lost", String.valueOf(lost));
        result(p + "mismatched", String.valueOf(mism));
        result(p + "duplicated", String.valueOf(dup + nodeDup));
        result(p + "fallbacks", String.valueOf(fallbacks));
        result(p + "first_error", firstError);
        result(p + "mean_us", String.valueOf(meanUs));
        result(p + "mean_in_flight", fmt(throughput * meanUs / 1e6));
        result(p + "cpu_per_dispatch_gateway_tool", cpu.perDispatch(count));
        result(p + "gateway_cpu_by_thread_pct_of_one_core", cpuByThread(threads0, threads1, wallMs / 1000));
        if (row) {
            rows.add(new Row(transport, "Gateway.dispatch (in the gateway JVM)", inFlight, count, throughput,
                    Long.parseLong(d[6]), Long.parseLong(d[7]), meanUs, okN, failed, lost, dup + nodeDup, mism,
                    fallbacks, loadAverage(), cpu));
        }
        if (lost != 0 || failed != 0 || mism != 0 || dup + nodeDup != 0 || fallbacks != 0) {
            failures.add(p + " " + failed + " failed, " + lost + " lost, " + mism + " mismatched, " + (dup + nodeDup)
                    + " duplicated, " + fallbacks + " fell back from " + expected + " (first error: " + firstError
                    + ")");
        }
    }

    private static long nodeDuplicates(SimNode.Stats stats) {
        long dup = 0;
        for (AtomicInteger n : stats.nonces.values()) {
            if (n.get() > 1) {
                dup += n.get() - 1;
            }
        }
        return dup;
    }

    /** {@code count} POSTs of {@code /webui/api/node_dispatches/replay}, {@code --rest-in-flight} at once. */
    private void restDispatch(GatewayProcess gw, String transport, String[] ids, String mode, String expected,
                              SimNode.Stats stats, int count, String p, boolean row) throws Exception {
        ExecutorService exec = Executors.newFixedThreadPool(2, daemon("rest-client"));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(exec)
                .connectTimeout(Duration.ofSeconds(10)).build();
        Semaphore window = new Semaphore(restInFlight);
        ConcurrentHashMap<String, Boolean> answered = new ConcurrentHashMap<>();
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong mism = new AtomicLong();
        AtomicLong dup = new AtomicLong();
        AtomicLong fallbacks = new AtomicLong();
        AtomicLong httpErrors = new AtomicLong();
        long[] lat = new long[count];
        String[] firstError = {"", ""};
        URI uri = URI.create(gw.url() + "/webui/api/node_dispatches/replay");
        Cpu cpu0 = Cpu.start(gw);
        Map<String, Long> threads0 = threadTicks(gw.pid());
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MINUTES.toNanos(10);
        int sent = 0;
        for (int i = 0; i < count; i++) {
            if (!window.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                break;
            }
            sent++;
            String node = ids[i % ids.length];
            String nonce = "r" + i + "-" + Long.toHexString(System.nanoTime());
            String body = "{\"node\":\"" + node + "\",\"action\":\"invoke\",\"mode\":\"" + mode
                    + "\",\"timeout_sec\":30,\"args\":{\"nonce\":\"" + nonce + "\"}}";
            HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(45))
                    .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            int slot = i;
            long t = System.nanoTime();
            http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
                try {
                    lat[slot] = System.nanoTime() - t;
                    if (e != null || r.statusCode() != 200) {
                        httpErrors.incrementAndGet();
                        synchronized (firstError) {
                            if (firstError[1].isEmpty()) {
                                firstError[1] = e != null ? e.toString() : r.statusCode() + " " + r.body();
                            }
                        }
                        return;
                    }
                    JsonObject result = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("result");
                    JsonObject payload = result.has("payload") ? result.getAsJsonObject("payload") : new JsonObject();
                    String used = str(payload, "used_transport");
                    if (!result.get("ok").getAsBoolean()) {
                        failed.incrementAndGet();
                        synchronized (firstError) {
                            if (firstError[0].isEmpty()) {
                                firstError[0] = result.toString();
                            }
                        }
                    } else if (!expected.equals(used) && str(payload, "fallback_from") != null) {
                        fallbacks.incrementAndGet();
                        synchronized (firstError) {
                            if (firstError[0].isEmpty()) {
                                firstError[0] = "fallback from " + str(payload, "fallback_from") + " to " + used;
                            }
                        }
                    } else if (!nonce.equals(str(payload, "nonce")) || !node.equals(str(payload, "echo_node"))
                            || !expected.equals(used)) {
                        mism.incrementAndGet();
                    } else if (answered.putIfAbsent(nonce, Boolean.TRUE) != null) {
                        dup.incrementAndGet();
                    } else {
                        ok.incrementAndGet();
                    }
                } catch (RuntimeException ex) {
                    mism.incrementAndGet();
                } finally {
                    window.release();
                }
            });
        }
        boolean drained = window.tryAcquire(restInFlight, 60, TimeUnit.SECONDS);
        double wall = (System.nanoTime() - start) / 1e9;
        Cpu cpu = cpu0.end(gw);
        Map<String, Long> threads1 = threadTicks(gw.pid());
        if (!gw.process.isAlive()) {
            failures.add(p + " the gateway JVM ended during the run: " + gw.exitStatus() + " (its log: "
                    + gw.log + ")");
            log("the gateway JVM ended during %s: %s", p, gw.exitStatus());
        }
        exec.shutdownNow();
        long[] sorted = Arrays.copyOf(lat, sent);
        Arrays.sort(sorted);
        long nodeDup = nodeDuplicates(stats);
        long lost = count - ok.get() - failed.get() - httpErrors.get() - mism.get() - dup.get() - fallbacks.get();
        double throughput = ok.get() / wall;
        result(p + "count", String.valueOf(count));
        result(p + "sent", String.valueOf(sent));
        result(p + "in_flight", String.valueOf(restInFlight));
        result(p + "throughput_per_sec", fmt(throughput));
        result(p + "p50_us", sent == 0 ? "-" : String.valueOf(sorted[sent / 2] / 1000));
        result(p + "p99_us", sent == 0 ? "-" : String.valueOf(sorted[(int) (sent * 0.99)] / 1000));
        result(p + "max_us", sent == 0 ? "-" : String.valueOf(sorted[sent - 1] / 1000));
        result(p + "ok", String.valueOf(ok.get()));
        result(p + "failed", String.valueOf(failed.get()));
        result(p + "http_errors", String.valueOf(httpErrors.get()));
        result(p + "lost", String.valueOf(lost));
        result(p + "mismatched", String.valueOf(mism.get()));
        result(p + "duplicated", String.valueOf(dup.get() + nodeDup));
        result(p + "fallbacks", String.valueOf(fallbacks.get()));
        result(p + "first_error", firstError[0].isEmpty() ? "-" : abbreviate(firstError[0], 300));
        result(p + "first_http_error", firstError[1].isEmpty() ? "-" : abbreviate(firstError[1], 300));
        result(p + "wall_sec", fmt(wall));
        long meanUs = sent == 0 ? -1 : Arrays.stream(sorted).sum() / sent / 1000;
        result(p + "mean_us", String.valueOf(meanUs));
        result(p + "mean_in_flight", fmt(throughput * meanUs / 1e6));
        result(p + "cpu_per_dispatch_gateway_tool", cpu.perDispatch(count));
        result(p + "gateway_cpu_by_thread_pct_of_one_core", cpuByThread(threads0, threads1, wall));
        log("REST replay (%s): %d ok, %d failed, %d http errors, %d lost, %d mismatched, %d duplicated, %d fallbacks"
                        + " in %.1f s%s", p, ok.get(), failed.get(), httpErrors.get(), lost, mism.get(),
                dup.get() + nodeDup, fallbacks.get(), wall, drained ? "" : " (not drained)");
        if (row) {
            rows.add(new Row(transport, "REST /webui/api/node_dispatches/replay", restInFlight, count, throughput,
                    sent == 0 ? -1 : sorted[sent / 2] / 1000, sent == 0 ? -1 : sorted[(int) (sent * 0.99)] / 1000,
                    meanUs, ok.get(), failed.get() + httpErrors.get(), lost, dup.get() + nodeDup, mism.get(), fallbacks.get(),
                    loadAverage(), cpu));
        }
        if (lost != 0 || failed.get() != 0 || httpErrors.get() != 0 || mism.get() != 0 || dup.get() + nodeDup != 0
                || fallbacks.get() != 0) {
            failures.add(p + " " + failed.get() + " failed, " + httpErrors.get() + " HTTP errors, " + lost + " lost, "
                    + mism.get() + " mismatched, " + (dup.get() + nodeDup) + " duplicated, " + fallbacks.get()
                    + " fell back from " + expected + " (first error: " + abbreviate(firstError[0], 200)
                    + "; first HTTP error: " + abbreviate(firstError[1], 200) + ")");
        }
    }

    /** One measured dispatch run (warm-ups are checked but not tabled). */
    private record Row(String transport, String path, int inFlight, int count, double throughput, long p50us,
                       long p99us, long meanUs, long ok, long failed, long lost, long duplicated, long mismatched, long fallbacks,
                       String loadAverage, Cpu cpu) {
    }

    /** CPU time of the gateway JVM and of this JVM (tool and nodes) over one run. */
    private record Cpu(long gateway0, long self0, long gateway1, long self1) {
        static Cpu start(GatewayProcess gw) {
            return new Cpu(ticks(String.valueOf(gw.pid())), ticks("self"), 0, 0);
        }

        Cpu end(GatewayProcess gw) {
            return new Cpu(gateway0, self0, ticks(String.valueOf(gw.pid())), ticks("self"));
        }

        private static long ticks(String pid) {
            try {
                return cpuTicks(pid);
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }

        /** Microseconds of CPU per dispatch: gateway, tool. */
        String perDispatch(long count) {
            if (gateway0 < 0 || gateway1 < 0 || self0 < 0 || self1 < 0) {
                return "?";
            }
            double hz = TICKS_PER_SECOND;
            return String.format(Locale.ROOT, "%.0f / %.0f µs", (gateway1 - gateway0) / hz * 1e6 / count,
                    (self1 - self0) / hz * 1e6 / count);
        }
    }

    private static final double TICKS_PER_SECOND = clockTicks();

    private void printTable() {
        if (rows.isEmpty()) {
            return;
        }
        OUT.println("DISPATCH TABLE");
        OUT.println("| transport | path | in flight (window) | mean in flight | dispatches | throughput | p50 | p99 "
                + "| ok | failed | lost | duplicated | mismatched | fallbacks | CPU per dispatch, gateway / tool+nodes "
                + "| load average at end |");
        OUT.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (Row r : rows) {
            OUT.printf(Locale.ROOT, "| %s | %s | %d | %.0f | %,d | %,.0f/s | %.1f ms | %.1f ms | %,d | %d | %d | %d | %d "
                            + "| %d | %s | %s |%n", r.transport, r.path, r.inFlight, r.throughput * r.meanUs / 1e6,
                    r.count, r.throughput, r.p50us / 1000.0, r.p99us / 1000.0, r.ok, r.failed, r.lost, r.duplicated,
                    r.mismatched, r.fallbacks, r.cpu.perDispatch(r.count), r.loadAverage);
        }
    }

    /** The busiest thread groups of the gateway between two readings, in % of one core. */
    private static String cpuByThread(Map<String, Long> t0, Map<String, Long> t1, double wallSec) {
        StringBuilder b = new StringBuilder();
        t1.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - t0.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(8)
                .forEach(e -> b.append(b.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                        .append(String.format(Locale.ROOT, "%.0f", e.getValue() / TICKS_PER_SECOND / wallSec * 100)));
        return b.toString();
    }

    /** The 1, 5 and 15 minute load averages of the machine. */
    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** Why this JVM cannot open real WebRTC peers, or {@code null} when it runs in the test network namespace. */
    private static String netnsProblem() {
        String marker = System.getenv("CLAWGO_WEBRTC_NETNS");
        if (marker == null || marker.isBlank()) {
            String skip = System.getenv("CLAWGO_WEBRTC_NETNS_SKIP");
            return skip != null && !skip.isBlank() ? skip : "CLAWGO_WEBRTC_NETNS is not set";
        }
        return null;
    }

    private static String str(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
    }

    // ---------------------------------------------------------------------------------------------------- helpers

    private void result(String key, String value) {
        results.put(key, value);
    }

    private void printResults() {
        OUT.println("RESULTS (elapsed " + fmt((System.nanoTime() - started) / 1e9) + " s)");
        results.forEach((k, v) -> OUT.println("  " + k + " = " + v));
        printTable();
    }

    private void log(String fmt, Object... args) {
        OUT.printf(Locale.ROOT, "[%6.1f s] %s%n", (System.nanoTime() - started) / 1e9, String.format(Locale.ROOT, fmt,
                args));
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, "%.2f", d);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

    static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The soft "Max open files" of a process ({@code self} or a pid). */
    private static String fdLimit(String pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", pid, "limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                    return f[0] + " (hard " + f[1] + ")";
                }
            }
        } catch (IOException e) {
            return "unknown";
        }
        return "unknown";
    }

    private void checkFdLimit(String pid, int needed) {
        String l = fdLimit(pid);
        try {
            long soft = Long.parseLong(l.split(" ")[0]);
            if (soft < needed) {
                throw new IllegalStateException("process " + pid + " may open only " + soft + " files; " + needed
                        + " are needed: raise it with 'ulimit -n " + needed + "' (the JVM lifts its soft limit to the"
                        + " hard one by itself, so the hard limit must be at least that)");
            }
        } catch (NumberFormatException e) {
            // unlimited or unknown
        }
    }

    /** utime + stime of each thread of a process, summed by thread name with digits removed. */
    private static Map<String, Long> threadTicks(long pid) {
        Map<String, Long> out = new java.util.TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "#");
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    out.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended
                }
            }
        } catch (IOException e) {
            // no /proc
        }
        return out;
    }

    /** utime + stime of a process in clock ticks. */
    static long cpuTicks(String pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", pid, "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // after "pid (comm) ": state is f[0]; utime is field 14 of the whole line, i.e. f[11]; stime f[12]
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static long rssKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static double clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            return Double.parseDouble(s);
        } catch (Exception e) {
            return 100;
        }
    }

    /** A few JDK HTTP clients (one selector thread each) sharing a small executor, used round-robin. */
}
