package io.clawgo.it.scale;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.clawgo.testing.NatsServer;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cluster scale benchmark of issue 17 (a main, not a test): {@code --gateways} gateways (default 3), each a
 * {@link ScaleGatewayMain} JVM of its own, members of one NATS cluster (a real nats-server process), and
 * {@code --nodes} simulated nodes (default 30,000, {@link SimNode}: real WebSocket clients on loopback with a real
 * {@code register} and a heartbeat every {@code --heartbeat-sec}, spread over the interval), node i on gateway
 * i mod G, in node-host child JVMs of 15,000 each (a socket is a file descriptor). It reports, per gateway: the nodes it holds, how long until its fleet view ({@code GET /webui/api/nodes})
 * listed the whole fleet online, the heap used after {@code System.gc()} before and after (per node it holds and per
 * node of the fleet, since every gateway mirrors the whole directory), and the latency of its fleet view (median of
 * 5 calls): the whole fleet at once, the first page of 100 (what the Nodes page loads) and the summary (what the
 * Dashboard loads).
 *
 * <p>Run (see docs/benchmarks.md): {@code java -Xmx6g -cp <it test classpath> io.clawgo.it.scale.ClusterScaleBench
 * [--nodes 30000] [--gateways 3] [--gateway-heap 2g] [--heartbeat-sec 10]}. Bounded: each gateway JVM lives at most
 * {@code --max-seconds} (default 1200), every wait has a limit.
 */
public final class ClusterScaleBench {
    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    /** Simulated nodes per node-host JVM: below the 20,000 file descriptors a process may hold here. */
    private static final int NODES_PER_HOST = 15_000;

