package io.clawgo.it.scale;

import com.google.gson.JsonElement;
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
 * i mod G. It reports, per gateway: the nodes it holds, how long until its fleet view ({@code GET /webui/api/nodes})
 * listed the whole fleet online, the heap used after {@code System.gc()} before and after (per node it holds and per
 * node of the fleet, since every gateway mirrors the whole directory), and the latency of its fleet view (median of
 * 5 calls, whole fleet; and the first page of 100 when the gateway pages, else "-").
 *
 * <p>Run (see docs/benchmarks.md): {@code java -Xmx6g -cp <it test classpath> io.clawgo.it.scale.ClusterScaleBench
 * [--nodes 30000] [--gateways 3] [--gateway-heap 2g] [--heartbeat-sec 10]}. Bounded: each gateway JVM lives at most
 * {@code --max-seconds} (default 1200), every wait has a limit.
 */
public final class ClusterScaleBench {
    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    private ClusterScaleBench() {
    }

    public static void main(String[] args) throws Exception {
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
        List<SimNode> sims = new ArrayList<>(nodes);
        ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor(ScaleBench.daemon("beats"));
        int code = 1;
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"));
             Clients clients = new Clients(64)) {
            for (int g = 0; g < gateways; g++) {
                gws.add(GatewayProcess.start(dir.resolve("gw" + g), heap, maxSeconds, nodes, "websocket_tunnel",
                        List.of(nats.url(), "scale")));
            }
            long[] heapBefore = new long[gateways];
            for (int g = 0; g < gateways; g++) {
                new Rest(gws.get(g).url(), ScaleBench.TOKEN).get("/webui/api/nodes");
                heapBefore[g] = gws.get(g).heap()[0];
            }
            SimNode.Stats stats = new SimNode.Stats();
            for (int i = 0; i < nodes; i++) {
                sims.add(new SimNode(String.format(Locale.ROOT, "cs-%05d", i), stats));
            }
            long t0 = System.nanoTime();
            int connected = connectAll(clients, sims, gws, stats);
            OUT.printf("connected %d of %d in %.1f s (first problem: %s)%n", connected, nodes,
                    (System.nanoTime() - t0) / 1e9, stats.firstProblem);
            long period = TimeUnit.SECONDS.toNanos(heartbeatSec);
            for (int i = 0; i < sims.size(); i++) {
                beats.scheduleAtFixedRate(sims.get(i)::heartbeat, period * i / sims.size(), period,
                        TimeUnit.NANOSECONDS);
            }
            OUT.println("| gateway | holds | whole fleet online in its view (from the first connect) | heap before / after |"
                    + " per node held | per fleet node | fleet view: all " + nodes + " (bytes) | first page of 100 |");
            OUT.println("|---|---|---|---|---|---|---|---|");
            boolean all = true;
            for (int g = 0; g < gateways; g++) {
                GatewayProcess gw = gws.get(g);
                Rest rest = new Rest(gw.url(), ScaleBench.TOKEN);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
                int online = 0;
                while (System.nanoTime() < deadline) {
                    online = online(rest.get("/webui/api/nodes").body());
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
                String page = "-";
                HttpResponse<String> probe = rest.get("/webui/api/nodes?limit=100&offset=0");
                if (probe.statusCode() == 200 && probe.body().length() < bytes / 10) {
                    long[] paged = new long[5];
                    for (int r = 0; r < paged.length; r++) {
                        long s = System.nanoTime();
                        rest.get("/webui/api/nodes?limit=100&offset=0");
                        paged[r] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - s);
                    }
                    Arrays.sort(paged);
                    page = paged[2] + " ms";
                }
                OUT.printf("| gw%d | %d | %s | %d / %d MiB | %.1f KiB | %.1f KiB | %d ms (%d) | %s |%n", g, held,
                        online >= nodes ? String.format(Locale.ROOT, "%.1f s", fleetSec) : "only " + online,
                        heapBefore[g] >> 20, after >> 20, (after - heapBefore[g]) / 1024.0 / held,
                        (after - heapBefore[g]) / 1024.0 / nodes, full[2], bytes, page);
            }
            OUT.printf("load after: %s%n", load());
            code = all && connected == nodes ? 0 : 1;
        } finally {
            beats.shutdownNow();
            for (SimNode s : sims) {
                s.abort();
            }
            for (GatewayProcess gw : gws) {
                gw.close();
            }
        }
        System.exit(code);
    }

    private static int connectAll(Clients cl, List<SimNode> sims, List<GatewayProcess> gws, SimNode.Stats stats)
            throws InterruptedException {
        Semaphore window = new Semaphore(256);
        AtomicInteger ok = new AtomicInteger();
        for (int i = 0; i < sims.size(); i++) {
            if (!window.tryAcquire(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("connecting stalled: no handshake finished within 60 s");
            }
            SimNode s = sims.get(i);
            URI ws = URI.create("ws://127.0.0.1:" + gws.get(i % gws.size()).port + "/nodes/connect");
            s.connect(cl.next(), ws, ScaleBench.TOKEN, Duration.ofSeconds(30)).whenComplete((x, e) -> {
                if (e == null) {
                    ok.incrementAndGet();
                } else {
                    stats.problem("connect " + s.id + ": " + e);
                }
                window.release();
            });
        }
        window.tryAcquire(256, 120, TimeUnit.SECONDS);
        return ok.get();
    }

    /** Nodes listed online in a {@code /webui/api/nodes} body, the gateway's own {@code local} entry aside. */
    private static int online(String body) {
        JsonObject o = JsonParser.parseString(body).getAsJsonObject();
        int online = 0;
        for (JsonElement e : o.getAsJsonArray("nodes")) {
            JsonObject n = e.getAsJsonObject();
            if (!"local".equals(n.get("id").getAsString()) && n.has("online") && n.get("online").getAsBoolean()) {
                online++;
            }
        }
        return online;
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
