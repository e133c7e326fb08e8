package io.clawgo.examples.transport;

import io.clawgo.testing.TransportArchitecture;
import org.junit.jupiter.api.Test;

/** The example transport keeps the rules of a real transport module: core's public SPI only, no package cycles. */
class TransportArchitectureTest {
    @Test
    void keepsTheRulesOfATransportModule() {
        TransportArchitecture.check("io.clawgo.examples.transport");
    }
}
