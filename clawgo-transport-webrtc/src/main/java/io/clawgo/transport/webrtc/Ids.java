package io.clawgo.transport.webrtc;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Unguessable ids: request correlation ids (128 bits) and session attempt ids (64 bits). */
final class Ids {
    private static final SecureRandom RANDOM = create();

    private Ids() {
    }

    static String requestId() {
        return "rtc-" + hex(16);
    }

    static String attemptId() {
        return hex(8);
    }

    /** A DRBG (pure Java, no syscall per id) when available, else the platform default. */
    private static SecureRandom create() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (java.security.NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
