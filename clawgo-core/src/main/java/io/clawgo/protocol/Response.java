package io.clawgo.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer to a {@link Request}.
 *
 * @param ok      success
 * @param code    machine code: {@code ok} or one of {@link ErrorCodes} (remote endpoints may use their own)
 * @param error   human text when not ok
 * @param node    node id
 * @param action  the request's action
 * @param payload result object (never {@code null}); the router adds {@code dispatch_mode}, {@code used_transport} and
 *                {@code fallback_from}
 */
public record Response(boolean ok, String code, String error, String node, String action, Map<String, Object> payload) {

    public Response {
        payload = payload == null || payload.isEmpty()
                ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(payload));
    }

    /** A successful response with code {@code ok}. */
    public static Response ok(Map<String, Object> payload) {
        return new Response(true, "ok", null, null, null, payload);
    }

    /** A failed response with a code from {@link ErrorCodes} and a human message. */
    public static Response error(String code, String message) {
        return new Response(false, code, message, null, null, null);
    }

    /** A failed response for {@code request}, with node and action filled in. */
    public static Response error(Request request, String code, String message) {
        return new Response(false, code, message, request == null ? null : request.node(),
                request == null ? null : request.action(), null);
    }

    /** This response with node and action filled in from {@code request} where blank, and a code when blank. */
    public Response backfill(Request request) {
        String n = isBlank(node) && request != null ? request.node() : node;
        String a = isBlank(action) && request != null ? request.action() : action;
        String c = isBlank(code) ? (ok ? "ok" : ErrorCodes.REMOTE_ERROR) : code;
        if (n == node && a == action && c == code) {
            return this;
        }
        return new Response(ok, c, error, n, a, payload);
    }

    /** This response with extra payload keys (existing keys of the same name are replaced). */
    public Response withPayloadEntries(Map<String, Object> extra) {
        Map<String, Object> p = new LinkedHashMap<>(payload);
        p.putAll(extra);
        return new Response(ok, code, error, node, action, p);
    }

    /** A string from the payload, or {@code null}. */
    public String payloadString(String key) {
        Object v = payload.get(key);
        return v instanceof String s ? s : null;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
