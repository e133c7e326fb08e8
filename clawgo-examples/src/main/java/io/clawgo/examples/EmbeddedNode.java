package io.clawgo.examples;

import io.clawgo.NodeAgent;
import io.clawgo.protocol.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The node role embedded in an application: registers with a gateway, keeps its control WebSocket open with
 * heartbeats and reconnects, and answers requests with an in-process handler (no HTTP endpoint at all). A
 * {@code dispatch_and_wait} to {@code node.embedded-1.main} on the gateway returns the handler's {@code result}.
 *
 * <p>Run: {@code CLAWGO_GATEWAY_URL=http://127.0.0.1:18790 CLAWGO_GATEWAY_TOKEN=s3cret java -cp clawgo.jar
 * io.clawgo.examples.EmbeddedNode}
 */
public final class EmbeddedNode {
    public static void main(String[] args) throws InterruptedException {
        // tag::node[]
        NodeAgent node = NodeAgent.builder()
                .gateway(System.getenv().getOrDefault("CLAWGO_GATEWAY_URL", "http://127.0.0.1:18790"))
                .token(System.getenv().getOrDefault("CLAWGO_GATEWAY_TOKEN", "s3cret"))
                .id("embedded-1").actions(List.of("agent_task", "run"))
                .handler(request -> Response.ok(Map.of("result", "embedded-1 did: " + request.task())))
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(node::close));
        node.start();                                               // returns at once; reconnects by itself
        // end::node[]
        System.out.println("connected: " + node.awaitConnected(Duration.ofSeconds(10)) + "; Ctrl-C to stop");
        Thread.currentThread().join();
    }

    private EmbeddedNode() {
    }
}
