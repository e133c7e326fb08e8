package io.clawgo.it.scale;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The simulated nodes' HTTP endpoints for the relay leg of {@link ScaleBench}: JDK {@link HttpServer}s on loopback
 * that answer the gateway's relay POSTs ({@code <endpoint>/invoke} etc., see docs/protocol.md "HTTP relay") with a
 * {@code Response} echoing the request's {@code args.nonce} and the node id taken from the path, so a request
 * relayed to the wrong node's endpoint shows up as a mismatch.
 *
 * <p>Node {@code i}'s endpoint is {@code http://<host>:<port>/n/<id>}. With {@code perNodeHost}, every node gets its
 * own server on its own loopback address ({@code 127.0.2.<i+1>}, all of 127/8 is loopback on Linux), as real nodes
 * have their own hosts (the relay's HTTP client limits concurrent calls per host name); otherwise one server on
 * 127.0.0.1 serves all nodes. The servers share one small handler pool. The endpoint checks the method, the
 * action-to-path mapping and the node token, and counts every nonce in {@link SimNode.Stats#nonces} (a nonce that
 * arrives twice is a duplicated delivery).
 */
final class RelayEcho implements AutoCloseable {
    /** The paths of docs/protocol.md "HTTP relay" for the actions the simulated nodes announce. */
    private static final Map<String, String> PATHS = Map.of("run", "/run", "invoke", "/invoke",
            "agent_task", "/agent/task");

    private final List<HttpServer> servers = new ArrayList<>();
    private final ExecutorService exec;
    private final SimNode.Stats stats;
    private final Map<String, String> endpoints = new LinkedHashMap<>();
    final AtomicLong requests = new AtomicLong();
    /** Distinct client connections seen (remote address and port): how many TCP connections the relay opened. */
    final java.util.Set<String> connections = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Requests refused: wrong method, path, action-to-path mapping or token, or a body that is not a request. */
    final AtomicLong refused = new AtomicLong();
    volatile String firstProblem;

    private RelayEcho(int threads, SimNode.Stats stats) {
        AtomicInteger n = new AtomicInteger();
        this.exec = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "relay-echo-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.stats = stats;
    }

    /** Starts the endpoints of {@code ids}; {@link #endpoint(String)} then gives each node's base URL. */
    static RelayEcho start(List<String> ids, boolean perNodeHost, int threads, SimNode.Stats stats)
            throws IOException {
        // small responses written as header + body: without TCP_NODELAY, Nagle's algorithm and delayed ACKs add up
        // to 40 ms per exchange (read when the JDK server's configuration class loads, so set it first)
        System.setProperty("sun.net.httpserver.nodelay", "true");
        RelayEcho echo = new RelayEcho(threads, stats);
        try {
            HttpServer shared = null;
            for (int i = 0; i < ids.size(); i++) {
                HttpServer s;
                if (perNodeHost) {
                    s = echo.server("127.0.2." + (i % 254 + 1));
                } else {
                    if (shared == null) {
                        shared = echo.server("127.0.0.1");
                    }
                    s = shared;
                }
                InetSocketAddress a = s.getAddress();
                echo.endpoints.put(ids.get(i), "http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + "/n/"
                        + ids.get(i));
            }
        } catch (IOException | RuntimeException e) {
            echo.close();
            throw e;
        }
        return echo;
    }

    private HttpServer server(String host) throws IOException {
        for (HttpServer s : servers) {
            if (s.getAddress().getAddress().getHostAddress().equals(host)) {
                return s; // more nodes than addresses: share
            }
        }
        HttpServer s = HttpServer.create(new InetSocketAddress(host, 0), 1024);
        s.setExecutor(exec);
        s.createContext("/n/", this::handle);
        s.start();
        servers.add(s);
        return s;
    }

    String endpoint(String id) {
        return endpoints.get(id);
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            byte[] body = ex.getRequestBody().readAllBytes();
            requests.incrementAndGet();
            connections.add(String.valueOf(ex.getRemoteAddress()));
            String path = ex.getRequestURI().getPath();
            String[] seg = path.split("/"); // "", "n", <id>, <action path...>
            if (!"POST".equals(ex.getRequestMethod()) || seg.length < 4 || !seg[1].equals("n")) {
                refuse(ex, 404, "no such endpoint: " + ex.getRequestMethod() + " " + path);
                return;
            }
            String id = seg[2];
            if (!("Bearer " + SimNode.ENDPOINT_TOKEN).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                refuse(ex, 401, "missing or wrong node token on " + path);
                return;
            }
            JsonObject req;
            try {
                req = JsonParser.parseString(new String(body, StandardCharsets.UTF_8)).getAsJsonObject();
            } catch (RuntimeException e) {
                refuse(ex, 400, "body is not a JSON object: " + e);
                return;
            }
            String action = str(req, "action");
            String actionPath = path.substring(("/n/" + id).length());
            if (!PATHS.getOrDefault(action, "/invoke").equals(actionPath)) {
                refuse(ex, 404, "action " + action + " relayed to " + actionPath + ", expected "
                        + PATHS.getOrDefault(action, "/invoke"));
                return;
            }
            send(ex, 200, SimNode.echo(stats, id, req).toString());
        } finally {
            ex.close();
        }
    }

    private void refuse(HttpExchange ex, int status, String why) throws IOException {
        refused.incrementAndGet();
        if (firstProblem == null) {
            firstProblem = why;
        }
        JsonObject r = new JsonObject();
        r.addProperty("ok", false);
        r.addProperty("code", "bench_refused");
        r.addProperty("error", why);
        send(ex, status, r.toString());
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String str(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
    }

    @Override
    public void close() {
        for (HttpServer s : servers) {
            s.stop(0);
        }
        exec.shutdownNow();
    }
}
