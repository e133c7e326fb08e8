package io.clawgo.examples;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.config.ClusterConfig;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Two embedded gateways that share one fleet through NATS (docs/cluster.md), and a node that knows both: the node
 * connects to the first, a dispatch made at the second reaches it, and the answer says which gateway carried it.
 *
 * <p>Run against a NATS server with JetStream ({@code nats-server -js}, with {@code max_payload} above 8 MiB for large
 * messages): {@code java -cp clawgo.jar io.clawgo.examples.ClusterPair nats://127.0.0.1:4222}. Prints the answer and
 * exits 0.
 */
public final class ClusterPair {
    public static void main(String[] args) throws Exception {
        String nats = args.length > 0 ? args[0] : "nats://127.0.0.1:4222";
        String token = System.getenv().getOrDefault("CLAWGO_GATEWAY_TOKEN", "s3cret-cluster");
        // tag::cluster[]
        ClusterConfig cluster = ClusterConfig.builder()
                .provider("nats")                                    // from io.clawgo:clawgo-cluster-nats
                .servers(List.of(nats))
                .name("example")
                .build();
        Gateway a = Gateway.builder().host("127.0.0.1").port(0).token(token).dataDir(java.nio.file.Path.of("data-a"))
                .transport("websocket_tunnel").cluster(cluster).start();
        Gateway b = Gateway.builder().host("127.0.0.1").port(0).token(token).dataDir(java.nio.file.Path.of("data-b"))
                .transport("websocket_tunnel").cluster(cluster).start();
        NodeAgent node = NodeAgent.builder()
                .gateways(List.of(a.url(), b.url()))                 // tries the next one when a gateway goes away
                .token(token).id("pair-node").actions(List.of("run"))
                .handler(req -> Response.ok(Map.of("result", "ran " + req.task())))
                .build();
        // end::cluster[]
        boolean ok;
        try (a; b; node) {
            node.start();
            Response r = Response.error("node_offline", "the node did not connect");
            if (!node.awaitConnected(Duration.ofSeconds(10))) {
                System.err.println("the node did not connect");
            }
            for (int i = 0; i < 50; i++) { // until gateway b's mirror has the node (a few ms)
                r = b.dispatch(new Request("run", "pair-node", "hello", null, null), DispatchMode.AUTO,
                        Duration.ofSeconds(10)).join();
                if (r.ok()) {
                    break;
                }
                Thread.sleep(100);
            }
            System.out.println("dispatched at " + b.memberId() + ": " + r.payload().get("result") + " (via_gateway "
                    + r.payload().get("via_gateway") + ", node on " + a.memberId() + ")");
            ok = r.ok();
        }
        System.exit(ok ? 0 : 1);
    }

    private ClusterPair() {
    }
}