    private ClusterScaleBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--host")) {
            host(Integer.parseInt(args[1]), Integer.parseInt(args[2]), args[3].split(","), Integer.parseInt(args[4]));
            return;
        }
        List<String> a = List.of(args);
        int nodes = intArg(a, "--nodes", 30_000);
        int gateways = intArg(a, "--gateways", 3);
        int heartbeatSec = intArg(a, "--heartbeat-sec", 10);
        long maxSeconds = intArg(a, "--max-seconds", 1200);
        String heap = a.contains("--gateway-heap") ? a.get(a.indexOf("--gateway-heap") + 1) : "2g";
        Path dir = Files.createTempDirectory("clawgo-cluster-scale");
        OUT.printf("ClusterScaleBench: %d simulated nodes over %d gateways (heap %s each), one nats-server; %d cores,"
                + " load %s%n", nodes, gateways, heap, Runtime.getRuntime().availableProcessors(), load());
        List<GatewayProcess> gws = new ArrayList<>();
        List<Process> hosts = new ArrayList<>();
        int code = 1;
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"))) {
            for (int g = 0; g < gateways; g++) {
                gws.add(GatewayProcess.start(dir.resolve("gw" + g), heap, maxSeconds, nodes, "websocket_tunnel",
                        List.of(nats.url(), "scale")));
            }
            long[] heapBefore = new long[gateways];
            for (int g = 0; g < gateways; g++) {
                new Rest(gws.get(g).url(), ScaleBench.TOKEN).get("/webui/api/nodes");
                heapBefore[g] = gws.get(g).heap()[0];
            }
            // the simulated nodes live in child JVMs of at most NODES_PER_HOST each: one socket is one file
            // descriptor, and a process may hold 20,000 here
            StringBuilder ports = new StringBuilder();
            for (GatewayProcess gw : gws) {
                ports.append(ports.length() == 0 ? "" : ",").append(gw.port);
            }
            long t0 = System.nanoTime();
            List<java.io.BufferedReader> outs = new ArrayList<>();
            for (int from = 0; from < nodes; from += NODES_PER_HOST) {
                int to = Math.min(nodes, from + NODES_PER_HOST);
                Process h = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx4g", "-cp", System.getProperty("java.class.path"), ClusterScaleBench.class.getName(),
                        "--host", String.valueOf(from), String.valueOf(to), ports.toString(),
                        String.valueOf(heartbeatSec)).redirectError(dir.resolve("host-" + from + ".log").toFile())
                        .start();
                hosts.add(h);
                outs.add(new java.io.BufferedReader(new java.io.InputStreamReader(h.getInputStream(),
                        StandardCharsets.UTF_8)));
            }
            int connected = 0;
            for (java.io.BufferedReader r : outs) {
                String line = r.readLine(); // CONNECTED <ok> <first problem>
                OUT.println("  node host: " + line);
                connected += line != null && line.startsWith("CONNECTED ") ? Integer.parseInt(line.split(" ")[1]) : 0;
            }
            OUT.printf("connected %d of %d in %.1f s%n", connected, nodes, (System.nanoTime() - t0) / 1e9);
            OUT.println("| gateway | holds | whole fleet online in its view (from the first connect) | heap before / after |"
                    + " per node held | per fleet node | fleet view: all " + nodes + " (bytes) | first page of 100 | summary |");
            OUT.println("|---|---|---|---|---|---|---|---|---|");
            boolean all = true;
            for (int g = 0; g < gateways; g++) {
                GatewayProcess gw = gws.get(g);
                Rest rest = new Rest(gw.url(), ScaleBench.TOKEN);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
                int online = 0;
                while (System.nanoTime() < deadline) {
                    online = online(rest.get("/webui/api/nodes?summary=1").body());
                    if (online >= nodes) {
                        break;
                    }
                    Thread.sleep(1000);
                }
                double fleetSec = (System.nanoTime() - t0) / 1e9;
                all &= online >= nodes;
                long after = gw.heap()[0];
                int held = nodes / gateways + (g < nodes % gateways ? 1 : 0);
                long[] full = new long[5];
                long bytes = 0;
                for (int r = 0; r < full.length; r++) {
                    long s = System.nanoTime();
                    HttpResponse<String> resp = rest.get("/webui/api/nodes");
                    full[r] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - s);
                    bytes = resp.body().length();
                }
                Arrays.sort(full);
                String page = median(rest, "/webui/api/nodes?limit=100&offset=0");
                String summary = median(rest, "/webui/api/nodes?summary=1");
                OUT.printf("| gw%d | %d | %s | %d / %d MiB | %.1f KiB | %.1f KiB | %d ms (%d) | %s | %s |%n", g, held,
                        online >= nodes ? String.format(Locale.ROOT, "%.1f s", fleetSec) : "only " + online,
                        heapBefore[g] >> 20, after >> 20, (after - heapBefore[g]) / 1024.0 / held,
                        (after - heapBefore[g]) / 1024.0 / nodes, full[2], bytes, page, summary);
            }
            OUT.printf("load after: %s%n", load());
            code = all && connected == nodes ? 0 : 1;
        } finally {
            for (Process h : hosts) {
                h.destroy();
            }
            for (GatewayProcess gw : gws) {
                gw.close();
            }
        }
        System.exit(code);
    }

    private static int connectAll(Clients cl, List<SimNode> sims, int from, String[] ports, SimNode.Stats stats,
                                  java.util.function.Consumer<SimNode> onRegistered) throws InterruptedException {
        Semaphore window = new Semaphore(256);
        AtomicInteger ok = new AtomicInteger();
        for (int i = 0; i < sims.size(); i++) {
            if (!window.tryAcquire(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("connecting stalled: no handshake finished within 60 s");
            }
            SimNode s = sims.get(i);
            URI ws = URI.create("ws://127.0.0.1:" + ports[(from + i) % ports.length] + "/nodes/connect");
            s.connect(cl.next(), ws, ScaleBench.TOKEN, Duration.ofSeconds(30)).whenComplete((x, e) -> {
                if (e == null) {
                    ok.incrementAndGet();
                    onRegistered.accept(s);
                } else {
                    stats.problem("connect " + s.id + ": " + e);
                }
                window.release();
            });
        }
        window.tryAcquire(256, 120, TimeUnit.SECONDS);
        return ok.get();
    }

    /**
     * A node host: simulated nodes {@code from} to {@code to - 1}, node i on gateway port i mod G, heartbeating every
     * {@code heartbeatSec}; prints {@code CONNECTED <registered> <first problem>} and runs until its input closes.
     */
    private static void host(int from, int to, String[] ports, int heartbeatSec) throws Exception {
        SimNode.Stats stats = new SimNode.Stats();
        List<SimNode> sims = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            sims.add(new SimNode(String.format(Locale.ROOT, "cs-%05d", i), stats));
        }
        ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor(ScaleBench.daemon("beats"));
        long period = TimeUnit.SECONDS.toNanos(heartbeatSec);
        AtomicInteger started = new AtomicInteger();
        try (Clients clients = new Clients(64)) {
            // each node heartbeats from its own registration on: connecting 15,000 takes longer than the gateways'
            // node TTL, and nodes that waited for the last one were rightly taken offline
            int ok = connectAll(clients, sims, from, ports, stats, node -> beats.scheduleAtFixedRate(node::heartbeat,
                    period * (started.getAndIncrement() % 1000) / 1000, period, TimeUnit.NANOSECONDS));
            OUT.println("CONNECTED " + ok + " " + String.valueOf(stats.firstProblem).replace('\n', ' '));
            while (System.in.read() >= 0) {
                // until the parent closes our input or kills us
            }
        } finally {
            beats.shutdownNow();
            for (SimNode s : sims) {
                s.abort();
            }
        }
    }

    /** {@code stats.nodes_online} of a {@code /webui/api/nodes} body (the summary's is the whole fleet's). */
    private static int online(String body) {
        JsonObject o = JsonParser.parseString(body).getAsJsonObject();
        return o.getAsJsonObject("stats").get("nodes_online").getAsInt();
    }

    /** The median of 5 timed GETs of {@code path}, with its size: {@code "12 ms (9876 B)"}. */
    private static String median(Rest rest, String path) throws Exception {
        long[] t = new long[5];
        int size = 0;
        for (int r = 0; r < t.length; r++) {
            long s = System.nanoTime();
            HttpResponse<String> resp = rest.get(path);
            t[r] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - s);
            if (resp.statusCode() != 200) {
                return "HTTP " + resp.statusCode();
            }
            size = resp.body().length();
        }
        Arrays.sort(t);
        return t[2] + " ms (" + size + " B)";
    }

    private static int intArg(List<String> a, String name, int dflt) {
        return a.contains(name) ? Integer.parseInt(a.get(a.indexOf(name) + 1)) : dflt;
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
