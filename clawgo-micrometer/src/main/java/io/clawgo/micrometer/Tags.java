package io.clawgo.micrometer;

import io.clawgo.protocol.ErrorCodes;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Tag values from what nodes and clients may choose, kept to a bounded set: a value outside it becomes {@code other},
 * so a node answering made-up error codes cannot grow the number of time series.
 */
final class Tags {
    /** Every code of {@link ErrorCodes}, plus {@code ok}. */
    private static final Set<String> CODES = codes();
    /** Transport names as providers write them. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9_]{1,32}");
    /** Names seen, to their tag: a handful in practice (the transports on the class path). */
    private static final java.util.concurrent.ConcurrentMap<String, String> TRANSPORTS =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_TRANSPORTS = 64;
    private static final Set<String> OFFLINE_REASONS = Set.of("disconnected", "ttl", "half_open", "moved");

    static final String OTHER = "other";
    static final String NONE = "none";

    private Tags() {
    }

    private static Set<String> codes() {
        Set<String> out = new HashSet<>();
        out.add("ok");
        out.add("forbidden"); // a registration refused to a token that does not own the id
        for (Field f : ErrorCodes.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                try {
                    out.add((String) f.get(null));
                } catch (IllegalAccessException e) {
                    // a public constant is always readable
                }
            }
        }
        return Set.copyOf(out);
    }

    /** The outcome of a response: {@code ok}, a code of {@link ErrorCodes}, {@code error} (none given), or other. */
    static String outcome(boolean ok, String code) {
        if (ok) {
            return "ok";
        }
        if (code == null || code.isBlank()) {
            return "error";
        }
        return CODES.contains(code) ? code : OTHER;
    }

    /** A transport name, {@code none} for {@code null}, {@code other} for anything that is not a name. */
    static String transport(String name) {
        if (name == null || name.isEmpty()) {
            return NONE;
        }
        String known = TRANSPORTS.get(name);
        if (known != null) {
            return known; // the usual case: no matcher per dispatch
        }
        String tag = NAME.matcher(name).matches() ? name : OTHER;
        if (TRANSPORTS.size() < MAX_TRANSPORTS) {
            TRANSPORTS.putIfAbsent(name, tag);
        }
        return tag;
    }

    /** An offline reason of {@code Gateway.Observer#onNodeOffline}, or other. */
    static String offlineReason(String reason) {
        return reason != null && OFFLINE_REASONS.contains(reason) ? reason : OTHER;
    }
}
