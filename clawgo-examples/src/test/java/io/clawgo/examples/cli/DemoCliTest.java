package io.clawgo.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code clawgo demo --once}: gateway, node and endpoint in one child JVM, one tunnelled dispatch. */
class DemoCliTest {

    @Test
    void demoOnceCompletesOverTheTunnelAndExits0() throws Exception {
        CliProcess.Result r = CliProcess.run(Duration.ofSeconds(45), "demo", "--once", "--port", "0");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdoutText()).as(r.toString())
                .containsPattern("clawgo gateway listening on http://127\\.0\\.0\\.1:\\d+ \\(p2p: websocket_tunnel\\)")
                .contains("Node registered: demo -> http://127.0.0.1:")
                .contains("\"status\": \"completed\"")
                .contains("\"result\": \"agent_task from demo\"")
                .contains("\"used_transport\": \"websocket_tunnel\"")
                .containsPattern("Web UI: http://127\\.0\\.0\\.1:\\d+/ \\(token for this run: cg_[0-9a-f]{32}\\)");
    }
}
