package io.clawgo.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class P2pConfigTest {

    private static P2pConfig everyValueSet() {
        return P2pConfig.builder()
                .enabled(false)
                .transport("  WebRTC ")
                .stunServers(List.of("stun:a.example:3478"))
                .iceServers(List.of(IceServer.stun("stun:b.example:3478")))
                .requestTimeout(Duration.ofSeconds(7))
                .maxInFlightPerNode(9)
                .readyTimeout(Duration.ofSeconds(3))
                .directCallbacks(true)
                .signalMaxBytes(8192)
                .signalRatePerSec(5)
                .signalBurst(11)
                .nodeToNodeSignals(true)
                .build();
    }

    @Test
    void theBuilderSetsEveryValueAndFillsInTheDefaults() {
        P2pConfig c = everyValueSet();
        assertThat(c.enabled()).isFalse();
        assertThat(c.transport()).isEqualTo("webrtc");
        assertThat(c.stunServers()).containsExactly("stun:a.example:3478");
        assertThat(c.iceServers()).containsExactly(IceServer.stun("stun:b.example:3478"));
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(c.maxInFlightPerNode()).isEqualTo(9);
        assertThat(c.readyTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.directCallbacks()).isTrue();
        assertThat(c.signalMaxBytes()).isEqualTo(8192);
        assertThat(c.signalRatePerSec()).isEqualTo(5);
        assertThat(c.signalBurst()).isEqualTo(11);
        assertThat(c.nodeToNodeSignals()).isTrue();

        P2pConfig d = P2pConfig.builder().maxInFlightPerNode(-1).signalBurst(0).build();
        assertThat(d).isEqualTo(P2pConfig.defaults()).hasSameHashCodeAs(P2pConfig.defaults());
        assertThat(d.enabled()).isTrue();
        assertThat(d.transport()).isEmpty();
        assertThat(d.stunServers()).isEmpty();
        assertThat(d.iceServers()).isEmpty();
        assertThat(d.requestTimeout()).isEqualTo(P2pConfig.DEFAULT_REQUEST_TIMEOUT);
        assertThat(d.maxInFlightPerNode()).isEqualTo(P2pConfig.DEFAULT_MAX_IN_FLIGHT);
        assertThat(d.readyTimeout()).isEqualTo(P2pConfig.DEFAULT_READY_TIMEOUT);
        assertThat(d.signalBurst()).isEqualTo(P2pConfig.DEFAULT_SIGNAL_BURST);
        assertThat(P2pConfig.of("webrtc")).isEqualTo(P2pConfig.builder().transport("webrtc").build());
        assertThat(P2pConfig.disabled()).isEqualTo(P2pConfig.builder().enabled(false).build());
    }

    @Test
    void toBuilderKeepsEveryValueAndTheCopiesChangeOne() {
        P2pConfig c = everyValueSet();
        assertThat(c.toBuilder().build()).isEqualTo(c).hasSameHashCodeAs(c).isNotSameAs(c);
        assertThat(c.withTransport("x")).isEqualTo(c.toBuilder().transport("x").build());
        assertThat(c.withEnabled(true)).isEqualTo(c.toBuilder().enabled(true).build());
        assertThat(c.withIce(null, null)).isEqualTo(c.toBuilder().stunServers(null).iceServers(null).build());
        assertThat(c.withReadyTimeout(Duration.ofSeconds(1))).isEqualTo(c.toBuilder().readyTimeout(Duration.ofSeconds(1)).build());
        assertThat(c.withMaxInFlightPerNode(2)).isEqualTo(c.toBuilder().maxInFlightPerNode(2).build());
        assertThat(c.withDirectCallbacks(false)).isEqualTo(c.toBuilder().directCallbacks(false).build());
        assertThat(c.withSignalLimits(4096, 1, 2))
                .isEqualTo(c.toBuilder().signalMaxBytes(4096).signalRatePerSec(1).signalBurst(2).build());
        assertThat(c.withNodeToNodeSignals(false)).isEqualTo(c.toBuilder().nodeToNodeSignals(false).build());
        assertThat(c.withTransport("x")).isNotEqualTo(c);
    }

    @Test
    void listsAreCopiedAndNullElementsRefused() {
        List<String> stun = new ArrayList<>(List.of("stun:a.example:3478"));
        P2pConfig c = P2pConfig.builder().stunServers(stun).build();
        stun.add("stun:later.example:3478");
        assertThat(c.stunServers()).containsExactly("stun:a.example:3478");
        assertThatThrownBy(() -> c.stunServers().add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> P2pConfig.builder().iceServers(Arrays.asList((IceServer) null)).build())
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void toStringNamesEveryValueLikeTheRecordDid() {
        assertThat(P2pConfig.defaults().toString()).isEqualTo("P2pConfig[enabled=true, transport=, stunServers=[], "
                + "iceServers=[], requestTimeout=PT1M, maxInFlightPerNode=256, readyTimeout=PT8S, "
                + "directCallbacks=false, signalMaxBytes=65536, signalRatePerSec=64, signalBurst=256, "
                + "nodeToNodeSignals=false]");
    }
}
