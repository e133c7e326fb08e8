package io.clawgo.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.clawgo.NodeAgent;
import io.clawgo.protocol.WireCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A node that forwards every request to a local HTTP endpoint, like {@code clawgo node register --endpoint URL
 * --watch}: {@code agent_task} becomes {@code POST <endpoint>/agent/task}, {@code run} {@code POST <endpoint>/run},
 * anything else {@code POST <endpoint>/invoke}, with the request JSON as body and the node token as Bearer; the
 * endpoint answers with a {@code Response} JSON. The endpoint may listen on 127.0.0.1 only: the node calls it, and the
 * gateway reaches the node through its WebSocket.
 *
 * <p>Run: {@code CLAWGO_GATEWAY_URL=http://127.0.0.1:18790 CLAWGO_GATEWAY_TOKEN=s3cret java -cp clawgo.jar
 * io.clawgo.examples.ForwardingNode [ENDPOINT_URL]}. Without an endpoint URL it starts a tiny one itself (the JDK's
 * HTTP server on a free port of 127.0.0.1) that answers {@code "<action> handled by <path>: <task>"}.
 */
public final class ForwardingNode {
    public static void main(String[] args) throws Exception {
        String endpoint = args.length > 0 ? args[0] : LocalEndpoint.start();
        // tag::forwarding-node[]
        NodeAgent node = NodeAgent.builder()
                .gateway(System.getenv().getOrDefault("CLAWGO_GATEWAY_URL", "http://127.0.0.1:18790"))
                .token(System.getenv().getOrDefault("CLAWGO_GATEWAY_TOKEN", "s3cret"))
                .id("forwarding-1").actions(List.of("agent_task", "run"))
                .endpoint(endpoint)                                 // e.g. http://127.0.0.1:19081
                .nodeToken(System.getenv("CLAWGO_NODE_TOKEN"))      // Bearer for the endpoint; optional
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(node::close));
        node.start();
        // end::forwarding-node[]
        System.out.println("forwarding to " + endpoint + "; connected: " + node.awaitConnected(Duration.ofSeconds(10))
                + "; Ctrl-C to stop");
        Thread.currentThread().join();
    }

    private ForwardingNode() {
    }

    /** The tiny endpoint started when none is given: a JDK {@code HttpServer} on 127.0.0.1. */
    static final class LocalEndpoint {
        private static final int MAX_BODY = 1 << 20;

        private LocalEndpoint() {
        }

        /** Starts it on a free port of 127.0.0.1 (daemon threads) and returns {@code http://127.0.0.1:<port>}. */
        static String start() throws IOException {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            server.createContext("/", LocalEndpoint::handle);
            server.start();         // the default executor runs on the server's own thread
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        private static void handle(HttpExchange ex) throws IOException {
            try (ex; InputStream in = ex.getRequestBody()) {
                byte[] raw = in.readNBytes(MAX_BODY + 1);
                if (!"POST".equals(ex.getRequestMethod()) || raw.length > MAX_BODY) {
                    ex.sendResponseHeaders(raw.length > MAX_BODY ? 413 : 405, -1);
                    return;
                }
                Map<String, Object> request;
                try {
                    request = WireCodec.get().decodeMap(new String(raw, StandardCharsets.UTF_8), MAX_BODY);
                } catch (Exception e) {
                    request = Map.of(); // as the seed's node_endpoint.py: a body that is not JSON gets an empty echo
                }
                String path = ex.getRequestURI().getPath();
                String result = request.get("action") + " handled by " + path + ": " + request.get("task");
                byte[] body = WireCodec.get().toJsonBytes(Map.of("ok", true, "code", "ok",
                        "action", String.valueOf(request.get("action")), "payload", Map.of("result", result)));
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }
}
