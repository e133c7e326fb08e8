package io.clawgo.it.faults;

import static io.clawgo.it.faults.Faults.TOKEN;
import static io.clawgo.testing.TestHttp.list;
import static io.clawgo.testing.TestHttp.map;
import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.ClawgoException;
import io.clawgo.GatewayClient;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.testing.ChildJvm;
import io.clawgo.testing.TestHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway in a child JVM under a steady load of writes (registrations and updates rewrite {@code nodes-state.json}
 * every 200 ms; every registration and dispatch appends an audit line) is SIGKILLed five times, every other time at a
 * random moment and otherwise while a state write is in progress (its temporary file exists), and started again on the
 * same data directory each time.
 */
class CrashDuringStateWriteTest {
    private static final int KILLS = 5;
    private static final int WORKERS = 4;
    private static final int NEW_NODES_PER_ROUND = 800;
    /**
     * A registration confirmed this long before a kill must be on disk: writes are 200 ms apart, but on a loaded
     * machine (load average 26) one write of a few thousand nodes lagged more than 1 s behind.
     */
    private static final long PERSIST_MARGIN_NANOS = 2_500_000_000L;
    private static final Pattern RESTORED = Pattern.compile("restored (\\d+) node\\(s\\) from");

    @TempDir
    Path dir;

    @Test
    void aGatewayKilledDuringWritesAlwaysStartsAgainWithItsRegistryAndAudits() throws Exception {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        int port = Faults.freePort();
        String url = "http://127.0.0.1:" + port;
        List<String> report = new ArrayList<>();
        int expected = -1; // nodes in the state file the crash left, -1: no file
        int persistedBefore = 0;
        int killedMidWrite = 0;
        for (int round = 1; round <= KILLS + 1; round++) {
            try (ChildJvm gw = Faults.startGateway(port, dir);
                 GatewayClient client = GatewayClient.create(url, TOKEN).withTimeout(Duration.ofSeconds(10))) {
                // what the new process found: exactly the nodes of the state file, no temporary file, both audits
                int restored = restored(gw);
                assertThat(restored).as("round %d restored the nodes of the state file (seed %d)", round, seed)
                        .isEqualTo(Math.max(0, expected));
                assertThat(restored).as("nothing written before was lost").isGreaterThanOrEqualTo(persistedBefore);
                assertThat(DataDir.tempFiles(dir)).as("temporary files of the crash deleted at start").isEmpty();
                Map<String, Object> stats = map(client.getJson("/webui/api/nodes").get("stats"));
                assertThat(((Number) stats.get("nodes_total")).intValue()).isEqualTo(restored);
                DataDir.AuditLines dispatchLines = DataDir.auditLines(dir.resolve(DataDir.DISPATCH_AUDIT));
                assertThat(list(client.getJson("/webui/api/node_dispatches?limit=500").get("items")))
                        .as("the dispatch audit was loaded").hasSize(Math.min(500, dispatchLines.valid()));
                assertThat(gw.stderr()).as("no error at start-up").noneMatch(l -> l.contains(" ERROR ")
                        || l.contains("Exception"));
                if (round == KILLS + 1) {
                    stopCleanly(gw, restored, report);
                    break;
                }
                persistedBefore = restored;

                // the load, then the crash
                Load load = new Load(client, round, seed);
                load.start();
                long killAt;
                boolean midWrite = round % 2 == 0;
                if (midWrite) {
                    Thread.sleep(3000);
                    long end = System.nanoTime() + 5_000_000_000L;
                    while (DataDir.tempFiles(dir).isEmpty() && System.nanoTime() < end) {
                        Thread.sleep(1);
                    }
                } else {
                    Thread.sleep(3000 + rnd.nextInt(1500));
                }
                killAt = System.nanoTime();
                gw.kill();
                load.stop();

                // what the crash left: a whole state file (old or new, never a mix), audits of whole lines
                expected = DataDir.stateEntries(dir);
                List<String> temps = DataDir.tempFiles(dir);
                if (!temps.isEmpty()) {
                    killedMidWrite++;
                }
                int confirmedEarly = load.confirmedBefore(killAt - PERSIST_MARGIN_NANOS);
                assertThat(expected).as("round %d: registrations confirmed 2.5 s before the kill are on disk", round)
                        .isGreaterThanOrEqualTo(persistedBefore + confirmedEarly);
                DataDir.AuditLines nodeAudit = DataDir.auditLines(dir.resolve(DataDir.NODE_AUDIT));
                DataDir.AuditLines dispatchAudit = DataDir.auditLines(dir.resolve(DataDir.DISPATCH_AUDIT));
                assertThat(nodeAudit.invalid()).as("node audit: at most the last line torn").isLessThanOrEqualTo(
                        nodeAudit.tornLast() ? 1 : 0);
                assertThat(dispatchAudit.invalid()).as("dispatch audit: at most the last line torn")
                        .isLessThanOrEqualTo(dispatchAudit.tornLast() ? 1 : 0);
                report.add(String.format("kill %d (%s, after %d ms of load): %d operations ok; state file %d nodes"
                        + " (%d new registrations confirmed, %d of them 2.5 s before the kill), temporary files left:"
                        + " %s; audit lines %d + %d", round, midWrite ? "during a state write" : "at a random moment",
                        (killAt - load.startedAt) / 1_000_000, load.ok.get(), expected, load.registered.size(),
                        confirmedEarly, temps, nodeAudit.valid(), dispatchAudit.valid()));
            }
        }
        report.forEach(System.out::println);
        System.out.printf("crash loop (seed %d): %d kills, %d of them left a temporary state file behind%n", seed,
                KILLS, killedMidWrite);
    }

