package io.clawgo.internal.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.config.P2pConfig;
import io.clawgo.testing.RawControlClient;
import io.clawgo.testing.TestHttp;
import io.clawgo.testing.TestHttp.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gateway.max_nodes} on a real gateway: REST, the control socket, and a node agent that waits for a slot. */
class NodeLimitTest {
    private static final String TOKEN = "limit-token";
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;
    Gateway gw;
    String base;

    @BeforeEach
    void start() {
        gw = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir).p2p(P2pConfig.disabled())
                .maxNodes(2).start();
        base = gw.url();
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    private Reply register(String id) throws Exception {
        return TestHttp.post(base + "/nodes/register", TOKEN, "{\"id\":\"" + id + "\"}");
    }

    private static String registerFrame(String id) {
        return "{\"type\":\"register\",\"node\":{\"id\":\"" + id + "\"}}";
    }

    private Reply delete(String id) throws Exception {
        return TestHttp.post(base + "/webui/api/nodes", TOKEN, "{\"action\":\"delete\",\"id\":\"" + id + "\"}");
    }

    @Test
    void restRefusesANewIdWith503AndKnownIdsEvenOfflineRegisterAgain() throws Exception {
        assertThat(gw.config().maxNodes()).isEqualTo(2);
        assertThat(register("a").status()).isEqualTo(200);
        try (RawControlClient b = RawControlClient.connect(base, TOKEN)) {
            assertThat(b.exchange(registerFrame("b"))).containsEntry("ok", true);
        }
        assertThat(TestHttp.await(WAIT, () -> !gw.node("b").get().online())).as("b went offline").isTrue();

        Reply full = register("c");
        assertThat(full.status()).isEqualTo(503);
        assertThat(full.json()).containsEntry("ok", false).containsEntry("code", "too_many_nodes");
        assertThat((String) full.json().get("error")).contains("maximum of 2 nodes").contains("gateway.max_nodes");
        assertThat(gw.node("c")).isEmpty();

        // the offline node still counts, and still registers again
        assertThat(register("b").status()).isEqualTo(200);
        assertThat(gw.node("b").get().online()).isTrue();
        assertThat(register("a").status()).isEqualTo(200);

        // a deleted node frees its slot
        assertThat(delete("a").json()).containsEntry("deleted", true);
        assertThat(register("c").status()).isEqualTo(200);
        assertThat(register("d").status()).isEqualTo(503);
        assertThat(gw.nodes()).extracting(n -> n.id()).containsExactly("b", "c");
    }

    @Test
    void aControlSocketRegisterBeyondTheLimitGetsAnErrorAckAndTheSocketStaysUsable() throws Exception {
        register("a");
        register("b");
        try (RawControlClient c = RawControlClient.connect(base, TOKEN)) {
            Map<String, Object> ack = c.exchange(registerFrame("c"));
            assertThat(ack).containsEntry("ok", false).containsEntry("type", "register").containsEntry("id", "c");
            assertThat((String) ack.get("error")).startsWith("too_many_nodes: ").contains("maximum of 2 nodes");
            assertThat(c.awaitClose(Duration.ofMillis(200))).as("left open, as every refused register").isEqualTo(-2);
            assertThat(gw.node("c")).isEmpty();

            // a known id registers on a control socket even with the registry full
            try (RawControlClient a = RawControlClient.connect(base, TOKEN)) {
                assertThat(a.exchange(registerFrame("a"))).containsEntry("ok", true);
            }

            delete("b");
            assertThat(c.exchange(registerFrame("c"))).containsEntry("ok", true).containsEntry("type", "registered");
            assertThat(gw.node("c").get().online()).isTrue();
        }
    }

    @Test
    void aNodeAgentRefusedForTheLimitRetriesWithItsBackoffAndConnectsOnceASlotIsFree() throws Exception {
        register("a");
        register("b");
        List<String> failures = new CopyOnWriteArrayList<>();
        NodeAgent agent = NodeAgent.builder().gateway(base).token(TOKEN).id("late")
                .heartbeatInterval(Duration.ofSeconds(1))
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(300))
                .listener(new NodeAgent.Listener() {
                    @Override
                    public void onRegistrationFailed(String error) {
                        failures.add(error);
                    }
                }).build();
        try {
            agent.start();
            assertThat(TestHttp.await(WAIT, () -> failures.size() >= 2)).as("refused, then retried").isTrue();
            assertThat(failures.get(0)).contains("503").contains("gateway.max_nodes");
            assertThat(agent.isConnected()).isFalse();

            // not a tight loop: each retry waits at least the minimum backoff of 100 ms
            int before = failures.size();
            Thread.sleep(1000);
            assertThat(failures.size() - before).as("attempts within 1 s").isBetween(1, 11);

            delete("a");
            assertThat(agent.awaitConnected(WAIT)).as("connected once a slot is free").isTrue();
            assertThat(gw.node("late").get().online()).isTrue();
            assertThat(register("a").status()).as("and the registry is full again").isEqualTo(503);
        } finally {
            agent.close();
        }
    }
}
