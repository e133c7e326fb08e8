package io.clawgo.transport.webrtc;

import io.clawgo.testing.TransportArchitecture;
import org.junit.jupiter.api.Test;

/** This transport uses only core's public SPI and has no package cycles ({@link TransportArchitecture}). */
class ArchitectureTest {
    @Test
    void keepsTheRulesOfATransportModule() {
        TransportArchitecture.check("io.clawgo.transport.webrtc");
    }
}
