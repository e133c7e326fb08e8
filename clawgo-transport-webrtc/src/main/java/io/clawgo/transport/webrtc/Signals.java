package io.clawgo.transport.webrtc;

import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCIceServer;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import io.clawgo.config.IceServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The payloads of {@code signal_offer}, {@code signal_answer} and {@code signal_candidate}, built and parsed.
 *
 * <p>Standard fields: SDP {@code {type, sdp}}; candidate {@code {candidate, sdpMid, sdpMLineIndex}} (an empty
 * {@code candidate} means end of candidates). Extensions, ignored by peers that do not know them:
 * <ul>
 *   <li>{@code ice_servers} (offer): {@code [{urls[], username, credential}]}, the gateway's STUN/TURN servers, which
 *       the node uses for its own peer connection (it has no ICE configuration of its own);</li>
 *   <li>{@code ice_transport_policy} (offer): {@code "relay"} when only relay candidates may be used;</li>
 *   <li>{@code attempt} (all three): an id of the gateway's session attempt, echoed by the node, so that a late answer
 *       or candidate of an older attempt is recognised;</li>
 *   <li>{@code max_message_bytes} (offer and answer): the largest reassembled message the sender accepts.</li>
 * </ul>
 */
final class Signals {
    static final String TYPE = "type";
    static final String SDP = "sdp";
    static final String ICE_SERVERS = "ice_servers";
    static final String ICE_TRANSPORT_POLICY = "ice_transport_policy";
    static final String ATTEMPT = "attempt";
    static final String MAX_MESSAGE_BYTES = "max_message_bytes";
    static final String CANDIDATE = "candidate";
    static final String SDP_MID = "sdpMid";
    static final String SDP_MLINE_INDEX = "sdpMLineIndex";

    private Signals() {
    }