    /** SIGTERM: the gateway flushes and exits; the state file then holds every node, the audits whole lines. */
    private void stopCleanly(ChildJvm gw, int nodes, List<String> report) throws Exception {
        gw.terminate();
        gw.waitFor(Duration.ofSeconds(20));
        assertThat(gw.stdout()).contains("CLOSED");
        assertThat(DataDir.stateEntries(dir)).isEqualTo(nodes);
        assertThat(DataDir.tempFiles(dir)).isEmpty();
        assertThat(DataDir.auditLines(dir.resolve(DataDir.NODE_AUDIT)).invalid()).isZero();
        assertThat(DataDir.auditLines(dir.resolve(DataDir.DISPATCH_AUDIT)).invalid()).isZero();
        report.add("final start: " + nodes + " nodes restored, closed cleanly");
    }

    private static int restored(ChildJvm gw) {
        for (String line : gw.stderr()) {
            Matcher m = RESTORED.matcher(line);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        return 0;
    }

    /**
     * {@link #WORKERS} threads of REST calls until stopped: registrations of new nodes (then updates of known ones,
     * which rewrite the state file too), heartbeats, and relay dispatches (each one audited, answered at once with
     * {@code endpoint_missing}: the nodes have no endpoint).
     */
    private static final class Load {
        final GatewayClient client;
        final int round;
        final long seed;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger ok = new AtomicInteger();
        final AtomicInteger fresh = new AtomicInteger();
        /** Node id to when its first registration was confirmed (nanoTime). */
        final Map<String, Long> registered = new ConcurrentHashMap<>();
        final List<String> known = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<Thread> threads = new ArrayList<>();
        long startedAt;

        Load(GatewayClient client, int round, long seed) {
            this.client = client;
            this.round = round;
            this.seed = seed;
        }

        void start() {
            startedAt = System.nanoTime();
            for (int w = 0; w < WORKERS; w++) {
                Random r = new Random(seed + round * 100L + w);
                Thread t = new Thread(() -> run(r), "crash-load-" + w);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
        }

        private void run(Random r) {
            int version = 0;
            while (!stop.get()) {
                try {
                    int op = r.nextInt(10);
                    String any = known.isEmpty() ? null : known.get(r.nextInt(known.size()));
                    if (op < 4 || any == null) {
                        int n = fresh.getAndIncrement();
                        String id = n < NEW_NODES_PER_ROUND ? "crash-" + round + "-" + n : any;
                        if (id == null) {
                            continue;
                        }
                        client.register(NodeInfo.builder(id).version("v" + version++).build());
                        if (registered.putIfAbsent(id, System.nanoTime()) == null) {
                            known.add(id);
                        }
                    } else if (op < 7) {
                        client.heartbeat(any);
                    } else {
                        client.postJson("/webui/api/node_dispatches/replay", Map.of("node", any, "action", "run",
                                "mode", "relay", "timeout_sec", 5));
                    }
                    ok.incrementAndGet();
                } catch (ClawgoException e) {
                    if (!stop.get()) {
                        TestHttp.await(Duration.ofMillis(50), stop::get); // the gateway is gone: wait for stop
                    }
                }
            }
        }

        void stop() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(15_000);
                assertThat(t.isAlive()).isFalse();
            }
        }

        int confirmedBefore(long nanos) {
            return (int) registered.values().stream().filter(t -> t < nanos).count();
        }
    }
}
