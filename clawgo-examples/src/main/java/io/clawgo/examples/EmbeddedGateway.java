package io.clawgo.examples;

import io.clawgo.Gateway;

/**
 * The gateway role embedded in an application: one port for the REST API, the web UI and the node WebSocket, plus a
 * local agent that {@code dispatch_and_wait} can address as {@code echo} (nodes appear as {@code node.<id>.main}).
 *
 * <p>Run: {@code CLAWGO_GATEWAY_TOKEN=s3cret java -cp clawgo.jar io.clawgo.examples.EmbeddedGateway}
 */
public final class EmbeddedGateway {
    public static void main(String[] args) throws InterruptedException {
        Gateway gateway = Gateway.builder()
                .host("127.0.0.1").port(18790)
                .token(System.getenv().getOrDefault("CLAWGO_GATEWAY_TOKEN", "s3cret"))
                .transport("websocket_tunnel")                       // from io.clawgo:clawgo-transport-ws
                .localAgent("echo", "Echo agent", task -> "echo: " + task.task())
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::close));
        System.out.println("gateway on " + gateway.url() + "; Ctrl-C to stop");
        Thread.currentThread().join();
    }

    private EmbeddedGateway() {
    }
}
