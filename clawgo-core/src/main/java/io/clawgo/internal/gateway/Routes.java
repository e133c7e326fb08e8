package io.clawgo.internal.gateway;

import java.util.Set;

/**
 * The route of a request path, as HTTP metrics name it: one of a fixed set, so that a path chosen by a client never
 * becomes a label of its own.
 */
final class Routes {
    /** The paths served by name ({@link ApiHandler}, {@code /metrics}). */
    private static final Set<String> NAMED = Set.of("/health", "/ready", "/metrics", "/nodes/register",
            "/nodes/heartbeat", "/nodes/connect", "/webui/api/version", "/webui/api/nodes",
            "/webui/api/node_dispatches", "/webui/api/node_dispatches/replay", "/webui/api/subagents_runtime",
            "/webui/api/events");

    /** Any other path under {@code /webui/api/}. */
    static final String OTHER_API = "/webui/api/other";
    /** Any other path under {@code /nodes/}. */
    static final String OTHER_NODES = "/nodes/other";
    /** Everything else: the web UI's files and unknown paths. */
    static final String STATIC = "static";

    private Routes() {
    }

    /** The route of {@code path}: the path itself when it is a named route, else one of the catch-alls. */
    static String of(String path) {
        if (path == null) {
            return STATIC;
        }
        if (NAMED.contains(path)) {
            return path;
        }
        if (path.startsWith("/webui/api/")) {
            return OTHER_API;
        }
        if (path.startsWith("/nodes/")) {
            return OTHER_NODES;
        }
        return STATIC;
    }

    /** The method as a label: the usual ones as they are, anything else {@code other}. */
    static String method(String method) {
        return switch (method == null ? "" : method) {
            case "GET" -> "GET";
            case "POST" -> "POST";
            case "HEAD" -> "HEAD";
            case "PUT" -> "PUT";
            case "DELETE" -> "DELETE";
            case "OPTIONS" -> "OPTIONS";
            default -> "other";
        };
    }
}
