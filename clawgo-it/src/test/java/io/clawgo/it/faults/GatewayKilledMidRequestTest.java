package io.clawgo.it.faults;

import static io.clawgo.it.faults.Faults.TOKEN;
import static io.clawgo.testing.TestHttp.list;
import static io.clawgo.testing.TestHttp.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.clawgo.ClawgoException;
import io.clawgo.GatewayClient;
import io.clawgo.NodeAgent;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Response;
import io.clawgo.testing.ChildJvm;
import io.clawgo.testing.TestHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway process is SIGKILLed while a REST caller waits for a node's answer, then a new gateway process starts on
 * the same port with the same data directory. The node is a {@link NodeAgent} in the test JVM with its default
 * reconnect backoff (jittered, 0.5 s .. 30 s).
 */
class GatewayKilledMidRequestTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger lateAnswers = new AtomicInteger();
    final List<Long> connectedAt = new CopyOnWriteArrayList<>();
    final List<String> disconnects = new CopyOnWriteArrayList<>();
    final List<String> refusals = new CopyOnWriteArrayList<>();

    private Response handle(io.clawgo.protocol.Request req) throws InterruptedException {
        if ("slow".equals(req.action())) {
            entered.countDown();
            release.await(30, TimeUnit.SECONDS);
            lateAnswers.incrementAndGet();
            return Response.ok(Map.of("result", "late answer"));
        }
        return Response.ok(Map.of("result", req.action() + " done"));
    }

    @Test
    void theCallerFailsCleanlyAndTheNodeComesBackToTheRestartedGatewayThatRemembersIt() throws Exception {
        int port = Faults.freePort();
        String url = "http://127.0.0.1:" + port;
        Path state = dir.resolve("nodes-state.json");
        try (ChildJvm first = Faults.startGateway(port, dir);
             GatewayClient client = GatewayClient.create(url, TOKEN).withTimeout(Duration.ofSeconds(90));
             NodeAgent node = NodeAgent.builder().gateway(url).token(TOKEN).id("phoenix").handler(this::handle)
                     .listener(new NodeAgent.Listener() {
                         @Override
                         public void onConnected() {
                             connectedAt.add(System.nanoTime());
                         }

                         @Override
                         public void onDisconnected(String reason) {
                             disconnects.add(reason);
                         }

                         @Override
                         public void onRegistrationFailed(String error) {
                             refusals.add(error);
                         }
                     }).build()) {
            node.start();
            assertThat(node.awaitConnected(Duration.ofSeconds(10))).isTrue();
            Object registeredAt = Faults.node(client, "phoenix").orElseThrow().get("registered_at");
            assertThat(TestHttp.await(Duration.ofSeconds(5), () -> contains(state, "\"phoenix\"")))
                    .as("the registry was persisted").isTrue();

            CompletableFuture<Map<String, Object>> rest = CompletableFuture.supplyAsync(() -> client.postJson(
                    "/webui/api/node_dispatches/replay", Map.of("node", "phoenix", "action", "slow", "mode", "p2p",
                            "timeout_sec", DEADLINE.toSeconds())));
            assertThat(entered.await(10, TimeUnit.SECONDS)).as("the request reached the node").isTrue();

            long killedAt = System.nanoTime();
            first.kill();

            // the REST caller: a ClawgoException with a code, not a hang until the 60 s deadline
            ExecutionException failed = catchThrowableOfType(ExecutionException.class,
                    () -> rest.get(20, TimeUnit.SECONDS));
            long restMs = Faults.millisSince(killedAt);
            assertThat(failed).as("the REST call failed").isNotNull();
            assertThat(failed.getCause()).isInstanceOf(ClawgoException.class);
            ClawgoException e = (ClawgoException) failed.getCause();
            assertThat(e.code()).isEqualTo(ErrorCodes.TRANSPORT_ERROR);
            assertThat(e.getMessage()).startsWith("gateway " + url + " unreachable: ");

            // the node notices at once (the kernel closed the socket) and starts retrying
            assertThat(TestHttp.await(Duration.ofSeconds(10), () -> !disconnects.isEmpty())).isTrue();
            long noticedMs = Faults.millisSince(killedAt);
            assertThat(node.isConnected()).isFalse();

            long restartAt;
            try (ChildJvm second = Faults.startGateway(port, dir)) {
                restartAt = System.nanoTime();
                // the new process loaded the registry from the data directory before it listened
                assertThat(second.stderr()).anySatisfy(l -> assertThat(l).contains("restored 1 node(s) from"));

                // the node reconnects by itself
                assertThat(TestHttp.await(Duration.ofSeconds(30), () -> connectedAt.size() == 2))
                        .as("reconnected to the restarted gateway").isTrue();
                long reconnectMs = (connectedAt.get(1) - restartAt) / 1_000_000;
                assertThat(node.awaitConnected(Duration.ofSeconds(5))).isTrue();
                Map<String, Object> row = Faults.node(client, "phoenix").orElseThrow();
                assertThat(row).containsEntry("online", true);
                // the same record as before the crash: registered_at came from the state file, not a new registration
                assertThat(row.get("registered_at")).isEqualTo(registeredAt);

                // the handler of the killed request finishes now: its answer has no request to go to
                release.countDown();
                assertThat(TestHttp.await(Duration.ofSeconds(5), () -> lateAnswers.get() == 1)).isTrue();

                // a new dispatch completes, over the tunnel of the new connection
                Map<String, Object> again = map(client.postJson("/webui/api/node_dispatches/replay",
                        Map.of("node", "phoenix", "action", "run", "mode", "p2p", "timeout_sec", 20)).get("result"));
                assertThat(again).containsEntry("ok", true).containsEntry("node", "phoenix");
                assertThat(map(again.get("payload"))).containsEntry("result", "run done")
                        .containsEntry("used_transport", "websocket_tunnel");

                // nothing broke on either side: one disconnect (the crash), no refusal, the new gateway alive and
                // its dispatch audit holding the one dispatch it ran
                assertThat(second.isAlive()).isTrue();
                assertThat(disconnects).hasSize(1);
                assertThat(refusals).isEmpty();
                assertThat(connectedAt).hasSize(2);
                assertThat(list(client.getJson("/webui/api/node_dispatches").get("items")))
                        .singleElement().satisfies(d -> assertThat(d).containsEntry("action", "run")
                                .containsEntry("ok", true));
                assertThat(second.stderr()).noneSatisfy(l -> assertThat(l).contains("Exception"));
                System.out.printf("gateway killed mid-request: REST caller failed after %d ms, node noticed after"
                        + " <= %d ms, reconnected %d ms after the new gateway listened%n", restMs, noticedMs,
                        reconnectMs);
                assertThat(restMs).isLessThan(DEADLINE.toMillis() / 4);
            }
        }
    }

    private static boolean contains(Path file, String text) {
        try {
            return Files.exists(file) && Files.readString(file).contains(text);
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
