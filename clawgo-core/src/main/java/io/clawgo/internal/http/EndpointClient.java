package io.clawgo.internal.http;

import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.Traceparent;
import io.clawgo.protocol.WireCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.RequestBody;
import okhttp3.ResponseBody;

/**
 * POSTs a {@link Request} to a node's HTTP endpoint and reads its {@link Response}: the HTTP relay of the gateway and
 * the node's forwarder to its own local endpoint share it.
 *
 * <p>Path per action: {@code run -> /run}, {@code agent_task -> /agent/task}, ..., anything else {@code /invoke}. The
 * body is the request JSON; the node token, when set, goes as {@code Authorization: Bearer}, and the request's
 * {@link Request#traceparent()}, when it has one, as the {@code traceparent} header. The response body is read
 * up to {@code maxBytes} (above: {@code payload_too_large}, never silently truncated). Failures complete normally with
 * the stable codes {@code endpoint_missing} (also for an endpoint with a query, fragment or credentials, which would
 * swallow or change the path), {@code transport_error}, {@code invalid_response}, {@code timeout}, and
 * {@code relay_denied} when a {@link UrlCheck} or the client's {@link okhttp3.Dns} refuses the endpoint
 * ({@link DeniedEndpointException}).
 */
public final class EndpointClient {

    /** Checks an endpoint URL before anything is sent. */
    @FunctionalInterface
    public interface UrlCheck {
        /** Allows everything. */
        UrlCheck NONE = url -> null;

        /**
         * @param url the parsed endpoint base URL
         * @return {@code null} to allow it, else why it is refused (the error of a {@code relay_denied} response)
         */
        String refuse(HttpUrl url);
    }

    private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
    private static final Map<String, String> PATHS = Map.of(
            "run", "/run",
            "invoke", "/invoke",
            "agent_task", "/agent/task",
            "camera_snap", "/camera/snap",
            "camera_clip", "/camera/clip",
            "screen_record", "/screen/record",
            "screen_snapshot", "/screen/snapshot",
            "location_get", "/location/get",
            "canvas_snapshot", "/canvas/snapshot",
            "canvas_action", "/canvas/action");

    private final OkHttpClient client;
    private final int maxBytes;
    private final ScheduledExecutorService timer;
    private final UrlCheck check;

    /**
     * An endpoint client that refuses no URL (the node's forwarder to its own endpoint).
     *
     * @param client   see {@link #EndpointClient(OkHttpClient, int, ScheduledExecutorService, UrlCheck)}
     * @param maxBytes the largest answer read
     * @param timer    ends a call at its deadline
     */
    public EndpointClient(OkHttpClient client, int maxBytes, ScheduledExecutorService timer) {
        this(client, maxBytes, timer, UrlCheck.NONE);
    }

    /**
     * @param client   the HTTP client to share (connections, dispatcher); its read and write timeouts are not used: the
     *                 deadline of each call bounds it, so an endpoint that takes longer than a socket timeout to
     *                 answer is not cut short before the request's own timeout
     * @param maxBytes the largest answer read
     * @param timer    ends a call at its deadline, also while it still waits in the dispatcher's queue
     * @param check    refuses endpoint URLs before any connection ({@code relay_denied}); the client's own
     *                 {@link okhttp3.Dns} may refuse host names as well, with a {@link DeniedEndpointException}
     */
    public EndpointClient(OkHttpClient client, int maxBytes, ScheduledExecutorService timer, UrlCheck check) {
        this.client = client.newBuilder().readTimeout(Duration.ZERO).writeTimeout(Duration.ZERO)
                .addInterceptor(EndpointClient::refuseIfExpired).build();
        this.maxBytes = maxBytes;
        this.timer = timer;
        this.check = check;
    }

    /** When a call must have started, as a request tag. */
    private record StartBy(long nanos) {
    }

    /**
     * Runs when a call leaves the dispatcher's queue, before anything is sent: a call whose deadline passed while it
     * waited is refused here, so it never reaches the endpoint even when the timer that cancels it at the deadline
     * runs late (a starved machine).
     */
    private static okhttp3.Response refuseIfExpired(okhttp3.Interceptor.Chain chain) throws IOException {
        StartBy by = chain.request().tag(StartBy.class);
        if (by != null && System.nanoTime() - by.nanos() >= 0) {
            throw new InterruptedIOException("the deadline passed while the call waited in the queue; not sent");
        }
        return chain.proceed(chain.request());
    }

    /** The HTTP path for {@code action}. */
    public static String pathFor(String action) {
        String a = action == null ? "" : action.trim().toLowerCase(Locale.ROOT);
        return PATHS.getOrDefault(a, "/invoke");
    }

