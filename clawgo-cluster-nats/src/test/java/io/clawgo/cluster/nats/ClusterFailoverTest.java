package io.clawgo.cluster.nats;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.config.ClusterConfig;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.testing.ChildJvm;
import io.clawgo.testing.NatsServer;
import io.clawgo.testing.TestHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway holding 100 nodes is SIGKILLed while dispatches to them, made at a third gateway, are in flight: every
 * dispatch either completed once or failed with a code, none is lost without an answer, none ran twice, and all 100
 * nodes are dispatchable again through the survivor.
 */
class ClusterFailoverTest {
    private static final String TOKEN = "failover-token";
    private static final int NODES = 100;
    private static final Duration WAIT = Duration.ofSeconds(60);
    /**
     * Failures that mean the request never reached the node: refused before anything was sent. (A node that has
     * registered over REST but whose control socket is not up yet answers p2p_unavailable, then endpoint_missing over
     * the relay: these nodes have no endpoint.) gateway_lost, timeout and cluster_unavailable may come after the node
     * ran the request: for them only "not twice" holds.
     */
    private static final Set<String> NOT_RUN = Set.of(ErrorCodes.NODE_OFFLINE, ErrorCodes.NODE_MOVED,
            ErrorCodes.P2P_UNAVAILABLE, ErrorCodes.ENDPOINT_MISSING, ErrorCodes.NODE_NOT_FOUND);

    @TempDir
    Path dir;

    @Test
    void sigkillOfAGatewayWithAHundredNodesLosesNoAnswerAndRunsNothingTwice() throws Exception {
        NatsServer.assumeInstalled();
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        List<NodeAgent> nodes = new ArrayList<>();
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"));
             ChildJvm a = ChildJvm.start(ClusterGatewayMain.class.getName(), Map.of(), nats.url(), TOKEN,
                     dir.resolve("a").toString(), "200", "300");
             ChildJvm b = ChildJvm.start(ClusterGatewayMain.class.getName(), Map.of(), nats.url(), TOKEN,
                     dir.resolve("b").toString(), "200", "300");
             Gateway caller = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir.resolve("c"))
                     .transport("websocket_tunnel")
                     .cluster(ClusterConfig.builder().provider("nats").servers(List.of(nats.url())).name("failover")
                             .options(Map.of("heartbeat_ms", "200")).build())
                     .start()) {
            Matcher ra = a.awaitStdout("^READY (\\S+) (\\S+)$", WAIT);
            Matcher rb = b.awaitStdout("^READY (\\S+) (\\S+)$", WAIT);
            String urlA = ra.group(1);
            String urlB = rb.group(1);
            String memberB = rb.group(2);
            for (int i = 0; i < NODES; i++) {
                NodeAgent n = NodeAgent.builder().gateways(List.of(urlA, urlB)).token(TOKEN).id("fo-" + i)
                        .heartbeatInterval(Duration.ofSeconds(1))
                        .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
                        .actions(List.of("run"))
                        .handler(req -> {
                            runs.computeIfAbsent(req.task(), k -> new AtomicInteger()).incrementAndGet();
                            try {
                                Thread.sleep(200); // long enough to be in flight when the gateway dies
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            return Response.ok(Map.of("result", "done " + req.task()));
                        }).build();
                nodes.add(n);
                n.start();
            }
            for (NodeAgent n : nodes) {
                assertThat(n.awaitConnected(WAIT)).isTrue();
            }
            assertThat(TestHttp.await(WAIT, () -> caller.status().stats().nodesOnline() == NODES))
                    .as(String.valueOf(caller.status().stats())).isTrue();

            // dispatches to every node from the third gateway, in waves, while A is killed
            Map<String, CompletableFuture<Response>> calls = new HashMap<>();
            int seq = 0;
            for (int wave = 0; wave < 6; wave++) {
                for (int i = 0; i < NODES; i++) {
                    String task = "t-" + (seq++);
                    calls.put(task, caller.dispatch(new Request("run", "fo-" + i, task, null, null),
                            DispatchMode.AUTO, Duration.ofSeconds(10)));
                }
                if (wave == 2) {
                    Thread.sleep(100); // let the third wave reach the nodes
                    a.kill();
                }
                Thread.sleep(150);
            }
            int ok = 0;
            Map<String, Integer> failures = new HashMap<>();
            for (Map.Entry<String, CompletableFuture<Response>> e : calls.entrySet()) {
                Response r = e.getValue().get(30, TimeUnit.SECONDS); // every call gets an answer
                AtomicInteger ran = runs.get(e.getKey());
                assertThat(ran == null ? 0 : ran.get()).as("runs of " + e.getKey()).isLessThanOrEqualTo(1);
                if (r.ok()) {
                    ok++;
                    assertThat(ran).as("an ok answer means the node ran " + e.getKey()).isNotNull();
                    assertThat(r.payload().get("result")).isEqualTo("done " + e.getKey());
                } else {
                    assertThat(r.code()).as(r.toString()).isNotBlank().isNotEqualTo("ok");
                    if (NOT_RUN.contains(r.code())) {
                        assertThat(ran).as("%s was refused before it was sent: %s", e.getKey(), r).isNull();
                    }
                    failures.merge(r.code(), 1, Integer::sum);
                }
            }
            System.out.printf("failover: %d dispatches, %d ok, failures %s%n", calls.size(), ok, failures);
            assertThat(ok).as("dispatches made before the kill complete").isGreaterThan(0);

            // all 100 back, on B, and dispatchable from the caller
            for (int i = 0; i < NODES; i++) {
                String id = "fo-" + i;
                assertThat(TestHttp.await(WAIT, () -> {
                    Response r = caller.dispatch(new Request("run", id, "after-" + id, null, null),
                            DispatchMode.AUTO, Duration.ofSeconds(5)).join();
                    return r.ok() && memberB.equals(r.payload().get("via_gateway"));
                })).as(id + " dispatchable through B").isTrue();
            }
        } finally {
            for (NodeAgent n : nodes) {
                n.close();
            }
        }
    }
}
