package io.clawgo.internal.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Bearer-token check in front of every API route, {@code /metrics} (unless {@code gateway.metrics.public}) and the
 * WebSocket upgrade. Only {@code /health}, {@code /ready} and the static web UI shell (which holds no data) are
 * public. Tokens are compared in constant time and never logged; query-string and
 * cookie tokens are not accepted.
 *
 * <p>The gateway token grants everything. A per-node token ({@code gateway.nodes.tokens}) grants only the node routes
 * ({@code /nodes/register}, {@code /nodes/heartbeat}, {@code /nodes/connect}) and only for its own node id: the
 * handlers read that id from the request attribute {@link #NODE_PRINCIPAL}.
 */
final class AuthHandler extends Handler.Wrapper {
    /** Request attribute holding the node id of a request authenticated with a per-node token. */
    static final String NODE_PRINCIPAL = "io.clawgo.nodePrincipal";

    private final byte[] tokenDigest;
    private final Map<String, byte[]> nodeDigests;

    /** Whether {@code /metrics} is served without the gateway token ({@code gateway.metrics.public}). */
    private final boolean metricsOpen;

    /**
     * @param metricsOpen whether {@code /metrics} is public; otherwise it needs the gateway token like the API
     */
    AuthHandler(String token, Map<String, String> nodeTokens, boolean metricsOpen, Handler next) {
        super(next);
        this.metricsOpen = metricsOpen;
        this.tokenDigest = token == null || token.isEmpty() ? null : sha256(token);
        Map<String, byte[]> m = new LinkedHashMap<>();
        nodeTokens.forEach((id, t) -> m.put(id, sha256(t)));
        this.nodeDigests = Map.copyOf(m);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        if ((tokenDigest == null && nodeDigests.isEmpty())
                || (isPublic(path) && (metricsOpen || !METRICS_PATH.equals(path)))) {
            return super.handle(request, response, callback);
        }
        byte[] presented = presented(request);
        if (presented != null) {
            if (tokenDigest != null && MessageDigest.isEqual(tokenDigest, presented)) {
                return super.handle(request, response, callback);
            }
            String node = nodeFor(presented);
            if (node != null && path.startsWith("/nodes/")) {
                request.setAttribute(NODE_PRINCIPAL, node);
                return super.handle(request, response, callback);
            }
            if (node != null) {
                HttpIo.error(response, callback, 403, "forbidden", "a node token grants only the /nodes/ routes");
                return true;
            }
        }
        if (tokenDigest == null) {
            // only per-node tokens are configured: the rest of the API stays open, as without a token
            if (!path.startsWith("/nodes/")) {
                return super.handle(request, response, callback);
            }
        }
        response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"clawgo\"");
        HttpIo.error(response, callback, 401, "unauthorized",
                "unauthorized: send the gateway token as 'Authorization: Bearer <token>'");
        return true;
    }

    /** The node whose token digest equals {@code presented}; every entry is compared, in constant time each. */
    private String nodeFor(byte[] presented) {
        String match = null;
        for (Map.Entry<String, byte[]> e : nodeDigests.entrySet()) {
            if (MessageDigest.isEqual(e.getValue(), presented)) {
                match = e.getKey();
            }
        }
        return match;
    }

    /** The path of the metrics text ({@code gateway.metrics}). */
    static final String METRICS_PATH = "/metrics";

    static boolean isPublic(String path) {
        return !(path.startsWith("/nodes/") || path.startsWith("/webui/api"));
    }

    /** The SHA-256 of the bearer token, or {@code null} when there is none. */
    private static byte[] presented(Request request) {
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (header == null) {
            return null;
        }
        String h = header.trim();
        if (h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return sha256(h.substring(7).trim());
    }

    /** The node id a request is limited to, or {@code null} for the gateway token (or no auth). */
    static String nodePrincipal(Request request) {
        Object v = request.getAttribute(NODE_PRINCIPAL);
        return v instanceof String s ? s : null;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