    /**
     * Sends {@code request} to {@code endpoint + pathFor(action)}; the future always completes normally, within
     * {@code timeout}: at the deadline with {@code timeout}, and the call is cancelled then, so a call that was still
     * queued never reaches the endpoint after its caller was told. Completing or cancelling the future earlier
     * cancels the call too.
     */
    public CompletableFuture<Response> send(String endpoint, String token, Request request, Duration timeout) {
        CompletableFuture<Response> result = new CompletableFuture<>();
        String base = endpoint == null ? "" : endpoint.trim();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        if (base.isEmpty()) {
            result.complete(Response.error(request, ErrorCodes.ENDPOINT_MISSING, "node endpoint not configured"));
            return result;
        }
        HttpUrl baseUrl = HttpUrl.parse(base);
        if (baseUrl == null) {
            result.complete(Response.error(request, ErrorCodes.ENDPOINT_MISSING,
                    "node endpoint is not a valid http(s) URL"));
            return result;
        }
        if (baseUrl.query() != null || baseUrl.fragment() != null || !baseUrl.username().isEmpty()
                || !baseUrl.password().isEmpty()) {
            // a '?' or '#' would swallow the action's path
            result.complete(Response.error(request, ErrorCodes.ENDPOINT_MISSING,
                    "node endpoint must not have a query, fragment or credentials"));
            return result;
        }
        String refused = check.refuse(baseUrl);
        if (refused != null) {
            result.complete(Response.error(request, ErrorCodes.RELAY_DENIED, refused));
            return result;
        }
        HttpUrl url = HttpUrl.parse(base + pathFor(request.action()));
        if (url == null) {
            result.complete(Response.error(request, ErrorCodes.ENDPOINT_MISSING,
                    "node endpoint is not a valid http(s) URL"));
            return result;
        }
        long millis = Math.max(1, timeout.toMillis());
        okhttp3.Request.Builder http = new okhttp3.Request.Builder()
                .url(url)
                .tag(StartBy.class, new StartBy(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis)))
                .post(RequestBody.create(WireCodec.get().toJsonBytes(request), JSON));
        if (token != null && !token.isBlank()) {
            http.header("Authorization", "Bearer " + token.trim());
        }
        if (request.traceparent() != null) {
            // only ever a valid value: Request drops any other
            http.header(Traceparent.HEADER, request.traceparent());
        }
        Call call = client.newCall(http.build());
        // OkHttp starts a call's own timeout only when the call leaves the dispatcher's queue: the deadline is ours
        call.timeout().deadline(millis, TimeUnit.MILLISECONDS);
        AtomicBoolean answered = new AtomicBoolean();
        ScheduledFuture<?> expiry;
        try {
            expiry = timer.schedule(() -> result.complete(Response.error(request, ErrorCodes.TIMEOUT,
                    "node endpoint did not answer within " + millis + " ms")), millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            result.complete(Response.error(request, ErrorCodes.TRANSPORT_ERROR, "shutting down"));
            return result;
        }
        result.whenComplete((r, e) -> {
            expiry.cancel(false);
            if (!answered.get()) {
                call.cancel(); // completed by the deadline or by the caller: the call must not go on
            }
        });
        call.enqueue(new Callback() {
            @Override
            public void onFailure(Call c, IOException e) {
                answered.set(true);
                DeniedEndpointException denied = denied(e);
                if (denied != null) {
                    result.complete(Response.error(request, ErrorCodes.RELAY_DENIED, denied.getMessage()));
                    return;
                }
                boolean timedOut = e instanceof InterruptedIOException;
                result.complete(Response.error(request, timedOut ? ErrorCodes.TIMEOUT : ErrorCodes.TRANSPORT_ERROR,
                        (timedOut ? "node endpoint did not answer within " + timeout.toMillis() + " ms"
                                : "node endpoint unreachable: " + e.getMessage())));
            }

            @Override
            public void onResponse(Call c, okhttp3.Response http) {
                answered.set(true);
                try (http) {
                    result.complete(read(request, http));
                } catch (InterruptedIOException e) {
                    result.complete(Response.error(request, ErrorCodes.TIMEOUT,
                            "node endpoint did not answer within " + timeout.toMillis() + " ms"));
                } catch (IOException e) {
                    result.complete(Response.error(request, ErrorCodes.TRANSPORT_ERROR,
                            "reading the node endpoint's answer failed: " + e.getMessage()));
                } catch (RuntimeException e) {
                    result.complete(Response.error(request, ErrorCodes.INVALID_RESPONSE,
                            "invalid node response: " + e.getMessage()));
                }
            }
        });
        return result;
    }

    /** The policy refusal in {@code e}, its causes or its suppressed exceptions, or {@code null}. */
    private static DeniedEndpointException denied(Throwable e) {
        for (int depth = 0; e != null && depth < 8; depth++, e = e.getCause()) {
            if (e instanceof DeniedEndpointException d) {
                return d;
            }
            for (Throwable s : e.getSuppressed()) {
                if (s instanceof DeniedEndpointException d) {
                    return d;
                }
            }
        }
        return null;
    }

    private Response read(Request request, okhttp3.Response http) throws IOException {
        ResponseBody body = http.body();
        byte[] bytes = readLimited(body == null ? InputStream.nullInputStream() : body.byteStream());
        if (bytes == null) {
            return Response.error(request, ErrorCodes.PAYLOAD_TOO_LARGE,
                    "node response exceeds the limit of " + maxBytes + " bytes");
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        Response response;
        try {
            response = WireCodec.get().decode(text, Response.class, maxBytes);
        } catch (ProtocolException e) {
            String snippet = text.strip();
            if (snippet.length() > 200) {
                snippet = snippet.substring(0, 200) + "...";
            }
            String status = http.isSuccessful() ? "" : "HTTP " + http.code() + ", ";
            return Response.error(request, ErrorCodes.INVALID_RESPONSE,
                    "invalid node response (" + status + e.getMessage() + "): " + snippet);
        }
        if (!http.isSuccessful() && response.ok()) {
            return Response.error(request, ErrorCodes.REMOTE_ERROR,
                    "node endpoint answered HTTP " + http.code() + " with ok:true");
        }
        return response.backfill(request);
    }

    /** Reads the stream fully, or returns {@code null} when it is longer than {@code maxBytes}. */
    private byte[] readLimited(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(maxBytes + 1);
        return bytes.length > maxBytes ? null : bytes;
    }
}
