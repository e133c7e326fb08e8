package io.clawgo.internal.gateway;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The outermost handler: what every request passes before authentication.
 *
 * <ul>
 *   <li>{@code X-Content-Type-Options: nosniff} on every response (API, UI, errors).</li>
 *   <li>Without a gateway token: the {@code Host} header must name an IP address, {@code localhost}, the configured
 *       host, this machine's host name or one of {@code gateway.allowed_hosts} (403 {@code host_not_allowed}), so
 *       that a page cannot read the API through DNS rebinding (its requests carry the attacker's host name). With a
 *       gateway token the check is skipped: a page cannot present the token, which stops rebinding by itself.</li>
 *   <li>Always: a WebSocket upgrade of {@code /nodes/connect} that carries an {@code Origin} (browsers always send
 *       one) must come from the gateway's own origin or one of {@code gateway.allowed_origins} (403
 *       {@code origin_not_allowed}). Without {@code Origin} (node agents, every non-browser client) it passes.</li>
 * </ul>
 */
final class EdgeHandler extends Handler.Wrapper {
    static final String HOST_NOT_ALLOWED = "host_not_allowed";
    static final String ORIGIN_NOT_ALLOWED = "origin_not_allowed";

    private final boolean checkHost;
    private final Set<String> hosts;
    private final boolean anyOrigin;
    private final Set<String> origins;
    private final String scheme;
    /** Told of every answered request, or nothing when empty. */
    private final Probes probes;

    /**
     * @param checkHost whether to check {@code Host} (the gateway has no token)
     * @param hosts     lower-case host names accepted besides IP literals, or a set holding {@code "*"} for any
     * @param origins   normalised extra origins of the WebSocket upgrade, or a set holding {@code "*"} for any
     * @param scheme    {@code http} or {@code https}: the scheme of the gateway's own origin
     * @param probes    told of every request once it was answered (route, method, status, time)
     */
    EdgeHandler(boolean checkHost, Set<String> hosts, Set<String> origins, String scheme, Probes probes,
                Handler next) {
        super(next);
        this.probes = probes;
        this.checkHost = checkHost && !hosts.contains("*");
        this.hosts = Set.copyOf(hosts);
        this.anyOrigin = origins.contains("*");
        this.origins = Set.copyOf(origins);
        this.scheme = scheme;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (probes.isEmpty()) {
            return edge(request, response, callback);
        }
        long started = System.nanoTime();
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        Callback observed = new Callback.Nested(callback) {
            @Override
            public void succeeded() {
                record(response.getStatus());
                super.succeeded();
            }

            @Override
            public void failed(Throwable x) {
                record(response.isCommitted() ? response.getStatus() : 500);
                super.failed(x);
            }

            private void record(int status) {
                probes.onHttpRequest(Routes.of(path), Routes.method(method), status, System.nanoTime() - started);
            }
        };
        boolean handled = edge(request, response, observed);
        if (!handled) {
            // nobody took it: Jetty answers 404 without the callback
            probes.onHttpRequest(Routes.of(path), Routes.method(method), 404, System.nanoTime() - started);
        }
        return handled;
    }

    private boolean edge(Request request, Response response, Callback callback) throws Exception {
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        String host = request.getHeaders().get(HttpHeader.HOST);
        if (checkHost && host != null && !hostAllowed(host)) {
            HttpIo.error(response, callback, 403, HOST_NOT_ALLOWED, "Host '" + clip(host) + "' is not a name of "
                    + "this gateway: without a gateway token only IP addresses, localhost, gateway.host and this "
                    + "machine's name are accepted; add the name to gateway.allowed_hosts, or set a token");
            return true;
        }
        if ("/nodes/connect".equals(Request.getPathInContext(request))) {
            String origin = request.getHeaders().get(HttpHeader.ORIGIN);
            if (origin != null && !originAllowed(origin, host)) {
                HttpIo.error(response, callback, 403, ORIGIN_NOT_ALLOWED, "Origin '" + clip(origin) + "' may not "
                        + "open the node WebSocket: only the gateway's own origin and gateway.allowed_origins may");
                return true;
            }
        }
        return super.handle(request, response, callback);
    }

    private static String clip(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }

    /** Whether a {@code Host} header value names this gateway. */
    boolean hostAllowed(String hostHeader) {
        String h = hostHeader.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            return true; // an IPv6 literal: no DNS name, so no rebinding
        }
        int colon = h.lastIndexOf(':');
        if (colon >= 0) {
            h = h.substring(0, colon);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.matches("[0-9.]+")) {
            return true; // an IPv4 literal
        }
        return h.equals("localhost") || hosts.contains(h);
    }

    /** Whether a browser page of {@code origin} may open the node WebSocket. */
    boolean originAllowed(String origin, String hostHeader) {
        if (anyOrigin) {
            return true;
        }
        String o = normalizeOrigin(origin);
        if (o == null) {
            return false; // "null" (sandboxed or file pages) and anything unparsable
        }
        if (hostHeader != null && o.equals(normalizeOrigin(scheme + "://" + hostHeader.trim()))) {
            return true;
        }
        return origins.contains(o);
    }

    /** As browsers send it: lower-case scheme and host, the port only when not the scheme's default. */
    static String normalizeOrigin(String origin) {
        URI u;
        try {
            u = new URI(origin.trim());
        } catch (URISyntaxException e) {
            return null;
        }
        String s = u.getScheme() == null ? null : u.getScheme().toLowerCase(Locale.ROOT);
        if (!"http".equals(s) && !"https".equals(s) || u.getHost() == null) {
            return null;
        }
        int port = u.getPort();
        boolean defaultPort = port < 0 || (s.equals("http") && port == 80) || (s.equals("https") && port == 443);
        return s + "://" + u.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    }
}
