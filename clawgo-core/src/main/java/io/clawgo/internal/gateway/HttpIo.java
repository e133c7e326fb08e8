package io.clawgo.internal.gateway;

import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.WireCodec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Reading bounded bodies and writing JSON answers with Jetty's core API. */
final class HttpIo {
    private HttpIo() {
    }

    /** Reads the body as UTF-8, refusing more than {@code maxBytes}. */
    static String body(Request request, int maxBytes) throws ProtocolException, IOException {
        long declared = request.getLength();
        if (declared > maxBytes) {
            throw tooLarge(maxBytes);
        }
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] bytes = in.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) {
                throw tooLarge(maxBytes);
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
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
        json(response, callback, status, body);
    }

    static void text(Response response, Callback callback, int status, String contentType, String body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        Content.Sink.write(response, true, body, callback);
    }

    /** The HTTP status for a protocol error code. */
    static int statusFor(String code) {
        return ErrorCodes.PAYLOAD_TOO_LARGE.equals(code) ? 413 : 400;
    }
}
