package io.clawgo.spi.cluster;

import java.util.Objects;

/**
 * Whether a gateway's member of the cluster works.
 *
 * @param ready  {@code true} when the gateway can reach the other gateways through the engine now
 * @param detail why not, or a short state when ready (for example {@code "connected to nats://10.0.0.5:4222"})
 */
public record ClusterHealth(boolean ready, String detail) {

    /**
     * Checks the detail.
     *
     * @param ready  whether the cluster works
     * @param detail a short text
     * @throws NullPointerException when {@code detail} is {@code null}
     */
    public ClusterHealth {
        Objects.requireNonNull(detail, "detail");
    }
}
