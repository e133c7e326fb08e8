package io.clawgo.internal.gateway;

import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.ProtocolException;
import java.util.Map;

/** Typed access to the fields of a decoded JSON request body; wrong types are errors that name the field. */
final class Args {
    private final Map<String, Object> map;

    Args(Map<String, Object> map) {
        this.map = map;
    }

    String string(String key) throws ProtocolException {
        Object v = map.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new ProtocolException(ErrorCodes.INVALID_REQUEST, key + " must be a string");
        }
        return s.trim();
    }

    String requiredString(String key) throws ProtocolException {
        String s = string(key);
        if (s == null || s.isEmpty()) {
            throw new ProtocolException(ErrorCodes.INVALID_REQUEST, key + " is required");
        }
        return s;
    }

    /** A positive number (integer or decimal) or {@code def} when absent; bounded to {@code max}. */
    long positive(String key, long def, long max) throws ProtocolException {
        Object v = map.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof String s && s.trim().matches("\\d{1,9}")) {
            v = Long.parseLong(s.trim());
        }
        if (!(v instanceof Number n) || n.doubleValue() <= 0 || Double.isNaN(n.doubleValue())) {
            throw new ProtocolException(ErrorCodes.INVALID_REQUEST, key + " must be a positive number");
        }
        return Math.min(max, Math.max(1, n.longValue()));
    }

    int nonNegative(String key, int def, int max) throws ProtocolException {
        Object v = map.get(key);
        if (v == null) {
            return def;
        }
        if (!(v instanceof Number n) || n.doubleValue() < 0) {
            throw new ProtocolException(ErrorCodes.INVALID_REQUEST, key + " must be a number >= 0");
        }
        return (int) Math.min(max, n.longValue());
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> object(String key) throws ProtocolException {
        Object v = map.get(key);
        if (v == null) {
            return Map.of();
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new ProtocolException(ErrorCodes.INVALID_REQUEST, key + " must be an object");
        }
        return (Map<String, Object>) m;
    }
}
