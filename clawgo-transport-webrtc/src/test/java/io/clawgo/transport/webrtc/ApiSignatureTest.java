package io.clawgo.transport.webrtc;

import io.clawgo.testing.ApiSignatures;
import org.junit.jupiter.api.Test;

/**
 * The public API of clawgo-transport-webrtc is the one recorded in its {@code api/clawgo-transport-webrtc.api}.
 *
 * <p>A change fails here with a diff until it is declared by regenerating that file
 * ({@code -Dclawgo.api.update=true}; see docs/architecture.md, "API compatibility").
 */
class ApiSignatureTest {
    @Test
    void publicApiMatchesTheBaseline() {
        ApiSignatures.assertMatchesBaseline("clawgo-transport-webrtc", WebRtcProvider.class);
    }
}
