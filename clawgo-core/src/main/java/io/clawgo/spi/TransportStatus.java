package io.clawgo.spi;

import java.util.List;

/**
 * A transport's sessions, as shown in the {@code p2p} section of {@code /webui/api/nodes}.
 *
 * @param transport      transport name
 * @param activeSessions sessions that can carry requests now
 * @param iceServers     number of configured ICE servers (0 for transports without ICE)
 * @param nodes          one entry per node the transport knows
 */
public record TransportStatus(String transport, int activeSessions, int iceServers, List<SessionStatus> nodes) {

    /**
     * Creates a status; {@code nodes} is copied ({@code null} becomes empty).
     *
     * @param transport      transport name
     * @param activeSessions sessions that can carry requests now
     * @param iceServers     number of configured ICE servers
     * @param nodes          one entry per node, or {@code null}; no {@code null} elements
     * @throws NullPointerException when {@code nodes} holds a {@code null} element
     */
    public TransportStatus {
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
    }

    /**
     * A status with no sessions.
     *
     * @param transport the transport name
     * @return a status with zero sessions, zero ICE servers and no nodes
     */
    public static TransportStatus empty(String transport) {
        return new TransportStatus(transport, 0, 0, List.of());
    }
}
