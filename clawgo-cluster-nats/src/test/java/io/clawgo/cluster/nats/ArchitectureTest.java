package io.clawgo.cluster.nats;

import io.clawgo.testing.TransportArchitecture;
import org.junit.jupiter.api.Test;

/**
 * This provider uses only core's public packages (the cluster SPI, the protocol, the config), as a third party's
 * Redis or etcd provider would, and has no package cycles: the rules of a transport module
 * ({@link TransportArchitecture}).
 */
class ArchitectureTest {
    @Test
    void keepsTheRulesOfAProviderModule() {
        TransportArchitecture.check("io.clawgo.cluster.nats");
    }
}
