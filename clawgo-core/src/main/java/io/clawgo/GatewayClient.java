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
 * <p>{@link #create(String, String)} is the shortcut of {@link #builder()}, which also takes a TLS trust, a per-call
 * deadline and an application's {@link OkHttpClient} to derive the client from (its interceptors, connection pool,
 * dispatcher, proxy, DNS and event listener):
 * <pre>{@code
 * GatewayClient gw = GatewayClient.builder().baseUrl(url).token(token).httpClient(appClient).build();
 * }</pre>
 *
 * <p>A non-2xx answer throws {@link ClawgoException} with the message {@code "http <status>: <error>"} (the body's
 * {@code error} field, or the trimmed body, cut at 300 characters) and the code from the body's {@code code} field,
 * else {@code unauthorized} for a 401 and {@code http_<status>} otherwise. An unreachable gateway gives code
 * {@code transport_error}, a missed deadline {@code timeout}, an answer above 8 MiB {@code payload_too_large}.
 * Thread-safe. Copies made by {@link #withTimeout(Duration)} share the connection pool; closing any of them releases
 * it and closes them all (a pool and dispatcher of an application's client given to
 * {@link Builder#httpClient(OkHttpClient)} stay the application's: closing leaves them as they are).
 */
public final class GatewayClient implements AutoCloseable {

    /** Deadline of one call unless {@link #withTimeout(Duration)} says otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

    private final OkHttpClient http;
    private final GatewayRestClient rest;
    private final AtomicBoolean closed;
    /** Whether {@link #http}'s connection pool and dispatcher are this client's own (not an application's). */
    private final boolean ownsHttp;

    private GatewayClient(OkHttpClient http, GatewayRestClient rest, AtomicBoolean closed, boolean ownsHttp) {
        this.http = http;
        this.rest = rest;
        this.closed = closed;
        this.ownsHttp = ownsHttp;
    }

    /**
     * Starts configuring a client; {@link Builder#build()} makes it.
     *
     * @return a new builder with the deadline {@link #DEFAULT_TIMEOUT}, no token, the JVM's default trust store and
     *         an OkHttp client of its own
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A client of the gateway at {@code baseUrl}, trusting the JVM's default trust store for {@code https://}: the
     * shortcut of {@code builder().baseUrl(baseUrl).token(token).build()}.
     *
     * @param baseUrl {@code http://} or {@code https://} URL of the gateway; a path prefix is kept, trailing slashes
     *                are dropped
     * @param token   bearer token sent as {@code Authorization: Bearer}, or {@code null}/blank for none
     * @return a new client with the deadline {@link #DEFAULT_TIMEOUT}
     * @throws IllegalArgumentException when the URL is not a valid http(s) URL, or has credentials, a query or a
     *                                  fragment
     */
    public static GatewayClient create(String baseUrl, String token) {
        return create(baseUrl, token, null);
    }

    /**
     * A client of an {@code https://} gateway that trusts what {@code tls} trusts: the shortcut of
     * {@code builder().baseUrl(baseUrl).token(token).tls(tls).build()}.
     *
     * @param baseUrl {@code http://} or {@code https://} URL of the gateway; a path prefix is kept, trailing slashes
     *                are dropped
     * @param token   bearer token sent as {@code Authorization: Bearer}, or {@code null}/blank for none
     * @param tls     what to trust, or {@code null} for the JVM's default trust store
     * @return a new client with the deadline {@link #DEFAULT_TIMEOUT}
     * @throws IllegalArgumentException when the URL is not a valid http(s) URL, or has credentials, a query or a
     *                                  fragment
     */
    public static GatewayClient create(String baseUrl, String token, ClientTls tls) {
        return builder().baseUrl(baseUrl).token(token).tls(tls).build();
    }

    /**
     * A client with another per-call deadline, sharing this one's connections and closed state.
     *
     * @param timeout the deadline of each call, positive
     * @return a new client; this one is unchanged
     * @throws NullPointerException     when {@code timeout} is {@code null}
     * @throws IllegalArgumentException when {@code timeout} is zero or negative
     */
    public GatewayClient withTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        return new GatewayClient(http, rest.withTimeout(timeout), closed, ownsHttp);
    }

    /**
     * The gateway base URL.
     *
     * @return the normalised URL: scheme lower-cased, host, port and path prefix kept, no trailing slash
     */
    public String baseUrl() {
        return rest.baseUrl();
    }

    /**
     * Registers (or updates) a node with {@code POST /nodes/register}.
     *
     * @param node the node to register; its {@code id} is required
     * @throws NullPointerException  when {@code node} is {@code null}
     * @throws ClawgoException       when the gateway refuses (for example code {@code invalid_request} or
     *                               {@code unauthorized}) or cannot be reached
     * @throws IllegalStateException when this client is closed
     */
    public void register(NodeInfo node) {
        Objects.requireNonNull(node, "node");
        call(() -> {
            rest.post("/nodes/register", node);
            return null;
        });
    }

    /**
     * Marks a registered node as heard from with {@code POST /nodes/heartbeat {"id": nodeId}}.
     *
     * @param nodeId the node id
     * @throws NullPointerException  when {@code nodeId} is {@code null}
     * @throws ClawgoException       when the gateway refuses, for example code {@code node_not_found} (HTTP 404) for a
     *                               node that is not registered, or cannot be reached
     * @throws IllegalStateException when this client is closed
     */
    public void heartbeat(String nodeId) {
        Objects.requireNonNull(nodeId, "nodeId");
        call(() -> {
            rest.post("/nodes/heartbeat", Map.of("id", nodeId));
            return null;
        });
    }

    /**
     * Sends {@code GET path}.
     *
     * @param path the route, for example {@code /webui/api/nodes}; a missing leading {@code /} is added
     * @return the decoded JSON object answer (numbers as {@code Long} or {@code Double})
     * @throws ClawgoException       for a non-2xx answer, an unreachable gateway, or code {@code invalid_response}
     *                               when the answer is not a JSON object
     * @throws IllegalStateException when this client is closed
     */
    public Map<String, Object> getJson(String path) {
        return call(() -> rest.getJson(path));
    }

    /**
     * Sends {@code POST path} with {@code body} as JSON.
     *
     * @param path the route, for example {@code /webui/api/subagents_runtime}; a missing leading {@code /} is added
     * @param body the JSON object to send; {@code null} sends {@code {}}
     * @return the decoded JSON object answer (numbers as {@code Long} or {@code Double})
     * @throws ClawgoException       for a non-2xx answer, an unreachable gateway, or code {@code invalid_response}
     *                               when the answer is not a JSON object
     * @throws IllegalStateException when this client is closed
     */
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

    /**
     * Releases pooled connections and stops the client's threads, for this client and every copy made by
     * {@link #withTimeout(Duration)}; later calls throw {@link IllegalStateException}. A client derived from an
     * application's {@link OkHttpClient} leaves that client's pool and threads alone. Idempotent.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && ownsHttp) {
            http.connectionPool().evictAll();
            http.dispatcher().executorService().shutdown();
        }
    }

    @Override
    public String toString() {
        return "GatewayClient[" + rest.baseUrl() + "]";
    }

    /**
     * Configures a {@link GatewayClient}; {@link #build()} makes it. Only the base URL is required. Not thread-safe;
     * one builder may build several clients.
     */
    public static final class Builder {
        private String baseUrl;
        private String token;
        private ClientTls tls;
        private Duration timeout = DEFAULT_TIMEOUT;
        private OkHttpClient httpClient;

        private Builder() {
        }

        /**
         * Sets the gateway's URL (required).
         *
         * @param baseUrl {@code http://} or {@code https://} URL of the gateway; a path prefix is kept, trailing
         *                slashes are dropped; checked by {@link #build()}
         * @return this builder
         */
        public Builder baseUrl(String baseUrl) {
            this.baseUrl = baseUrl;
            return this;
        }

        /**
         * Sets the bearer token sent as {@code Authorization: Bearer}.
         *
         * @param token the gateway token or a node's own token; {@code null} or blank for none (the default)
         * @return this builder
         */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /**
         * Sets what an {@code https://} gateway's certificate is checked against.
         *
         * @param tls the trust, or {@code null} for the JVM's default trust store (the default)
         * @return this builder
         */
        public Builder tls(ClientTls tls) {
            this.tls = tls;
            return this;
        }

        /**
         * Sets the deadline of each call (as {@link GatewayClient#withTimeout(Duration)} does later).
         *
         * @param timeout positive; the default is {@link GatewayClient#DEFAULT_TIMEOUT}
         * @return this builder
         * @throws NullPointerException     when {@code timeout} is {@code null}
         * @throws IllegalArgumentException when {@code timeout} is zero or negative
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Derives the client's OkHttp client from the application's, with {@link OkHttpClient#newBuilder()}: it keeps
         * that client's interceptors, event listener, connection pool, dispatcher (and so its threads), proxy, DNS and
         * connect timeout. Two settings are the library's: no read or write timeout (every call has its own deadline,
         * and {@code dispatch_and_wait} sends nothing until its task ends), and, when {@link #tls(ClientTls)} is set,
         * its trust. {@link GatewayClient#close()} then leaves the shared pool and dispatcher alone: they are the
         * application's to shut down.
         *
         * @param client the application's client; {@code null} (the default) makes one of the library's own (connect
         *               timeout 10 s), released by {@link GatewayClient#close()}
         * @return this builder
         */
        public Builder httpClient(OkHttpClient client) {
            this.httpClient = client;
            return this;
        }

        /**
         * Makes the client. Nothing is sent until the first call.
         *
         * @return a new client
         * @throws IllegalArgumentException when the base URL is missing, not a valid http(s) URL, or has credentials,
         *                                  a query or a fragment
         */
        public GatewayClient build() {
            String url = NodeSettings.normalizeGatewayUrl(baseUrl, "baseUrl");
            // no read or write timeout: every call has its own deadline (DEFAULT_TIMEOUT or withTimeout), and
            // dispatch_and_wait sends nothing until the task ends, which may take longer than any socket timeout
            OkHttpClient.Builder b = httpClient != null ? httpClient.newBuilder()
                    : new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(10));
            b.readTimeout(Duration.ZERO).writeTimeout(Duration.ZERO);
            if (tls != null) {
                b.sslSocketFactory(tls.socketFactory(), tls.trustManager());
            }
            OkHttpClient http = b.build();
            return new GatewayClient(http, new GatewayRestClient(http, url, token, WireCodec.DEFAULT_MAX_BYTES,
                    timeout), new AtomicBoolean(), httpClient == null);
        }
    }
}
