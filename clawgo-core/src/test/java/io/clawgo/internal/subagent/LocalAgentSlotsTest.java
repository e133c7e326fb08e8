package io.clawgo.internal.subagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clawgo.Gateway;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.subagent.SpawnRequest;
import io.clawgo.subagent.SubagentTask;
import io.clawgo.testing.TestHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local agent whose handler outlives its task's timeout: the task fails with {@code timeout}, but the handler still
 * runs on its thread, so it keeps its running slot until it returns. Spawning faster than such handlers finish must
 * not pile up threads without end.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalAgentSlotsTest {
    private static final int MAX_RUNNING = 256;

    @TempDir
    Path dataDir;

    private static long agentThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("clawgo-agent-")).count();
    }

    @Test
    void aHandlerThatOutlivesItsTimeoutKeepsItsSlotUntilItReturns() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Gateway gw = Gateway.builder().host("127.0.0.1").port(0).dataDir(dataDir)
                .localAgent("stuck", "Stuck", task -> {
                    // ignores the task's timeout, as a handler blocked in a call without its own timeout would
                    release.await(30, TimeUnit.SECONDS);
                    return "late";
                }).start()) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < MAX_RUNNING; i++) {
                ids.add(gw.subagents().spawn(new SpawnRequest("stuck", "t" + i, null, Duration.ofSeconds(1), 0)).id());
            }
            assertThat(TestHttp.await(Duration.ofSeconds(20), () -> ids.stream().allMatch(id ->
                    gw.subagents().get(id).map(SubagentTask::isDone).orElse(false)))).isTrue();
            assertThat(ids).allSatisfy(id -> assertThat(gw.subagents().get(id).orElseThrow().code())
                    .isEqualTo(ErrorCodes.TIMEOUT));

            // every task has failed, but every handler still runs: no slot is free, and no new thread is started
            assertThatThrownBy(() -> gw.subagents().spawn(new SpawnRequest("stuck", "one more", null,
                    Duration.ofSeconds(1), 0))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("too many running tasks");
            assertThat(agentThreads()).isLessThanOrEqualTo(MAX_RUNNING);

            release.countDown();
            SubagentTask[] accepted = new SubagentTask[1];
            assertThat(TestHttp.await(Duration.ofSeconds(20), () -> {
                try {
                    accepted[0] = gw.subagents().spawn(new SpawnRequest("stuck", "after", null,
                            Duration.ofSeconds(5), 0));
                    return true;
                } catch (IllegalStateException stillFull) {
                    return false;
                }
            })).as("a slot is free once a handler returned").isTrue();
            assertThat(TestHttp.await(Duration.ofSeconds(10), () -> gw.subagents().get(accepted[0].id())
                    .map(t -> SubagentTask.COMPLETED.equals(t.status())).orElse(false))).isTrue();
            assertThat(gw.subagents().get(accepted[0].id()).orElseThrow().result()).isEqualTo("late");
        }
    }
}
