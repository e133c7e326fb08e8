package io.clawgo.it.e2e;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The seed's end-to-end check on separate network hosts: {@code docs/e2e/seed-e2e.sh} (network namespaces for a
 * gateway host, two node hosts and a NAT router; coturn; the real {@code clawgo} CLI jar), its PASS/FAIL table
 * asserted step by step by {@link E2eScript} (which says when it runs and where the logs go). The script also skips
 * when coturn, iptables or nft, python3, curl or the jar is missing.
 */
class SeedE2eScenarioTest {
    /** Every step of the table, in order: a step that disappears from the script fails this test. */
    private static final List<String> STEPS = List.of("topology", "endpoints-loopback-only", "gateway-tunnel-start",
            "nodes-registered", "registry-branches", "tunnel-dispatch-n1", "tunnel-dispatch-n2", "cli-dispatch",
            "webrtc-restart", "webrtc-dispatch-n1", "webrtc-dispatch-n2", "webrtc-sessions", "nat-stun", "nat-turn",
            "nat-fallback", "gateway-sigkill", "link-cut-dispatch", "link-cut-offline", "link-restore", "cleanup");

    @Test
    void seedScenarioOnSeparateNetworkHosts() throws Exception {
        E2eScript.runAndAssert("seed-e2e.sh", STEPS, 8);
    }
}
