package io.clawgo;

import io.clawgo.spi.GatewayContext;
import io.clawgo.spi.GatewayTransport;
import io.clawgo.spi.SessionStatus;
import io.clawgo.spi.TransportProvider;
import io.clawgo.spi.TransportStatus;
import io.clawgo.testing.CarryNothingTransport;
import io.clawgo.testing.ExtraServices;
import java.time.Instant;
import java.util.List;

/**
 * Test-only P2P transport {@code test_status}: carries nothing (every request fails with {@code p2p_unavailable}, so
 * {@code auto} falls back to the relay) and reports fixed sessions, so that the {@code p2p} section, the agent trees
 * and the alerts of {@code /webui/api/nodes} have something in them.
 */
public final class StatusTestTransportProvider extends TransportProvider {
    public static final String NAME = "test_status";
    static final Instant CREATED = Instant.parse("2026-01-02T03:04:05.123Z");
    /** The node whose session is reported besides {@code ghost}'s. */
    static final String NODE = "edge-status";

    /** A class loader that shows this provider to ServiceLoader. */
    static ClassLoader loader() {
        return ExtraServices.loader(TransportProvider.class, StatusTestTransportProvider.class);
    }

    /**
     * The sessions reported: {@link #NODE} connecting (blank status, no error) after 3 retries, and {@code ghost}
     * failed.
     */
    static List<SessionStatus> sessions() {
        return List.of(
                new SessionStatus(NODE, " ", 3, null, CREATED, CREATED.plusSeconds(1), null, 2),
                new SessionStatus("ghost", "failed", 1, "ice failed", CREATED, CREATED.plusSeconds(2),
                        CREATED.plusSeconds(3), 0));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public GatewayTransport createGatewayTransport(GatewayContext context) {
        return new CarryNothingTransport(NAME) {
            @Override
            public TransportStatus status() {
                return new TransportStatus(NAME, 1, 2, sessions());
            }
        };
    }
}
