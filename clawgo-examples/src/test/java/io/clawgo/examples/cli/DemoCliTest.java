package io.clawgo.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.clawgo.examples.testing.NetNs;
import io.clawgo.testing.ChildJvm;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * {@code clawgo demo --once}: gateway, two nodes and their endpoints in one child JVM, one dispatch per node, a table.
 *
 * <p>The runs that use webrtc happen in a private network namespace ({@link NetNs}), so that ICE never uses the
 * machine's real interfaces: one with only loopback (no webrtc session can open: the clean fallback), one with a veth
 * pair (the webrtc session opens). They skip where no namespace can be made; the run on the host leaves webrtc out.
 */
@Execution(ExecutionMode.CONCURRENT)
class DemoCliTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void withoutWebrtcTheTunnelCarriesTheTaskAndItExits0() throws Exception {
        CliProcess.Result r = CliProcess.run(TIMEOUT, "demo", "--once", "--port", "0", "--no-webrtc");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdoutText()).as(r.toString())
                .containsPattern("clawgo gateway listening on http://127\\.0\\.0\\.1:\\d+ \\(p2p: websocket_tunnel\\)")
                .contains("webrtc: left out (--no-webrtc)")
                .contains("Node registered: demo-tunnel -> http://127.0.0.1:")
                .doesNotContain("demo-webrtc")
                .containsPattern("Web UI: http://127\\.0\\.0\\.1:\\d+/ \\(token for this run: cg_[0-9a-f]{32}\\)");
        assertThat(row(r, "node")).containsExactly("node", "transport", "fallback_from", "latency_ms", "result");
        List<String> tunnel = row(r, "demo-tunnel");
        assertThat(tunnel.get(1)).isEqualTo("websocket_tunnel");
        assertThat(tunnel.get(2)).isEqualTo("-");
        assertThat(tunnel.get(3)).matches("\\d+");
        assertThat(tunnel.get(4)).isEqualTo("agent_task from demo-tunnel");
    }

    @Test
    void onAHostWithOnlyLoopbackWebrtcFallsBackCleanlyAndTheTableSaysSo() throws Exception {
        Optional<List<String>> netns = NetNs.loopbackOnly();
        assumeTrue(netns.isPresent(), NetNs::skipReason);
        CliProcess.Result r;
        try (CliProcess p = CliProcess.start(netns.get(), Map.of(), "demo", "--once", "--port", "0")) {
            r = p.result(TIMEOUT);
        }

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdoutText()).as(r.toString())
                .contains("(p2p: webrtc, falling back to websocket_tunnel)")
                .contains("Node registered: demo-webrtc -> http://127.0.0.1:")
                .contains("Node registered: demo-tunnel -> http://127.0.0.1:")
                .contains("libwebrtc ignores loopback");
        List<String> rtc = row(r, "demo-webrtc");
        assertThat(rtc.subList(1, 3)).as(r.toString()).containsExactly("websocket_tunnel", "webrtc");
        assertThat(rtc.get(4)).isEqualTo("agent_task from demo-webrtc");
        List<String> tunnel = row(r, "demo-tunnel");
        assertThat(tunnel.subList(1, 3)).containsExactly("websocket_tunnel", "webrtc");
        assertThat(tunnel.get(4)).isEqualTo("agent_task from demo-tunnel");
    }

    @Test
    void withANetworkInterfaceOneTaskGoesOverWebrtcAndOneOverTheTunnel() throws Exception {
        Optional<List<String>> netns = NetNs.vethPair();
        assumeTrue(netns.isPresent(), NetNs::skipReason);
        CliProcess.Result r;
        try (CliProcess p = CliProcess.start(netns.get(), Map.of(), "demo", "--once", "--port", "0")) {
            r = p.result(TIMEOUT);
        }

        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<String> rtc = row(r, "demo-webrtc");
        assertThat(rtc.subList(1, 3)).as(r.toString()).containsExactly("webrtc", "-");
        assertThat(rtc.get(4)).isEqualTo("agent_task from demo-webrtc");
        List<String> tunnel = row(r, "demo-tunnel");
        assertThat(tunnel.subList(1, 3)).as(r.toString()).containsExactly("websocket_tunnel", "webrtc");
        assertThat(tunnel.get(4)).isEqualTo("agent_task from demo-tunnel");
        assertThat(r.stdoutText()).contains("demo-tunnel offers no webrtc");
    }

    /** The table row of {@code node}: cells separated by two or more spaces. */
    private static List<String> row(ChildJvm.Result r, String node) {
        return r.stdout().stream().filter(l -> l.startsWith(node + " ")).findFirst()
                .map(l -> List.of(l.split("\\s{2,}")))
                .orElseThrow(() -> new AssertionError("no table row for " + node + "\n" + r));
    }
}
