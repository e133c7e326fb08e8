package io.clawgo.transport.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.protocol.WireAck;
import io.clawgo.protocol.WireMessage;
import io.clawgo.spi.ControlChannel;
import io.clawgo.spi.SessionStatus;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The bounded session table and the correlation ids, on their own. */
class SessionTableTest {

    /** Just an identity: the table reads only the node id and the generation. */
    private record Channel(String nodeId, long generation) implements ControlChannel {
        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public boolean send(WireMessage message) {
            return false;
        }

        @Override
        public boolean sendAck(WireAck ack) {
            return false;
        }

        @Override
        public int maxMessageBytes() {
            return 0;
        }
    }

    @Test
    void theTableIsBoundedAndDropsDisconnectedNodesFirst() {
        TunnelGatewayTransport.Sessions s = new TunnelGatewayTransport.Sessions(3);
        s.connected(new Channel("a", 1));
        s.connected(new Channel("b", 2));
        s.connected(new Channel("c", 3));
        s.disconnected(new Channel("b", 2), "control connection closed");
        s.connected(new Channel("d", 4));
        assertThat(s.snapshot(g -> 0)).extracting(SessionStatus::node).containsExactly("a", "c", "d");
        // all open: the oldest row goes
        s.connected(new Channel("e", 5));
        assertThat(s.snapshot(g -> 0)).extracting(SessionStatus::node).containsExactly("c", "d", "e");
    }

    @Test
    void reconnectionsCountAndOnlyTheCurrentConnectionCanMarkANodeDisconnected() {
        TunnelGatewayTransport.Sessions s = new TunnelGatewayTransport.Sessions(10);
        s.connected(new Channel("a", 1));
        s.connected(new Channel("a", 1)); // the same binding again is not a reconnection
        s.connected(new Channel("a", 7));
        s.disconnected(new Channel("a", 1), "old socket closed late");
        SessionStatus row = s.snapshot(g -> g == 7 ? 2 : -1).get(0);
        assertThat(row.status()).isEqualTo("open");
        assertThat(row.retryCount()).isEqualTo(1);
        assertThat(row.inFlight()).isEqualTo(2);
        assertThat(row.lastReadyAt()).isNotNull();
        s.disconnected(new Channel("a", 7), "control connection closed");
        row = s.snapshot(g -> 5).get(0);
        assertThat(row.status()).isEqualTo("disconnected");
        assertThat(row.lastError()).isEqualTo("control connection closed");
        assertThat(row.inFlight()).isZero();
        s.closeAll();
        assertThat(s.snapshot(g -> 0)).extracting(SessionStatus::status).containsExactly("disconnected");
    }

    @Test
    void correlationIdsAre128RandomBitsInUrlSafeBase64() {
        CorrelationIds ids = new CorrelationIds();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            String id = ids.next();
            assertThat(id).matches("[A-Za-z0-9_-]{22}");
            seen.add(id);
        }
        assertThat(seen).hasSize(100_000);
        assertThat(List.copyOf(seen).get(0)).doesNotContain("=");
    }
}
