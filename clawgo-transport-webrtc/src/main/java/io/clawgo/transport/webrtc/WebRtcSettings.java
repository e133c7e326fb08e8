package io.clawgo.transport.webrtc;

import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tuning of the webrtc transport, read from system properties when a transport is created (so a property set before
 * {@code Gateway.builder().start()} or {@code NodeAgent.start()} applies to that instance only). Invalid values are
 * logged and replaced by the default.
 *
 * <table>
 * <caption>properties</caption>
 * <tr><td>{@code clawgo.webrtc.ready_timeout_ms}</td><td>8000</td><td>how long a session may take to open its
 * DataChannel before it counts as {@code timeout}</td></tr>
 * <tr><td>{@code clawgo.webrtc.ice_transport_policy}</td><td>{@code all}</td><td>{@code relay}: use TURN relay
 * candidates only (the gateway also tells the node)</td></tr>
 * <tr><td>{@code clawgo.webrtc.frame_bytes}</td><td>262144</td><td>cap of one DataChannel message (1024..262144); the
 * frame size used is the peer's announced {@code max-message-size} (65536 when it announces none) up to this cap;
 * larger JSON messages are chunked</td></tr>
 * <tr><td>{@code clawgo.webrtc.backoff_min_ms} / {@code backoff_max_ms}</td><td>250 / 30000</td><td>delay before
 * re-establishing a session that failed, doubling per consecutive failure</td></tr>
 * <tr><td>{@code clawgo.webrtc.buffer_high_bytes} / {@code buffer_low_bytes}</td><td>1 MiB / 256 KiB</td><td>flow
 * control watermarks of the DataChannel's buffered amount</td></tr>
 * <tr><td>{@code clawgo.webrtc.port_min} / {@code port_max}</td><td>0 / 0</td><td>UDP/TCP port range of ICE host
 * candidates (0: any)</td></tr>
 * </table>
 */
record WebRtcSettings(Duration readyTimeout, boolean relayOnly, int frameBytes, Duration backoffMin,
                      Duration backoffMax, long bufferHigh, long bufferLow, int portMin, int portMax) {
    private static final Logger LOG = LoggerFactory.getLogger(WebRtcSettings.class);

    static final String PREFIX = "clawgo.webrtc.";
    /** SCTP's largest message in libwebrtc ({@code a=max-message-size:262144}). */
    static final int SCTP_MAX_MESSAGE = 256 * 1024;

    static WebRtcSettings defaults() {
        return new WebRtcSettings(Duration.ofSeconds(8), false, SCTP_MAX_MESSAGE, Duration.ofMillis(250),
                Duration.ofSeconds(30), 1024 * 1024, 256 * 1024, 0, 0);
    }

    /** The defaults overridden by the {@code clawgo.webrtc.*} system properties. */
    static WebRtcSettings fromSystemProperties() {
        WebRtcSettings d = defaults();
        long ready = longProp("ready_timeout_ms", d.readyTimeout.toMillis(), 100, 600_000);
        String policy = System.getProperty(PREFIX + "ice_transport_policy", "all").trim().toLowerCase(Locale.ROOT);
        if (!policy.equals("all") && !policy.equals("relay")) {
            LOG.warn("ignoring {}ice_transport_policy={}: use all or relay", PREFIX, policy);
            policy = "all";
        }
        int frame = (int) longProp("frame_bytes", d.frameBytes, 1024, SCTP_MAX_MESSAGE);
        long bmin = longProp("backoff_min_ms", d.backoffMin.toMillis(), 1, 3_600_000);
        long bmax = longProp("backoff_max_ms", d.backoffMax.toMillis(), bmin, 3_600_000);
        long high = longProp("buffer_high_bytes", d.bufferHigh, 64 * 1024, 8L * 1024 * 1024);
        long low = longProp("buffer_low_bytes", d.bufferLow, 0, high);
        int pmin = (int) longProp("port_min", 0, 0, 65535);
        int pmax = (int) longProp("port_max", 0, 0, 65535);
        if (pmax < pmin) {
            LOG.warn("ignoring {}port_min/port_max: max {} is below min {}", PREFIX, pmax, pmin);
            pmin = 0;
            pmax = 0;
        }
        return new WebRtcSettings(Duration.ofMillis(ready), policy.equals("relay"), frame, Duration.ofMillis(bmin),
                Duration.ofMillis(bmax), high, low, pmin, pmax);
    }

    WebRtcSettings withReadyTimeout(Duration d) {
        return new WebRtcSettings(d, relayOnly, frameBytes, backoffMin, backoffMax, bufferHigh, bufferLow, portMin,
                portMax);
    }

    WebRtcSettings withRelayOnly(boolean relay) {
        return new WebRtcSettings(readyTimeout, relay, frameBytes, backoffMin, backoffMax, bufferHigh, bufferLow,
                portMin, portMax);
    }

    private static long longProp(String name, long def, long min, long max) {
        String v = System.getProperty(PREFIX + name);
        if (v == null || v.isBlank()) {
            return def;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n < min || n > max) {
                LOG.warn("ignoring {}{}={}: must be between {} and {}", PREFIX, name, v, min, max);
                return def;
            }
            return n;
        } catch (NumberFormatException e) {
            LOG.warn("ignoring {}{}={}: not a number", PREFIX, name, v);
            return def;
        }
    }
}
