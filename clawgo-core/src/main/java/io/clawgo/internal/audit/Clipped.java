package io.clawgo.internal.audit;

/**
 * Bounds text a node supplied (a result, an error, a code) before the gateway keeps or logs it. A node may send up to
 * {@code max_message_bytes} (8 MiB) of it: kept whole, a thousand task records hold gigabytes, and logged raw, a CR or
 * LF in it writes fake log lines.
 */
public final class Clipped {
    /** The most characters of one node-supplied value written to a log line, escapes included. */
    public static final int LOG_CHARS = 4096;
    /** The most characters of a node-supplied error code kept or logged. */
    public static final int CODE_CHARS = 128;

    private Clipped() {
    }

    /**
     * {@code s} cut to at most {@code max} characters plus a marker {@code …[truncated N chars]} naming how many were
     * dropped; never cuts a surrogate pair in two.
     *
     * @return {@code s} itself when it fits or is {@code null}
     */
    public static String text(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        int cut = Math.max(0, max);
        if (cut > 0 && Character.isHighSurrogate(s.charAt(cut - 1))) {
            cut--;
        }
        return s.substring(0, cut) + "…[truncated " + (s.length() - cut) + " chars]";
    }

    /**
     * {@code s} for one log line: control characters (C0, DEL, C1, U+2028, U+2029) escaped ({@code \n}, {@code \r},
     * {@code \t}, else {@code \}{@code uXXXX}), and the result cut at {@link #LOG_CHARS} with a marker naming how many
     * characters of {@code s} were left out.
     *
     * @return {@code "null"} for {@code null}
     */
    public static String forLog(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder out = null;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean control = c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
            if (out == null) {
                if (!control && i < LOG_CHARS) {
                    continue;
                }
                out = new StringBuilder(Math.min(n, LOG_CHARS) + 32).append(s, 0, i);
            }
            if (out.length() >= LOG_CHARS) {
                return out.append("…[truncated ").append(n - i).append(" chars]").toString();
            }
            if (!control) {
                out.append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c == '\t') {
                out.append("\\t");
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out == null ? s : out.toString();
    }
}
