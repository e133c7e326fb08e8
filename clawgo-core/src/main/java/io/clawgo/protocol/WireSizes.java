package io.clawgo.protocol;

/**
 * UTF-8 sizes of text, counted without encoding it: the message limits of clawgo ({@code gateway.max_message_bytes},
 * a node's {@code maxMessageBytes}, {@code signal_max_bytes}) are in UTF-8 bytes, while frames are held as Java
 * strings.
 *
 * <p>Stateless and thread-safe. Each method reads its argument once, in O(length), and allocates nothing.
 */
public final class WireSizes {
    private WireSizes() {
    }

    /**
     * Checks the UTF-8 size of {@code text} without encoding it.
     *
     * @param text     the text, not {@code null}
     * @param maxBytes the largest allowed size, in bytes
     * @throws ProtocolException with {@link ErrorCodes#PAYLOAD_TOO_LARGE} when the UTF-8 size of {@code text} exceeds
     *                           {@code maxBytes}
     * @throws NullPointerException when {@code text} is {@code null}
     */
    public static void checkSize(String text, int maxBytes) throws ProtocolException {
        if (!fits(text, maxBytes)) {
            throw new ProtocolException(ErrorCodes.PAYLOAD_TOO_LARGE,
                    "message of " + utf8Length(text) + " bytes exceeds the limit of " + maxBytes + " bytes");
        }
    }

    /**
     * Whether the UTF-8 encoding of {@code text} is at most {@code maxBytes} long, without encoding it and, unless
     * {@code text} is near the limit, without counting.
     *
     * @param text     the text, not {@code null}
     * @param maxBytes the largest allowed size, in bytes
     * @return {@code true} when it fits
     * @throws NullPointerException when {@code text} is {@code null}
     */
    public static boolean fits(CharSequence text, long maxBytes) {
        // chars <= UTF-8 bytes <= 3 * chars: only count exactly near the limit.
        return text.length() <= maxBytes && ((long) text.length() * 3 <= maxBytes || utf8Length(text) <= maxBytes);
    }

    /**
     * The UTF-8 encoded length of {@code s}, without encoding it.
     *
     * @param s the characters, not {@code null}
     * @return the length in bytes; an unpaired surrogate counts 3 bytes
     * @throws NullPointerException when {@code s} is {@code null}
     */
    public static long utf8Length(CharSequence s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
