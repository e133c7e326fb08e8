package io.clawgo.spi;

import java.time.Instant;

/**
 * One node's session on a transport, one entry of {@link TransportStatus#nodes()}.
 *
 * @param node        node id
 * @param status      {@code connecting}, {@code open}, {@code failed}, {@code closed}, {@code disconnected},
 *                    {@code timeout}, ...; {@code null} or blank shows as {@code connecting}; {@code failed},
 *                    {@code closed} and {@code disconnected} raise the {@code p2p_session_down} alert
 * @param retryCount  real re-establishment attempts; 3 or more (2 or more while {@code connecting}) raise the
 *                    {@code p2p_session_unstable} alert
 * @param lastError   last error text, or {@code null}
 * @param createdAt   when the session was created
 * @param lastAttempt when it was last (re)attempted
 * @param lastReadyAt when it last became ready, or {@code null}
 * @param inFlight    requests in flight on it
 */
public record SessionStatus(String node, String status, int retryCount, String lastError, Instant createdAt,
                            Instant lastAttempt, Instant lastReadyAt, int inFlight) {
}
