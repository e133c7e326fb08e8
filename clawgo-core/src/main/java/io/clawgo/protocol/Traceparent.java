package io.clawgo.protocol;

/**
 * The W3C Trace Context {@code traceparent} value that a dispatch may carry to a node (see {@link Request#traceparent()}).
 *
 * <p>clawgo-java propagates trace context, it does not trace: a value given by the caller travels unchanged to the
 * node and to the node's endpoint, and the gateway never starts a trace of its own. Only version {@code 00} is
 * accepted, in its exact form: {@code 00-<trace id>-<parent id>-<flags>}, 55 characters, with a trace id of 32 and a
 * parent id of 16 lower-case hexadecimal digits (neither all zeros) and flags of 2. Anything else (upper-case digits,
 * another version, white space, a longer value) is invalid and dropped, never passed on and never an error.
 *
 * <p>Checking a value allocates nothing; the class has no state and is thread-safe.
 */
public final class Traceparent {

    /** The name of the HTTP header (and of the NATS header on a forwarded dispatch). */
    public static final String HEADER = "traceparent";

    /** The length of a version {@code 00} value. */
    public static final int LENGTH = 55;

    private static final int TRACE_ID_START = 3;
    private static final int TRACE_ID_END = 35;
    private static final int PARENT_ID_START = 36;
    private static final int PARENT_ID_END = 52;
    private static final int FLAGS_START = 53;

    private Traceparent() {
    }

    /**
     * Whether {@code value} is a valid version {@code 00} {@code traceparent}.
     *
     * @param value the value, or {@code null}
     * @return {@code true} for exactly {@code 00-<32 hex>-<16 hex>-<2 hex>}, lower case, with neither id all zeros
     */
    public static boolean isValid(CharSequence value) {
        if (value == null || value.length() != LENGTH) {
            return false;
        }
        return value.charAt(0) == '0' && value.charAt(1) == '0'
                && value.charAt(2) == '-' && value.charAt(TRACE_ID_END) == '-' && value.charAt(PARENT_ID_END) == '-'
                && hexNotAllZero(value, TRACE_ID_START, TRACE_ID_END)
                && hexNotAllZero(value, PARENT_ID_START, PARENT_ID_END)
                && hex(value.charAt(FLAGS_START)) && hex(value.charAt(FLAGS_START + 1));
    }

    /**
     * The value itself when valid, else {@code null}: what a receiver keeps of a {@code traceparent} it was given.
     *
     * @param value the value, or {@code null}
     * @return {@code value}, or {@code null} when it is not valid (see {@link #isValid(CharSequence)})
     */
    public static String validOrNull(String value) {
        return isValid(value) ? value : null;
    }

    /**
     * The trace id of a valid {@code traceparent}.
     *
     * @param value the value, or {@code null}
     * @return its 32 hexadecimal digits, or {@code null} when {@code value} is not valid
     */
    public static String traceId(String value) {
        return isValid(value) ? value.substring(TRACE_ID_START, TRACE_ID_END) : null;
    }

    private static boolean hexNotAllZero(CharSequence s, int from, int to) {
        boolean nonZero = false;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!hex(c)) {
                return false;
            }
            nonZero |= c != '0';
        }
        return nonZero;
    }

    private static boolean hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    }
}
