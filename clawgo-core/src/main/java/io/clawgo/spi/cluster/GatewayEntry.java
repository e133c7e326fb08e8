package io.clawgo.spi.cluster;

import java.time.Instant;
import java.util.Objects;

/**
 * One gateway of the cluster, as the directory sees it.
 *
 * @param id       the gateway's member id (new at every start of a gateway)
 * @param url      the URL the gateway advertises (for operators; nodes use their own list)
 * @param nodes    how many nodes' connections it holds, as it last published
 * @param lastSeen when this gateway last heard from it (its own clock)
 * @param alive    whether it was heard from recently enough to be taken as running
 */
public record GatewayEntry(String id, String url, int nodes, Instant lastSeen, boolean alive) {

    /**
     * Checks the components.
     *
     * @param id       member id
     * @param url      advertised URL
     * @param nodes    connections held
     * @param lastSeen last heard from
     * @param alive    taken as running
     * @throws NullPointerException when {@code id}, {@code url} or {@code lastSeen} is {@code null}
     */
    public GatewayEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(lastSeen, "lastSeen");
    }
}
