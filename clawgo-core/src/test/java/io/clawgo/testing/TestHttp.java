package io.clawgo.testing;

import io.clawgo.protocol.WireCodec;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** Plain HTTP calls for tests, returning status and body. */
public final class TestHttp {
    public static final OkHttpClient CLIENT = new OkHttpClient.Builder()
            .readTimeout(60, TimeUnit.SECONDS)
            .build();

    /** A status and a body. */
    public record Reply(int status, String body) {
        /** The body decoded as a JSON object. */
        public Map<String, Object> json() {
            try {
                return WireCodec.get().decodeMap(body, 1 << 26);
            } catch (Exception e) {
                throw new AssertionError("not a JSON object (" + status + "): " + body, e);
            }
        }
    }

    private TestHttp() {
    }

    public static Reply get(String url, String token) throws IOException {
        return call(new Request.Builder().url(url).get(), token);
    }

    public static Reply post(String url, String token, String json) throws IOException {
        return call(new Request.Builder().url(url)
                .post(RequestBody.create(json, MediaType.get("application/json"))), token);
    }

    public static Reply send(String method, String url, String token, String body) throws IOException {
        RequestBody rb = body == null ? null : RequestBody.create(body, MediaType.get("application/json"));
        return call(new Request.Builder().url(url).method(method, rb), token);
    }

    private static Reply call(Request.Builder b, String token) throws IOException {
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try (Response r = CLIENT.newCall(b.build()).execute()) {
            return new Reply(r.code(), r.body() == null ? "" : r.body().string());
        }
    }

    /** The decoded JSON object of a GET, or an empty map when the call fails (for polling in {@link #await}). */
    public static Map<String, Object> getQuiet(String url, String token) {
        try {
            return get(url, token).json();
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
    }

    /** The status of an unauthenticated GET, or -1 when the call fails (for polling in {@link #await}). */
    public static int getStatusQuiet(String url) {
        try {
            return get(url, null).status();
        } catch (IOException e) {
            return -1;
        }
    }

    /** A decoded JSON object, typed for assertions. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    /** A decoded JSON array of objects, typed for assertions. */
    @SuppressWarnings("unchecked")
    public static java.util.List<Map<String, Object>> list(Object o) {
        return (java.util.List<Map<String, Object>>) o;
    }

    /** Polls {@code condition} every 20 ms until true or {@code timeout}; returns whether it became true. */
    public static boolean await(Duration timeout, BooleanSupplier condition) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }
}
