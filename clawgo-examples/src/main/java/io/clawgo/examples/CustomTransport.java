package io.clawgo.examples;

import io.clawgo.Gateway;
import io.clawgo.GatewayStatus;
import io.clawgo.NodeAgent;
import io.clawgo.protocol.Response;
import io.clawgo.subagent.DispatchResult;
import io.clawgo.subagent.SpawnRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A gateway and a node that talk over {@code tcp_example}, the third transport of this module
 * ({@link io.clawgo.examples.transport.TcpExampleProvider}, written against the public SPI only and found through its
 * {@code META-INF/services} entry): one {@code dispatch_and_wait}, then the {@code p2p} section of
 * {@code /webui/api/nodes}, then exit 0 (1 when the dispatch did not complete over {@code tcp_example}).
 *
 * <p>Run: {@code java -cp clawgo.jar io.clawgo.examples.CustomTransport}
 */
public final class CustomTransport {
    public static void main(String[] args) throws Exception {
        System.exit(run() ? 0 : 1);
    }

    /** Runs the example in this JVM, printing what happens; {@code true} when the task went over tcp_example. */
    static boolean run() throws Exception {
        Path dataDir = Files.createTempDirectory("clawgo-custom-transport-");
        try {
            return run(dataDir);
        } finally {
            try (var files = Files.walk(dataDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static boolean run(Path dataDir) {
        // tag::custom-transport[]
        try (Gateway gateway = Gateway.builder()
                     .host("127.0.0.1").port(0).token("s3cret").dataDir(dataDir)
                     .transport("tcp_example")                     // gateway.nodes.p2p.transport
                     .start();
             NodeAgent node = NodeAgent.builder()
                     .gateway(gateway.url()).token("s3cret")
                     .id("tcp-node").actions(List.of("agent_task"))
                     .handler(request -> Response.ok(Map.of("result", "tcp-node did: " + request.task())))
                     .build()) {
            node.start();
            node.awaitConnected(Duration.ofSeconds(10));
            DispatchResult r = gateway.subagents().dispatchAndWait(
                    SpawnRequest.of("node.tcp-node.main", "hello"), Duration.ofSeconds(30));
            System.out.println("reply: " + r.reply().status() + " over " + r.reply().usedTransport()
                    + ": " + r.reply().result());
            GatewayStatus.P2p p2p = gateway.status().p2p();     // as "p2p" of GET /webui/api/nodes
            System.out.println("p2p: transport " + p2p.transport() + ", active_sessions "
                    + p2p.activeSessions() + ", sessions " + p2p.sessions().stream()
                            .map(x -> x.node() + " " + x.status()).toList());
            return "completed".equals(r.reply().status()) && "tcp_example".equals(r.reply().usedTransport());
        }
        // end::custom-transport[]
    }

    private CustomTransport() {
    }
}
