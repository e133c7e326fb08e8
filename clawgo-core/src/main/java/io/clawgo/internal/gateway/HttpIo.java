package io.clawgo.internal.gateway;

import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.Traceparent;
import io.clawgo.protocol.WireCodec;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Reading bounded bodies and writing JSON answers with Jetty's core API. */
final class HttpIo {
    /** Error code of a POST whose body is not declared {@code application/json} (HTTP 415). */
    static final String UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type";
    /** Error code of a request body that arrives slower than the minimum data rate (HTTP 408). */
    static final String REQUEST_TIMEOUT = "request_timeout";

    private HttpIo() {
    }

    /**
     * How a request body may be read: at most {@code maxBytes}, and, unless {@code minBytesPerSecond} is 0, at an
     * average of at least {@code minBytesPerSecond} once {@code graceNanos} have passed since the read started.
     */
    record BodyLimits(int maxBytes, int minBytesPerSecond, long graceNanos) {
        /** No rate check: only the size limit. */
        static BodyLimits sizeOnly(int maxBytes) {
            return new BodyLimits(maxBytes, 0, 0);
        }
    }

    /**
     * Checks that a request's body is declared JSON: {@code Content-Type: application/json}, with any parameters
     * (such as {@code charset=utf-8}). A web page can send {@code text/plain}, form or multipart bodies to any site
     * without a CORS preflight, but not {@code application/json}: requiring it keeps such "simple" cross-site posts
     * away from the JSON routes when the gateway runs without a token.
     *
     * @throws ProtocolException {@link #UNSUPPORTED_MEDIA_TYPE} (HTTP 415) otherwise
     */
    static void requireJson(Request request) throws ProtocolException {
        String ct = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        String type = ct == null ? "" : ct.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!type.equals("application/json")) {
            throw new ProtocolException(UNSUPPORTED_MEDIA_TYPE, "the body must be JSON sent with 'Content-Type: "
                    + "application/json'" + (ct == null ? " (no Content-Type was sent)" : ", not '" + trim(ct) + "'"));
        }
    }

    /**
     * The request's W3C {@code traceparent}: the value of its one {@code traceparent} header when that is valid;
     * {@code null} when there is none, more than one, or an invalid one (ignored, as W3C Trace Context says, never an
     * error). Allocates nothing.
     */
    static String traceparent(Request request) {
        HttpFields fields = request.getHeaders();
        String found = null;
        for (int i = 0, n = fields.size(); i < n; i++) {
            HttpField f = fields.getField(i);
            if (f.is(Traceparent.HEADER)) {
                if (found != null) {
                    return null; // two of them: which one the caller meant is unknown
                }
                found = f.getValue();
            }
        }
        return found == null ? null : Traceparent.validOrNull(found);
    }

    private static String trim(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }

    /** Reads the body as UTF-8, refusing more than {@code maxBytes}. */
    static String body(Request request, int maxBytes) throws ProtocolException, IOException {
        return body(request, BodyLimits.sizeOnly(maxBytes));
    }

    /**
     * Reads the body as UTF-8 within {@code limits}: more than {@code maxBytes} is {@code payload_too_large}, a body
     * slower than the minimum rate is {@link #REQUEST_TIMEOUT}. The thread waits for the body, but never longer than
     * the rate allows.
     */
    static String body(Request request, BodyLimits limits) throws ProtocolException, IOException {
        int maxBytes = limits.maxBytes();
        long declared = request.getLength();
        if (declared > maxBytes) {
            throw tooLarge(maxBytes);
        }
        long start = System.nanoTime();
        // grown as bytes arrive: a declared length is only a claim
        byte[] buf = new byte[(int) Math.min(declared >= 0 ? declared : 8192, 64 * 1024)];
        int len = 0;
        while (true) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                awaitMore(request, limits, start, len);
                continue;
            }
            if (Content.Chunk.isFailure(chunk)) {
                Throwable f = chunk.getFailure();
                throw f instanceof IOException io ? io : new IOException(String.valueOf(f), f);
            }
            try {
                ByteBuffer b = chunk.getByteBuffer();
                int n = b.remaining();
                if ((long) len + n > maxBytes) {
                    throw tooLarge(maxBytes);
                }
                if (len + n > buf.length) {
                    buf = Arrays.copyOf(buf, (int) Math.min(maxBytes, Math.max(2L * buf.length, (long) len + n)));
                }
                b.get(buf, len, n);
                len += n;
            } finally {
                chunk.release();
            }
            if (chunk.isLast()) {
                return new String(buf, 0, len, StandardCharsets.UTF_8);
            }
        }
    }

    /** Waits until more of the body can be read, at most until the minimum rate says the body is too slow. */
    private static void awaitMore(Request request, BodyLimits limits, long start, int read)
            throws ProtocolException, IOException {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        request.demand(() -> ready.complete(null));
        try {
            if (limits.minBytesPerSecond() <= 0) {
                ready.get(); // Jetty's idle timeout ends the wait with a failure chunk
                return;
            }
            // the body must have read * 1 s / rate after the grace: wait for the next bytes until then
            long deadline = start + limits.graceNanos()
                    + read * TimeUnit.SECONDS.toNanos(1) / limits.minBytesPerSecond();
            long wait = deadline - System.nanoTime();
            if (wait <= 0) {
                throw tooSlow(limits, read, start);
            }
            ready.get(wait, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw tooSlow(limits, read, start);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the request body");
        } catch (ExecutionException e) {
            throw new IOException(String.valueOf(e.getCause()), e.getCause());
        }
    }

    private static ProtocolException tooSlow(BodyLimits limits, int read, long start) {
        return new ProtocolException(REQUEST_TIMEOUT, "request body too slow: " + read + " bytes in "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms, below the minimum of "
                + limits.minBytesPerSecond() + " bytes/s after " + TimeUnit.NANOSECONDS.toMillis(limits.graceNanos())
                + " ms (gateway.min_request_data_rate)");
    }

    private static ProtocolException tooLarge(int maxBytes) {
        return new ProtocolException(ErrorCodes.PAYLOAD_TOO_LARGE,
                "request body exceeds the limit of " + maxBytes + " bytes");
    }

    static void json(Response response, Callback callback, int status, Object body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        Content.Sink.write(response, true, WireCodec.get().toJson(body) + "\n", callback);
    }

    static void error(Response response, Callback callback, int status, String code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ok", false);
        body.put("code", code);
        body.put("error", message);
        if (status == 408) {
            // the rest of a slow body is not read: the connection cannot carry another request
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        json(response, callback, status, body);
    }

    static void text(Response response, Callback callback, int status, String contentType, String body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        Content.Sink.write(response, true, body, callback);
    }

    /** The HTTP status for a protocol error code. */
    static int statusFor(String code) {
        if (ErrorCodes.PAYLOAD_TOO_LARGE.equals(code)) {
            return 413;
        }
        if (UNSUPPORTED_MEDIA_TYPE.equals(code)) {
            return 415;
        }
        if (REQUEST_TIMEOUT.equals(code)) {
            return 408;
        }
        return 400;
    }
}
