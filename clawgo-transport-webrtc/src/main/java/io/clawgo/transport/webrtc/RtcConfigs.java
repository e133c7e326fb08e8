package io.clawgo.transport.webrtc;

import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceServer;
import dev.onvoid.webrtc.RTCIceTransportPolicy;
import java.util.ArrayList;
import java.util.List;

/** Builds the {@link RTCConfiguration} of a peer connection from ICE servers, relay policy and port range. */
final class RtcConfigs {
    private RtcConfigs() {
    }

    static RTCConfiguration build(List<RTCIceServer> iceServers, boolean relayOnly, WebRtcSettings settings) {
        RTCConfiguration c = new RTCConfiguration();
        c.iceServers = new ArrayList<>(iceServers);
        c.iceTransportPolicy = relayOnly ? RTCIceTransportPolicy.RELAY : RTCIceTransportPolicy.ALL;
        if (settings.portMin() > 0 || settings.portMax() > 0) {
            c.portAllocatorConfig.minPort = settings.portMin();
            c.portAllocatorConfig.maxPort = settings.portMax();
        }
        return c;
    }
}
