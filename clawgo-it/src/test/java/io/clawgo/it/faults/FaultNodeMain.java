package io.clawgo.it.faults;

import io.clawgo.NodeAgent;
import io.clawgo.protocol.Response;
import io.clawgo.testing.ChildJvm;
import io.clawgo.testing.SeedEndpoint;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A node in a child JVM, for the tests that kill a node: a {@link NodeAgent} (websocket_tunnel, the transport on the
 * class path) with an in-process handler, plus an HTTP endpoint in the same process for the gateway's relay. Action
 * {@code slow} prints {@code SLOW} and blocks for 30 s; any other action answers at once. Prints
 * {@code READY <endpoint-url>} once it is connected and registered.
 *
 * <p>Arguments: {@code <gateway-url> <token> <node-id> <max-lifetime-seconds>}; it halts by itself after the lifetime.
 */
public final class FaultNodeMain {
    private FaultNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        ChildJvm.haltAfter(Duration.ofSeconds(Long.parseLong(args[3])));
        String id = args[2];
        SeedEndpoint endpoint = SeedEndpoint.start(id);
        NodeAgent node = NodeAgent.builder().gateway(args[0]).token(args[1]).id(id).endpoint(endpoint.url())
                .actions(List.of("run", "slow"))
                .handler(req -> {
                    if ("slow".equals(req.action())) {
                        System.out.println("SLOW");
                        Thread.sleep(30_000);
                        return Response.ok(Map.of("result", "slow done"));
                    }
                    return Response.ok(Map.of("result", req.action() + " in process " + ProcessHandle.current().pid()));
                })
                .build();
        node.start();
        if (!node.awaitConnected(Duration.ofSeconds(20))) {
            System.out.println("NOT CONNECTED");
            System.exit(1);
        }
        System.out.println("READY " + endpoint.url());
        Thread.sleep(Long.MAX_VALUE);
    }
}
