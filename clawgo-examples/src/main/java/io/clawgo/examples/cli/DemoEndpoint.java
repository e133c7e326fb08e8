package io.clawgo.examples.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.clawgo.protocol.WireCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node's local HTTP agent endpoint on 127.0.0.1 that answers like the seed's {@code node_endpoint.py}: every POST
 * gets {@code {ok:true, code:"ok", node:<label>, action, payload:{handler, hostname, path, echo, result}}} with
 * {@code result = "<action> from <label>"}.
 */
final class DemoEndpoint implements AutoCloseable {
    private static final int MAX_BODY = 1 << 20;

    private final HttpServer server;
    private final ExecutorService executor;
    private final String label;
    private final String hostname;

    private DemoEndpoint(String label) throws IOException {
        this.label = label;
        this.hostname = Cli.hostname();
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "demo-endpoint-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts an endpoint labelled {@code label} on a free port of 127.0.0.1. */
    static DemoEndpoint start(String label) throws IOException {
        return new DemoEndpoint(label);
    }

    /** {@code http://127.0.0.1:<port>}. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"POST".equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            byte[] raw;
            try (InputStream in = ex.getRequestBody()) {
                raw = in.readNBytes(MAX_BODY + 1);
            }
            if (raw.length > MAX_BODY) {
                ex.sendResponseHeaders(413, -1);
                return;
            }
            Map<String, Object> req;
            try {
                String text = new String(raw, StandardCharsets.UTF_8);
                req = text.isBlank() ? Map.of() : WireCodec.get().decodeMap(text, MAX_BODY);
            } catch (Exception e) {
                req = Map.of(); // as the seed's node_endpoint.py: a body that is not JSON gets an empty echo
            }
            String path = ex.getRequestURI().getPath();
            Object a = req.get("action");
            String action = a instanceof String s && !s.isEmpty() ? s : path.replaceAll("^/+|/+$", "");
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("handler", label);
            payload.put("hostname", hostname);
            payload.put("path", path);
            payload.put("echo", req);
            payload.put("result", action + " from " + label);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("ok", true);
            body.put("code", "ok");
            body.put("node", label);
            body.put("action", action);
            body.put("payload", payload);
            byte[] out = WireCodec.get().toJsonBytes(body);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, out.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
