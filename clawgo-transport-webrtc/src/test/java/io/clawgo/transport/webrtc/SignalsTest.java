package io.clawgo.transport.webrtc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCIceServer;
import dev.onvoid.webrtc.RTCSdpType;
import io.clawgo.config.IceServer;
import io.clawgo.protocol.WireCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Signal payloads, including the extensions, survive the JSON codec. */
class SignalsTest {

    private static Map<String, Object> viaJson(Map<String, Object> m) throws Exception {
        return WireCodec.get().decodeMap(WireCodec.get().toJson(m), 1 << 20);
    }

    @Test
    void offerCarriesIceServersPolicyAttemptAndLimit() throws Exception {
        Map<String, Object> p = viaJson(Signals.offer("v=0", List.of(IceServer.stun("stun:10.0.0.1:3478"),
                new IceServer(List.of("turn:10.0.0.1:3478?transport=udp"), "u", "p")), true, "abc", 8 << 20));
        assertThat(p).containsEntry("type", "offer").containsEntry("sdp", "v=0").containsEntry("attempt", "abc");
        assertThat(Signals.description(p, RTCSdpType.OFFER).sdp).isEqualTo("v=0");
        assertThat(Signals.relayOnly(p)).isTrue();
        assertThat(Signals.maxMessageBytes(p)).isEqualTo(8 << 20);
        List<RTCIceServer> servers = Signals.iceServers(p);
        assertThat(servers).hasSize(2);
        assertThat(servers.get(1).urls).containsExactly("turn:10.0.0.1:3478?transport=udp");
        assertThat(servers.get(1).username).isEqualTo("u");
        assertThat(servers.get(1).password).isEqualTo("p");
    }

    @Test
    void plainClawgoPayloadsWork() {
        Map<String, Object> answer = Map.of("type", "answer", "sdp", "v=0");
        assertThat(Signals.description(answer, RTCSdpType.ANSWER).sdpType).isEqualTo(RTCSdpType.ANSWER);
        assertThat(Signals.attempt(answer)).isNull();
        assertThat(Signals.maxMessageBytes(answer)).isZero();
        assertThat(Signals.iceServers(answer)).isEmpty();
        assertThatThrownBy(() -> Signals.description(Map.of("type", "offer", "sdp", "v=0"), RTCSdpType.ANSWER))
                .hasMessageContaining("must be answer");
        assertThatThrownBy(() -> Signals.description(Map.of("type", "answer"), RTCSdpType.ANSWER))
                .hasMessageContaining("sdp required");
    }

    @Test
    void candidatesRoundTripAndEndOfCandidatesIsNull() throws Exception {
        RTCIceCandidate c = new RTCIceCandidate("0", 0, "candidate:1 1 udp 2122260223 10.251.0.1 50000 typ host");
        Map<String, Object> p = viaJson(Signals.candidate(c, "a1"));
        assertThat(p).containsEntry("sdpMid", "0").containsEntry("sdpMLineIndex", 0L).containsEntry("attempt", "a1");
        RTCIceCandidate back = Signals.candidate(p);
        assertThat(back.sdp).isEqualTo(c.sdp);
        assertThat(back.sdpMLineIndex).isZero();
        assertThat(Signals.candidate(viaJson(Signals.endOfCandidates("0", "a1")))).isNull();
        assertThat(Signals.candidate(Map.of("candidate", "a=" + c.sdp)).sdp).isEqualTo(c.sdp);
        assertThatThrownBy(() -> Signals.candidate(Map.of("candidate", 5L))).hasMessageContaining("string");
    }

    @Test
    void malformedIceServersAreSkipped() {
        List<Object> list = new ArrayList<>();
        list.add("nope");
        list.add(Map.of("urls", List.of("http://x")));
        list.add(Map.of("urls", "stun:10.0.0.1:3478"));
        assertThat(Signals.iceServers(Map.of("ice_servers", list))).hasSize(1);
    }
}
