package io.clawgo.transport.ws;

import java.security.SecureRandom;
import java.util.Base64;

/** Unguessable correlation ids: 128 bits from {@link SecureRandom}, URL-safe base64 without padding (22 chars). */
final class CorrelationIds {
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private final SecureRandom random = new SecureRandom();

    String next() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return ENCODER.encodeToString(b);
    }
}
