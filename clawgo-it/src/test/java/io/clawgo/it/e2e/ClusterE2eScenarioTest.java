package io.clawgo.it.e2e;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The cluster end-to-end check on separate network hosts: {@code docs/e2e/cluster-e2e.sh} (two gateway hosts in one
 * NATS cluster, nats-server on a third host, two node hosts; the real {@code clawgo} CLI jar and a real nats-server),
 * its PASS/FAIL table asserted step by step by {@link E2eScript} (which says when it runs and where the logs go): a
 * dispatch made at one gateway reaches the other gateway's node over webrtc, and after one gateway host's link is
 * cut its node moves to the other gateway by itself and the seed's dispatch completes there. The script also skips
 * when nats-server (Debian package nats-server), python3, curl or the jar is missing.
 */
class ClusterE2eScenarioTest {
    /** Every step of the table, in order: a step that disappears from the script fails this test. */
    private static final List<String> STEPS = List.of("topology", "endpoints-loopback-only", "nats-start",
            "gateways-start", "nodes-registered", "fleet-view", "cross-dispatch-n1", "cross-dispatch-n2",
            "link-cut-move", "dispatch-after-cut", "cleanup");

    @Test
    void clusterScenarioOnSeparateNetworkHosts() throws Exception {
        E2eScript.runAndAssert("cluster-e2e.sh", STEPS, 6);
    }
}
