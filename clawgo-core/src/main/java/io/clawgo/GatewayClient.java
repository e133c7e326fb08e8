package io.clawgo;

import io.clawgo.internal.node.GatewayHttpException;
import io.clawgo.internal.node.GatewayRestClient;
import io.clawgo.internal.node.NodeSettings;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.WireCodec;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import io.clawgo.config.ClientTls;
import okhttp3.OkHttpClient;

/**
 * A small blocking client of the gateway's REST API, for CLIs and tests.
 *
 * <pre>{@code
 * try (GatewayClient gw = GatewayClient.create("http://127.0.0.1:18790", "secret")) {
 *     gw.register(node);
 *     Map<String, Object> nodes = gw.getJson("/webui/api/nodes");
 * }
 * }</pre>
 *
 * <p>A non-2xx answer throws {@link ClawgoException} with the message {@code "http <status>: <error>"} (the body's
 * {@code error} field, or the trimmed body) and the code from the body's {@code code} field, else
 * {@code http_<status>}. An unreachable gateway gives code {@code transport_error}, a missed deadline {@code timeout}.
 * Thread-safe. Copies made by {@link #withTimeout(Duration)} share the connection pool; closing any of them releases
 * it.
 */
public final class GatewayClient implements AutoCloseable {

    /** Deadline of one call unless {@link #withTimeout(Duration)} says otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

    private final OkHttpClient http;
    private final GatewayRestClient rest;
    private final AtomicBoolean closed;

    private GatewayClient(OkHttpClient http, GatewayRestClient rest, AtomicBoolean closed) {
        this.http = http;
        this.rest = rest;
        this.closed = closed;
    }

    /**
     * A client of the gateway at {@code baseUrl} ({@code http://} or {@code https://}, a path prefix is kept).
     *
     * @param token bearer token, or {@code null}/blank for none
     * @throws IllegalArgumentException when the URL is not a valid http(s) URL
     */
    public static GatewayClient create(String baseUrl, String token) {
        return create(baseUrl, token, null);
    }

    /**
     * A client of an {@code https://} gateway that trusts what {@code tls} trusts ({@code null}: the JVM default).
     */
    public static GatewayClient create(String baseUrl, String token, ClientTls tls) {
        String url = NodeSettings.normalizeGatewayUrl(baseUrl, "baseUrl");
        OkHttpClient.Builder b = new OkHttpClient.Builder()
                .connectTimeout(Duration.ofSeconds(10))
                .readTimeout(Duration.ofSeconds(60))
                .writeTimeout(Duration.ofSeconds(60));
        if (tls != null) {
            b.sslSocketFactory(tls.socketFactory(), tls.trustManager());
        }
        OkHttpClient http = b.build();
        return new GatewayClient(http, new GatewayRestClient(http, url, token, WireCodec.DEFAULT_MAX_BYTES,
                DEFAULT_TIMEOUT), new AtomicBoolean());
    }

    /** A client with another per-call deadline, sharing this one's connections. */
    public GatewayClient withTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        return new GatewayClient(http, rest.withTimeout(timeout), closed);
    }

    /** The normalised gateway base URL. */
    public String baseUrl() {
        return rest.baseUrl();
    }

    /** {@code POST /nodes/register} with {@code node}. */
    public void register(NodeInfo node) {
        Objects.requireNonNull(node, "node");
        call(() -> {
            rest.post("/nodes/register", node);
            return null;
        });
    }

    /** {@code POST /nodes/heartbeat {"id": nodeId}}; an unknown node gives a {@link ClawgoException} (HTTP 404). */
    public void heartbeat(String nodeId) {
        Objects.requireNonNull(nodeId, "nodeId");
        call(() -> {
            rest.post("/nodes/heartbeat", Map.of("id", nodeId));
            return null;
        });
    }

    /** {@code GET path}; returns the decoded JSON object (numbers as {@code Long} or {@code Double}). */
    public Map<String, Object> getJson(String path) {
        return call(() -> rest.getJson(path));
    }

    /** {@code POST path} with {@code body} as JSON; returns the decoded JSON object. */
    public Map<String, Object> postJson(String path, Map<String, Object> body) {
        return call(() -> rest.postJson(path, body == null ? Map.of() : body));
    }

    private <T> T call(Supplier<T> action) {
        if (closed.get()) {
            throw new IllegalStateException("GatewayClient is closed");
        }
        try {
            return action.get();
        } catch (GatewayHttpException e) {
            throw new ClawgoException(e.code(), e.getMessage(), e);
        }
    }

    /** Releases pooled connections. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            http.connectionPool().evictAll();
            http.dispatcher().executorService().shutdown();
        }
    }

    @Override
    public String toString() {
        return "GatewayClient[" + rest.baseUrl() + "]";
    }
}
