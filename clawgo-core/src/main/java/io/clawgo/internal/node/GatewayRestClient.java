package io.clawgo.internal.node;

import com.google.gson.JsonObject;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.WireCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * A small client of the gateway's REST API ({@code /nodes/register}, {@code /nodes/heartbeat}, any JSON route), shared
 * by the node runtime and the public {@code GatewayClient}. Every call has a deadline. A non-2xx answer becomes a
 * {@link GatewayHttpException} whose message is {@code "http <status>: <error field or trimmed body>"}.
 */
public final class GatewayRestClient {
    private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
    private static final int MAX_ERROR_TEXT = 300;

    private final OkHttpClient client;
    private final String baseUrl;
    private final String token;
    private final int maxBytes;
    private final Duration timeout;

    /**
     * @param client   shared OkHttp client
     * @param baseUrl  normalised gateway base URL (see {@link NodeSettings#normalizeGatewayUrl})
     * @param token    bearer token or {@code null}
     * @param maxBytes largest accepted response body
     * @param timeout  deadline of one call
     */
    public GatewayRestClient(OkHttpClient client, String baseUrl, String token, int maxBytes, Duration timeout) {
        this.client = client;
        this.baseUrl = baseUrl;
        this.token = token == null || token.isBlank() ? null : token.trim();
        this.maxBytes = maxBytes;
        this.timeout = timeout;
    }

    /** The same client with another call deadline. */
    public GatewayRestClient withTimeout(Duration newTimeout) {
        return new GatewayRestClient(client, baseUrl, token, maxBytes, newTimeout);
    }

    public String baseUrl() {
        return baseUrl;
    }

    public Duration timeout() {
        return timeout;
    }

    /** Blocking POST of {@code body} (any model object or map) as JSON; returns the decoded JSON object answer. */
    public Map<String, Object> postJson(String path, Object body) {
        return decodeObject(execute(newCall(path, body)), false);
    }

    /** Blocking POST whose 2xx answer body is not needed (an empty or non-JSON body is fine). */
    public void post(String path, Object body) {
        execute(newCall(path, body));
    }

    /** Blocking GET; returns the decoded JSON object answer. */
    public Map<String, Object> getJson(String path) {
        return decodeObject(execute(newCall(path, null)), false);
    }

    /**
     * Asynchronous POST; cancelling the returned future cancels the HTTP call. Completes exceptionally with a
     * {@link GatewayHttpException}.
     */
    public CompletableFuture<Map<String, Object>> postJsonAsync(String path, Object body) {
        Call call = newCall(path, body);
        CompletableFuture<Map<String, Object>> result = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                call.cancel();
                return super.cancel(mayInterruptIfRunning);
            }
        };
        call.enqueue(new Callback() {
            @Override
            public void onFailure(Call c, IOException e) {
                result.completeExceptionally(ioFailure(e));
            }

            @Override
            public void onResponse(Call c, Response response) {
                try {
                    result.complete(decodeObject(read(response), true));
                } catch (GatewayHttpException e) {
                    result.completeExceptionally(e);
                } catch (RuntimeException e) {
                    result.completeExceptionally(new GatewayHttpException(ErrorCodes.INVALID_RESPONSE,
                            response.code(), "invalid gateway answer: " + e.getMessage(), e));
                }
            }
        });
        return result;
    }

    private Call newCall(String path, Object body) {
        String p = path == null ? "" : path.trim();
        if (!p.startsWith("/")) {
            p = "/" + p;
        }
        HttpUrl url = HttpUrl.parse(baseUrl + p);
        if (url == null) {
            throw new GatewayHttpException(ErrorCodes.INVALID_REQUEST, 0, "invalid gateway URL: " + baseUrl + p,
                    null);
        }
        Request.Builder rb = new Request.Builder().url(url).header("Accept", "application/json");
        if (body != null) {
            rb.post(RequestBody.create(WireCodec.get().toJsonBytes(body), JSON));
        } else {
            rb.get();
        }
        if (token != null) {
            rb.header("Authorization", "Bearer " + token);
        }
        Call call = client.newCall(rb.build());
        // from now, also while the call waits in the dispatcher's queue
        call.timeout().deadline(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        return call;
    }

    private Reply execute(Call call) {
        Response response;
        try {
            response = call.execute();
        } catch (IOException e) {
            throw ioFailure(e);
        }
        return read(response);
    }

    private Reply read(Response response) {
        try (response) {
            ResponseBody body = response.body();
            InputStream in = body == null ? InputStream.nullInputStream() : body.byteStream();
            byte[] bytes = in.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) {
                throw new GatewayHttpException(ErrorCodes.PAYLOAD_TOO_LARGE, response.code(),
                        "http " + response.code() + ": gateway answer exceeds " + maxBytes + " bytes", null);
            }
            Reply reply = new Reply(response.code(), new String(bytes, StandardCharsets.UTF_8));
            if (!response.isSuccessful()) {
                throw httpFailure(reply);
            }
            return reply;
        } catch (IOException e) {
            throw ioFailure(e);
        }
    }

    private GatewayHttpException ioFailure(IOException e) {
        if (e instanceof InterruptedIOException) {
            return new GatewayHttpException(ErrorCodes.TIMEOUT, 0,
                    "gateway " + baseUrl + " did not answer within " + timeout.toMillis() + " ms", e);
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new GatewayHttpException(ErrorCodes.TRANSPORT_ERROR, 0, "gateway " + baseUrl + " unreachable: " + m, e);
    }

    private GatewayHttpException httpFailure(Reply reply) {
        String text = reply.body.strip();
        String error = null;
        String code = null;
        try {
            JsonObject obj = WireCodec.get().decode(text, JsonObject.class, maxBytes);
            error = stringField(obj, "error");
            code = stringField(obj, "code");
        } catch (ProtocolException ignored) {
            // not JSON: use the text itself
        }
        if (error == null || error.isBlank()) {
            error = text.isEmpty() ? "(empty body)" : text;
        }
        if (error.length() > MAX_ERROR_TEXT) {
            error = error.substring(0, MAX_ERROR_TEXT) + "...";
        }
        if (code == null || code.isBlank()) {
            code = reply.status == 401 ? "unauthorized" : "http_" + reply.status;
        }
        return new GatewayHttpException(code, reply.status, "http " + reply.status + ": " + error, null);
    }

    private static String stringField(JsonObject obj, String key) {
        var el = obj.get(key);
        return el != null && el.isJsonPrimitive() && el.getAsJsonPrimitive().isString() ? el.getAsString() : null;
    }

    /** Decodes the answer as a JSON object; an empty or non-JSON 2xx body is an empty map when {@code lenient}. */
    private Map<String, Object> decodeObject(Reply reply, boolean lenient) {
        if (reply.body.isBlank() && lenient) {
            return Map.of();
        }
        try {
            return WireCodec.get().decodeMap(reply.body, maxBytes);
        } catch (ProtocolException e) {
            if (lenient) {
                return Map.of();
            }
            throw new GatewayHttpException(ErrorCodes.INVALID_RESPONSE, reply.status,
                    "http " + reply.status + ": answer is not a JSON object (" + e.getMessage() + ")", e);
        }
    }

    private record Reply(int status, String body) {
    }
}
