package io.clawgo.internal.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Bearer-token check in front of every API route and the WebSocket upgrade. Only {@code /health} and the static web UI
 * shell (which holds no data) are public. Tokens are compared in constant time and never logged; query-string and
 * cookie tokens are not accepted.
 */
final class AuthHandler extends Handler.Wrapper {
    private final byte[] tokenDigest;

    AuthHandler(String token, Handler next) {
        super(next);
        this.tokenDigest = token == null || token.isEmpty() ? null : sha256(token);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (tokenDigest == null || isPublic(Request.getPathInContext(request)) || authorized(request)) {
            return super.handle(request, response, callback);
        }
        response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"clawgo\"");
        HttpIo.error(response, callback, 401, "unauthorized",
                "unauthorized: send the gateway token as 'Authorization: Bearer <token>'");
        return true;
    }

    static boolean isPublic(String path) {
        return !(path.startsWith("/nodes/") || path.equals("/nodes") || path.startsWith("/webui/api"));
    }

    private boolean authorized(Request request) {
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (header == null) {
            return false;
        }
        String h = header.trim();
        if (h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(tokenDigest, sha256(h.substring(7).trim()));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
