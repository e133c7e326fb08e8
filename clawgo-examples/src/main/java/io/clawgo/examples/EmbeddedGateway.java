package io.clawgo.examples;

import io.clawgo.Gateway;
import io.clawgo.GatewayClient;
import java.util.List;

/**
 * The gateway role embedded in an application: one port for the REST API, the web UI and the node WebSocket, plus a
 * local agent that {@code dispatch_and_wait} can address as {@code echo}, next to one {@code node.<id>.main} branch per
 * registered node.
 *
 * <p>Run: {@code CLAWGO_GATEWAY_TOKEN=s3cret java -cp clawgo.jar io.clawgo.examples.EmbeddedGateway [--port N]
 * [--once]}. {@code --once} starts on a free port, prints {@code GET /webui/api/version} and exits 0 (the check that
 * the sample project in the tests runs against the installed artifacts).
 */
public final class EmbeddedGateway {
    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        boolean once = a.contains("--once");
        int port = a.contains("--port") ? Integer.parseInt(a.get(a.indexOf("--port") + 1)) : once ? 0 : 18790;
        String token = System.getenv().getOrDefault("CLAWGO_GATEWAY_TOKEN", "s3cret");
        // tag::gateway[]
        Gateway gateway = Gateway.builder()
                .host("127.0.0.1").port(port)
                .token(token)
                .transport("websocket_tunnel")                       // from io.clawgo:clawgo-transport-ws
                .localAgent("echo", "Echo agent", task -> "echo: " + task.task())
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::close));
        // end::gateway[]
        System.out.println("gateway on " + gateway.url() + "; Ctrl-C to stop");
        if (once) {
            try (gateway; GatewayClient client = GatewayClient.create(gateway.url(), token)) {
                System.out.println("version: " + client.getJson("/webui/api/version"));
            }
            return;
        }
        Thread.currentThread().join();
    }

    private EmbeddedGateway() {
    }
}
