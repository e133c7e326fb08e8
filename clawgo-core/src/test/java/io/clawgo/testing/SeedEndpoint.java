package io.clawgo.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.clawgo.protocol.WireCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;

/**
 * A real HTTP node endpoint on 127.0.0.1 that answers like the seed's {@code node_endpoint.py}: every POST gets
 * {@code {ok:true, code:"ok", node:<label>, action, payload:{handler, hostname, path, echo, result}}} with
 * {@code result = "<action> from <label>"}.
 */
public final class SeedEndpoint implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;
    private final String label;
    private final List<String> paths = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final List<String> traceparents = new CopyOnWriteArrayList<>();

    private SeedEndpoint(String label) throws IOException {
        this.label = label;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        this.executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "seed-endpoint-" + label);
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts an endpoint labelled {@code label} on a free loopback port. */
    public static SeedEndpoint start(String label) throws IOException {
        return new SeedEndpoint(label);
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Paths requested so far. */
    public List<String> paths() {
        return paths;
    }

    /** Authorization headers seen (null entries for none). */
    public List<String> authorizations() {
        return authorizations;
    }

    /**
     * The {@code traceparent} headers seen, one entry per request: {@code "null"} for none, the values joined with
     * {@code ","} when a request had several.
     */
    public List<String> traceparents() {
        return traceparents;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] raw = ex.getRequestBody().readAllBytes();
            paths.add(ex.getRequestURI().getPath());
            authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            List<String> tp = ex.getRequestHeaders().get("traceparent");
            traceparents.add(tp == null ? "null" : String.join(",", tp));
            Map<String, Object> req;
            try {
                req = WireCodec.get().decodeMap(new String(raw, StandardCharsets.UTF_8), 1 << 24);
            } catch (Exception e) {
                req = Map.of();
            }
            String path = ex.getRequestURI().getPath();
            Object a = req.get("action");
            String action = a instanceof String s && !s.isEmpty() ? s : path.replaceAll("^/+|/+$", "");
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("handler", label);
            payload.put("hostname", InetAddress.getLoopbackAddress().getHostName());
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