    static Map<String, Object> offer(String sdp, List<IceServer> iceServers, boolean relayOnly, String attempt,
                                     int maxMessageBytes) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(TYPE, "offer");
        p.put(SDP, sdp);
        if (!iceServers.isEmpty()) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (IceServer s : iceServers) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("urls", s.urls());
                if (s.username() != null && !s.username().isBlank()) {
                    m.put("username", s.username());
                }
                if (s.credential() != null && !s.credential().isBlank()) {
                    m.put("credential", s.credential());
                }
                list.add(m);
            }
            p.put(ICE_SERVERS, list);
        }
        if (relayOnly) {
            p.put(ICE_TRANSPORT_POLICY, "relay");
        }
        p.put(ATTEMPT, attempt);
        p.put(MAX_MESSAGE_BYTES, (long) maxMessageBytes);
        return p;
    }

    static Map<String, Object> answer(String sdp, String attempt, int maxMessageBytes) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(TYPE, "answer");
        p.put(SDP, sdp);
        if (attempt != null) {
            p.put(ATTEMPT, attempt);
        }
        p.put(MAX_MESSAGE_BYTES, (long) maxMessageBytes);
        return p;
    }

    static Map<String, Object> candidate(RTCIceCandidate c, String attempt) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(CANDIDATE, c == null || c.sdp == null ? "" : c.sdp);
        p.put(SDP_MID, c == null || c.sdpMid == null ? "0" : c.sdpMid);
        p.put(SDP_MLINE_INDEX, c == null ? 0L : (long) c.sdpMLineIndex);
        if (attempt != null) {
            p.put(ATTEMPT, attempt);
        }
        return p;
    }

    /** End-of-candidates marker for the given m-line. */
    static Map<String, Object> endOfCandidates(String sdpMid, String attempt) {
        return candidate(new RTCIceCandidate(sdpMid == null ? "0" : sdpMid, 0, ""), attempt);
    }

    /**
     * The session description of an offer or answer payload.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static RTCSessionDescription description(Map<String, Object> payload, RTCSdpType expected) {
        Object type = payload.get(TYPE);
        Object sdp = payload.get(SDP);
        if (!(sdp instanceof String s) || s.isBlank()) {
            throw new IllegalArgumentException("payload.sdp required");
        }
        String want = expected.name().toLowerCase(Locale.ROOT);
        if (type != null && !want.equalsIgnoreCase(String.valueOf(type).trim())) {
            throw new IllegalArgumentException("payload.type must be " + want + ", got " + type);
        }
        return new RTCSessionDescription(expected, s);
    }

    /**
     * The candidate of a candidate payload, or {@code null} for the end-of-candidates marker.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static RTCIceCandidate candidate(Map<String, Object> payload) {
        Object c = payload.get(CANDIDATE);
        if (c != null && !(c instanceof String)) {
            throw new IllegalArgumentException("payload.candidate must be a string");
        }
        String cand = c == null ? "" : ((String) c).trim();
        if (cand.startsWith("a=")) {
            cand = cand.substring(2);
        }
        if (cand.isEmpty()) {
            return null;
        }
        if (cand.length() > 2048) {
            throw new IllegalArgumentException("payload.candidate too long");
        }
        Object mid = payload.get(SDP_MID);
        Object index = payload.get(SDP_MLINE_INDEX);
        int idx = index instanceof Number n ? n.intValue() : 0;
        if (idx < 0 || idx > 64) {
            throw new IllegalArgumentException("payload.sdpMLineIndex out of range: " + idx);
        }
        return new RTCIceCandidate(mid == null ? "0" : String.valueOf(mid), idx, cand);
    }

    /** The {@code ice_servers} extension of an offer, as webrtc-java servers (empty when absent or malformed). */
    static List<RTCIceServer> iceServers(Map<String, Object> payload) {
        List<RTCIceServer> out = new ArrayList<>();
        if (!(payload.get(ICE_SERVERS) instanceof List<?> list)) {
            return out;
        }
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> m)) {
                continue;
            }
            List<String> urls = new ArrayList<>();
            Object u = m.get("urls");
            if (u instanceof String s) {
                urls.add(s);
            } else if (u instanceof List<?> l) {
                for (Object x : l) {
                    if (x instanceof String s && isIceUrl(s)) {
                        urls.add(s.trim());
                    }
                }
            }
            urls.removeIf(s -> !isIceUrl(s));
            if (urls.isEmpty() || out.size() >= 16) {
                continue;
            }
            RTCIceServer server = new RTCIceServer();
            server.urls = urls;
            server.username = m.get("username") instanceof String s ? s : null;
            server.password = m.get("credential") instanceof String s ? s : null;
            out.add(server);
        }
        return out;
    }

    /** Whether the offer asks for relay candidates only. */
    static boolean relayOnly(Map<String, Object> payload) {
        return "relay".equalsIgnoreCase(String.valueOf(payload.get(ICE_TRANSPORT_POLICY)).trim());
    }

    /** The {@code attempt} extension, or {@code null}. */
    static String attempt(Map<String, Object> payload) {
        Object a = payload.get(ATTEMPT);
        return a instanceof String s && !s.isBlank() && s.length() <= 128 ? s : null;
    }

    /** The {@code max_message_bytes} extension, or 0 when absent or invalid. */
    static int maxMessageBytes(Map<String, Object> payload) {
        Object v = payload.get(MAX_MESSAGE_BYTES);
        if (v instanceof Number n && n.longValue() >= 4096) {
            return (int) Math.min(Integer.MAX_VALUE, n.longValue());
        }
        return 0;
    }

    /** Our ICE servers as webrtc-java servers. */
    static List<RTCIceServer> toRtc(List<IceServer> servers) {
        List<RTCIceServer> out = new ArrayList<>();
        for (IceServer s : servers) {
            RTCIceServer r = new RTCIceServer();
            r.urls = new ArrayList<>(s.urls());
            r.username = s.username();
            r.password = s.credential();
            out.add(r);
        }
        return out;
    }

    private static boolean isIceUrl(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        return t.startsWith("stun:") || t.startsWith("stuns:") || t.startsWith("turn:") || t.startsWith("turns:");
    }
}
