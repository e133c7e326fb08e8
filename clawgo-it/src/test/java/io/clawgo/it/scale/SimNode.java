package io.clawgo.it.scale;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One simulated node: a real WebSocket client (the JDK's asynchronous {@link WebSocket}, no thread of its own) that
 * speaks the control protocol as a node written from docs/protocol.md ("Control WebSocket") would:
 * {@code register}, then {@code heartbeat} frames (sent by {@link ScaleBench}'s scheduler), and a
 * {@code node_response} for every {@code node_request}, echoing the request's {@code args.nonce} and its own id in
 * the payload.
 *
 * <p>The JDK WebSocket allows one outstanding send at a time, so sends are chained.
 */
final class SimNode implements WebSocket.Listener {

    /** Counters shared by all nodes of a run. */
    static final class Stats {
        final AtomicLong heartbeatsSent = new AtomicLong();
        final AtomicLong heartbeatAcks = new AtomicLong();
        final AtomicLong errorAcks = new AtomicLong();
        final AtomicLong requests = new AtomicLong();
        final AtomicLong sendFailures = new AtomicLong();
        final AtomicInteger closed = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();
        volatile String firstProblem;
        /** Nonce to how many times it reached a node: a value above 1 is a duplicated delivery. */
        final ConcurrentHashMap<String, AtomicInteger> nonces = new ConcurrentHashMap<>();
        volatile boolean trackNonces;

        void problem(String p) {
            if (firstProblem == null) {
                firstProblem = p;
            }
        }
    }

    /** The bearer token a node with an endpoint registers; the relay must present it to the endpoint. */
    static final String ENDPOINT_TOKEN = "scale-bench-endpoint-token";

    final String id;
    private final Stats stats;
    /** The HTTP endpoint registered for the relay, or {@code null} for none. */
    private final String endpoint;
    private final StringBuilder partial = new StringBuilder();
    final CompletableFuture<Void> registered = new CompletableFuture<>();
    private volatile WebSocket ws;
    private CompletableFuture<?> sendChain = CompletableFuture.completedFuture(null);
    volatile int closeCode = -1;

    SimNode(String id, Stats stats) {
        this(id, stats, null);
    }

    /** A node that registers {@code endpoint} (base URL), so that the gateway's HTTP relay can reach it there. */
    SimNode(String id, Stats stats, String endpoint) {
        this.id = id;
        this.stats = stats;
        this.endpoint = endpoint;
    }

    /** Opens the socket and registers; completes when the {@code registered} ack arrives. */
    CompletableFuture<Void> connect(HttpClient client, URI uri, String token, Duration timeout) {
        return client.newWebSocketBuilder()
                .header("Authorization", "Bearer " + token)
                .connectTimeout(timeout)
                .buildAsync(uri, this)
                .thenCompose(w -> {
                    ws = w;
                    send("{\"type\":\"register\",\"node\":{\"id\":\"" + id + "\",\"name\":\"" + id
                            + "\","
                            + (endpoint == null ? "" : "\"endpoint\":\"" + endpoint + "\",\"token\":\""
                                    + ENDPOINT_TOKEN + "\",")
                            + "\"os\":\"linux\",\"arch\":\"amd64\",\"version\":\"scale-bench\","
                            + "\"capabilities\":{\"run\":true,\"invoke\":true,\"model\":true},"
                            + "\"actions\":[\"run\",\"invoke\",\"agent_task\"]}}");
                    return registered;
                })
                .orTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    boolean isOpen() {
        WebSocket w = ws;
        return w != null && !w.isOutputClosed() && !w.isInputClosed() && closeCode < 0;
    }

    void heartbeat() {
        if (registered.isDone() && !registered.isCompletedExceptionally() && isOpen()) {
            stats.heartbeatsSent.incrementAndGet();
            send("{\"type\":\"heartbeat\",\"id\":\"" + id + "\"}");
        }
    }

    void close() {
        WebSocket w = ws;
        if (w != null && !w.isOutputClosed()) {
            synchronized (this) {
                sendChain = sendChain.handle((x, e) -> null).thenCompose(x -> w.sendClose(1000, "bench done"));
            }
        }
    }

    void abort() {
        WebSocket w = ws;
        if (w != null) {
            w.abort();
        }
    }

    private void send(String text) {
        WebSocket w = ws;
        if (w == null) {
            return;
        }
        synchronized (this) {
            sendChain = sendChain.handle((x, e) -> null)
                    .thenCompose(x -> w.sendText(text, true))
                    .whenComplete((x, e) -> {
                        if (e != null) {
                            stats.sendFailures.incrementAndGet();
                            stats.problem("send failed on " + id + ": " + e);
                        }
                    });
        }
    }

    // ---- listener (called by the JDK client, one call at a time per socket) ----

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            try {
                handle(text);
            } catch (RuntimeException e) {
                stats.problem("node " + id + " could not handle " + text + ": " + e);
            }
        }
        webSocket.request(1);
        return null;
    }

    private void handle(String text) {
        JsonObject m = JsonParser.parseString(text).getAsJsonObject();
        if (m.has("ok")) {
            boolean ok = m.get("ok").getAsBoolean();
            String type = str(m, "type");
            if (ok && "registered".equals(type)) {
                registered.complete(null);
            } else if (ok && "heartbeat".equals(type)) {
                stats.heartbeatAcks.incrementAndGet();
            } else if (!ok) {
                stats.errorAcks.incrementAndGet();
                stats.problem("error ack to " + id + ": " + text);
                if ("register".equals(type)) {
                    registered.completeExceptionally(new IllegalStateException("register refused: " + text));
                }
            }
            return;
        }
        if (!"node_request".equals(str(m, "type"))) {
            return;
        }
        stats.requests.incrementAndGet();
        String reqId = str(m, "id");
        JsonObject request = m.has("request") && m.get("request").isJsonObject() ? m.getAsJsonObject("request")
                : new JsonObject();
        JsonObject response = echo(stats, id, request);
        JsonObject frame = new JsonObject();
        frame.addProperty("type", "node_response");
        frame.addProperty("id", reqId);
        frame.addProperty("from", id);
        frame.addProperty("to", "gateway");
        frame.add("response", response);
        send(frame.toString());
    }

    /**
     * The answer of node {@code id} to {@code request} (a {@code Request} JSON object): ok, echoing
     * {@code args.nonce} and the node's id in the payload; the nonce is counted in {@code stats} when tracked.
     */
    static JsonObject echo(Stats stats, String id, JsonObject request) {
        JsonObject args = request.has("args") && request.get("args").isJsonObject() ? request.getAsJsonObject("args")
                : new JsonObject();
        String nonce = str(args, "nonce");
        if (nonce != null && stats.trackNonces) {
            stats.nonces.computeIfAbsent(nonce, k -> new AtomicInteger()).incrementAndGet();
        }
        JsonObject payload = new JsonObject();
        if (nonce != null) {
            payload.addProperty("nonce", nonce);
        }
        payload.addProperty("echo_node", id);
        JsonObject response = new JsonObject();
        response.addProperty("ok", true);
        response.addProperty("code", "ok");
        response.addProperty("node", id);
        response.addProperty("action", str(request, "action"));
        response.add("payload", payload);
        return response;
    }

    private static String str(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeCode = statusCode;
        stats.closed.incrementAndGet();
        registered.completeExceptionally(new IllegalStateException("closed " + statusCode + " " + reason));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closeCode = closeCode < 0 ? 1006 : closeCode;
        stats.errors.incrementAndGet();
        stats.problem("socket error on " + id + ": " + error);
        registered.completeExceptionally(error);
    }
}
