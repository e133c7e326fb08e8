package io.clawgo.internal.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Serves the web UI shell from the class path ({@code /io/clawgo/webui/}). The shell holds no data: it asks for the
 * token and calls the authenticated API.
 */
final class StaticAssets {
    private static final String ROOT = "/io/clawgo/webui";
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon",
            "json", "application/json; charset=utf-8");
    private static final Map<String, byte[]> CACHE = new ConcurrentHashMap<>();

    private StaticAssets() {
    }

    /** Serves {@code path} if it is a UI asset; {@code false} when there is none. */
    static boolean serve(String path, String method, Response response, Callback callback) throws IOException {
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            return false;
        }
        String p = path.equals("/") || path.isEmpty() ? "/index.html" : path;
        if (p.contains("..") || p.contains("//") || p.contains("\\")) {
            return false;
        }
        int dot = p.lastIndexOf('.');
        String type = dot < 0 ? null : TYPES.get(p.substring(dot + 1));
        if (type == null) {
            // client-side routes (/nodes, /subagents) get the shell
            if (p.matches("/[a-z-]+/?")) {
                p = "/index.html";
                type = TYPES.get("html");
            } else {
                return false;
            }
        }
        byte[] bytes = load(p);
        if (bytes == null) {
            return false;
        }
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.getHeaders().put("X-Frame-Options", "DENY"); // frame-ancestors for browsers without CSP level 2
        response.getHeaders().put("Content-Security-Policy",
                "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
                        + "frame-ancestors 'none'");
        response.write(true, "HEAD".equals(method) ? ByteBuffer.allocate(0) : ByteBuffer.wrap(bytes), callback);
        return true;
    }

    private static byte[] load(String p) throws IOException {
        byte[] cached = CACHE.get(p);
        if (cached != null) {
            return cached;
        }
        try (InputStream in = StaticAssets.class.getResourceAsStream(ROOT + p)) {
            if (in == null) {
                return null;
            }
            byte[] bytes = in.readAllBytes();
            CACHE.put(p, bytes);
            return bytes;
        }
    }
}
