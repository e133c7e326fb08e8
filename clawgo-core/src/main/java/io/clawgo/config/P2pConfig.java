package io.clawgo.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code gateway.nodes.p2p}: which P2P transport carries requests to nodes.
 *
 * @param enabled         {@code false} means relay only
 * @param transport       provider name ({@code websocket_tunnel}, {@code webrtc}, or a third-party name);
 *                        {@code null} or empty picks the highest-priority P2P provider on the class path
 * @param stunServers     legacy list of {@code stun:host:port} urls
 * @param iceServers      STUN/TURN servers
 * @param requestTimeout  default wait for a P2P answer when the caller gives none
 * @param maxInFlightPerNode requests in flight per node before {@code p2p_busy}
 * @param readyTimeout    how long a request may wait for a P2P session to become ready (webrtc: the DataChannel to
 *                        open) before it fails with {@code p2p_timeout} (default 8 s)
 */
public record P2pConfig(boolean enabled, String transport, List<String> stunServers, List<IceServer> iceServers,
                        Duration requestTimeout, int maxInFlightPerNode, Duration readyTimeout) {

    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_IN_FLIGHT = 256;
    public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(8);

    /** A configuration with the default ready timeout. */
    public P2pConfig(boolean enabled, String transport, List<String> stunServers, List<IceServer> iceServers,
                     Duration requestTimeout, int maxInFlightPerNode) {
        this(enabled, transport, stunServers, iceServers, requestTimeout, maxInFlightPerNode, DEFAULT_READY_TIMEOUT);
    }

    public P2pConfig {
        stunServers = stunServers == null ? List.of() : List.copyOf(stunServers);
        iceServers = iceServers == null ? List.of() : List.copyOf(iceServers);
        transport = transport == null ? "" : transport.trim().toLowerCase(java.util.Locale.ROOT);
        requestTimeout = requestTimeout == null ? DEFAULT_REQUEST_TIMEOUT : requestTimeout;
        if (maxInFlightPerNode <= 0) {
            maxInFlightPerNode = DEFAULT_MAX_IN_FLIGHT;
        }
        readyTimeout = readyTimeout == null ? DEFAULT_READY_TIMEOUT : readyTimeout;
    }

    /** P2P enabled, transport chosen automatically. */
    public static P2pConfig defaults() {
        return new P2pConfig(true, "", List.of(), List.of(), DEFAULT_REQUEST_TIMEOUT, DEFAULT_MAX_IN_FLIGHT);
    }

    /** P2P enabled with the named transport. */
    public static P2pConfig of(String transport) {
        return new P2pConfig(true, transport, List.of(), List.of(), DEFAULT_REQUEST_TIMEOUT, DEFAULT_MAX_IN_FLIGHT);
    }

    /** Relay only. */
    public static P2pConfig disabled() {
        return new P2pConfig(false, "", List.of(), List.of(), DEFAULT_REQUEST_TIMEOUT, DEFAULT_MAX_IN_FLIGHT);
    }

    /** STUN urls and ICE servers together, STUN first. */
    public List<IceServer> allIceServers() {
        List<IceServer> all = new ArrayList<>();
        for (String s : stunServers) {
            all.add(IceServer.stun(s));
        }
        for (IceServer s : iceServers) {
            if (!s.urls().isEmpty()) {
                all.add(s);
            }
        }
        return all;
    }

    public P2pConfig withTransport(String name) {
        return new P2pConfig(enabled, name, stunServers, iceServers, requestTimeout, maxInFlightPerNode, readyTimeout);
    }

    public P2pConfig withEnabled(boolean on) {
        return new P2pConfig(on, transport, stunServers, iceServers, requestTimeout, maxInFlightPerNode, readyTimeout);
    }

    public P2pConfig withIce(List<String> stun, List<IceServer> ice) {
        return new P2pConfig(enabled, transport, stun, ice, requestTimeout, maxInFlightPerNode, readyTimeout);
    }

    public P2pConfig withReadyTimeout(Duration d) {
        return new P2pConfig(enabled, transport, stunServers, iceServers, requestTimeout, maxInFlightPerNode, d);
    }

    public P2pConfig withMaxInFlightPerNode(int n) {
        return new P2pConfig(enabled, transport, stunServers, iceServers, requestTimeout, n, readyTimeout);
    }

    /** Rejects empty urls and TURN servers without credentials, naming the field. */
    public void validate() {
        for (int i = 0; i < stunServers.size(); i++) {
            if (stunServers.get(i) == null || stunServers.get(i).isBlank()) {
                throw new ConfigException("gateway.nodes.p2p.stun_servers[" + i + "] must not be empty");
            }
        }
        for (int i = 0; i < iceServers.size(); i++) {
            IceServer s = iceServers.get(i);
            for (int j = 0; j < s.urls().size(); j++) {
                String u = s.urls().get(j);
                if (u == null || u.isBlank()) {
                    throw new ConfigException("gateway.nodes.p2p.ice_servers[" + i + "].urls[" + j + "] must not be empty");
                }
                if (!u.matches("^(stun|stuns|turn|turns):.+")) {
                    throw new ConfigException("gateway.nodes.p2p.ice_servers[" + i + "].urls[" + j
                            + "] must start with stun:, stuns:, turn: or turns:");
                }
            }
            if (s.isTurn() && (s.username() == null || s.username().isBlank())) {
                throw new ConfigException("gateway.nodes.p2p.ice_servers[" + i + "].username is required for turn/turns urls");
            }
            if (s.isTurn() && (s.credential() == null || s.credential().isBlank())) {
                throw new ConfigException("gateway.nodes.p2p.ice_servers[" + i + "].credential is required for turn/turns urls");
            }
        }
        if (readyTimeout.isNegative() || readyTimeout.isZero()) {
            throw new ConfigException("gateway.nodes.p2p.ready_timeout_sec must be > 0");
        }
        if (!transport.isEmpty() && !transport.matches("[a-z0-9_.-]+")) {
            throw new ConfigException("gateway.nodes.p2p.transport must be a provider name such as websocket_tunnel or webrtc");
        }
    }
}
