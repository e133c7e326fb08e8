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
 * @param payload result object (never {@code null}); the gateway's router adds {@code dispatch_mode},
 *                {@code used_transport} and, after a fallback, {@code fallback_from} (and {@code p2p_error} when the
 *                last transport failed too)
 */
public record Response(boolean ok, String code, String error, String node, String action, Map<String, Object> payload) {

    /**
     * Creates a response; {@code payload} is copied into an unmodifiable map ({@code null} becomes empty).
     *
     * @param ok      success
     * @param code    machine code
     * @param error   human text when not ok
     * @param node    node id
     * @param action  the request's action
     * @param payload result object, or {@code null}
     */
    public Response {
        payload = payload == null || payload.isEmpty()
                ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(payload));
    }

    /**
     * A successful response with code {@code ok}.
     *
     * @param payload the result object, for example {@code {"result": "..."}}; {@code null} for none
     * @return a response without node and action (the node fills them in)
     */
    public static Response ok(Map<String, Object> payload) {
        return new Response(true, "ok", null, null, null, payload);
    }

    /**
     * A failed response with a code from {@link ErrorCodes} and a human message.
     *
     * @param code    the machine code
     * @param message human text
     * @return a response without node, action and payload
     */
    public static Response error(String code, String message) {
        return new Response(false, code, message, null, null, null);
    }

    /**
     * A failed response for {@code request}, with node and action filled in.
     *
     * @param request the request it answers, or {@code null}
     * @param code    the machine code
     * @param message human text
     * @return a response without payload
     */
    public static Response error(Request request, String code, String message) {
        return new Response(false, code, message, request == null ? null : request.node(),
                request == null ? null : request.action(), null);
    }

    /**
     * This response with node and action filled in from {@code request} where blank, and a blank code replaced by
     * {@code ok} (when ok) or {@link ErrorCodes#REMOTE_ERROR}.
     *
     * @param request the request it answers, or {@code null} to fill in only the code
     * @return this response when nothing changes, else a copy
     */
    public Response backfill(Request request) {
        String n = isBlank(node) && request != null ? request.node() : node;
        String a = isBlank(action) && request != null ? request.action() : action;
        String c = isBlank(code) ? (ok ? "ok" : ErrorCodes.REMOTE_ERROR) : code;
        if (n == node && a == action && c == code) {
            return this;
        }
        return new Response(ok, c, error, n, a, payload);
    }

    /**
     * This response with extra payload keys (existing keys of the same name are replaced).
     *
     * @param extra the keys to add
     * @return a copy
     */
    public Response withPayloadEntries(Map<String, Object> extra) {
        Map<String, Object> p = new LinkedHashMap<>(payload);
        p.putAll(extra);
        return new Response(ok, code, error, node, action, p);
    }

    /**
     * A string from the payload.
     *
     * @param key the payload key
     * @return its value, or {@code null} when absent or not a string
     */
    public String payloadString(String key) {
        Object v = payload.get(key);
        return v instanceof String s ? s : null;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
