package io.clawgo.cluster.nats;

import io.clawgo.Gateway;
import io.clawgo.config.ClusterConfig;
import io.clawgo.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A gateway of a NATS cluster in a JVM of its own, for tests that SIGKILL it: {@code <nats url> <token> <data dir>
 * <heartbeat ms> <lifetime sec>}. Prints {@code READY <url> <member id>} and runs until killed (or halts after its
 * lifetime, so a forgotten child cannot outlive the test run).
 */
public final class ClusterGatewayMain {
    private ClusterGatewayMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        ChildJvm.haltAfter(Duration.ofSeconds(Long.parseLong(args[4])));
        Gateway gw = Gateway.builder().host("127.0.0.1").port(0).token(args[1]).dataDir(Path.of(args[2]))
                .transport("websocket_tunnel")
                .cluster(ClusterConfig.builder().provider("nats").servers(List.of(args[0])).name("failover")
                        .options(Map.of("heartbeat_ms", args[3])).build())
                .start();
        System.out.println("READY " + gw.url() + " " + gw.memberId());
        Thread.currentThread().join();
    }
}
