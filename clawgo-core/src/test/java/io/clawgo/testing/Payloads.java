package io.clawgo.testing;

/** Payloads for benchmarks. */
public final class Payloads {
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";

    private Payloads() {
    }

    /** Printable ASCII of exactly {@code n} characters (and UTF-8 bytes) that JSON does not escape, not repetitive. */
    public static String ascii(int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(ALPHABET.charAt((i * 31 + i / 7) % ALPHABET.length()));
        }
        return sb.toString();
    }
}
