package io.clawgo.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code gateway.nodes.p2p}: which P2P transport carries requests to nodes.
 *
 * @param enabled         {@code false} means relay only (default {@code true})
 * @param transport       provider name ({@code websocket_tunnel}, {@code webrtc}, or a third-party name), trimmed and
 *                        lower-cased; {@code null} or empty picks the highest-priority available P2P provider on the
 *                        class path
 * @param stunServers     legacy list of {@code stun:host:port} urls
 * @param iceServers      STUN/TURN servers
 * @param requestTimeout  the wait for a P2P answer that a transport uses when it is given no timeout (default 60 s)
 * @param maxInFlightPerNode requests in flight per node before {@code p2p_busy} (default 256); each transport
 *                        enforces it
 * @param readyTimeout    how long a request may wait for a P2P session to become ready (webrtc: the DataChannel to
 *                        open) before it fails with {@code p2p_timeout} (default 8 s)
 * @param directCallbacks {@code true}: continuations attached without an executor to dispatch futures run on the
 *                        thread that completed them (often the socket reader that received the node's answer),
 *                        saving a thread hand-off per request; they must then be quick and never block, or they stall
 *                        that node's socket (default {@code false}: on the gateway's callback pool; a caller waiting
 *                        in {@code get} or {@code join} is woken directly either way)
 * @param signalMaxBytes  the largest {@code signal_*} frame a node may send over its control socket, in UTF-8 bytes
 *                        ({@code signal_max_bytes}, default 64 KiB); a larger one gets a {@code signal_too_large}
 *                        error ack and goes nowhere
 * @param signalRatePerSec how many {@code signal_*} frames a node may send per second on average
 *                        ({@code signal_rate_per_sec}, default 64); beyond it and its burst, a signal gets a
 *                        {@code signal_rate_limited} error ack and goes nowhere
 * @param signalBurst     how many {@code signal_*} frames a node may send at once (the token bucket's size,
 *                        {@code signal_burst}, default 256: two webrtc session attempts of 128 candidates each)
 * @param nodeToNodeSignals {@code true}: a node may address a {@code signal_*} frame to another node id, and the
 *                        gateway forwards it ({@code node_to_node_signals}, default {@code false}: signals go only
 *                        between the gateway and a node, and one addressed to another node gets a
 *                        {@code signal_relay_disabled} error ack)
 */
public record P2pConfig(boolean enabled, String transport, List<String> stunServers, List<IceServer> iceServers,
                        Duration requestTimeout, int maxInFlightPerNode, Duration readyTimeout,
                        boolean directCallbacks, int signalMaxBytes, int signalRatePerSec, int signalBurst,
                        boolean nodeToNodeSignals) {

    /** Default of {@link #requestTimeout()}: 60 s. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);
    /** Default of {@link #maxInFlightPerNode()}: 256. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 256;
    /** Default of {@link #readyTimeout()}: 8 s. */
    public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(8);
    /**
     * Default of {@link #signalMaxBytes()}: 64 KiB. A webrtc offer or answer of one DataChannel is under 1 KiB, a
     * candidate under 300 bytes; an SDP that carries all its candidates (no trickle ICE) stays under 16 KiB even at
     * the 128 candidates a session attempt accepts.
     */
    public static final int DEFAULT_SIGNAL_MAX_BYTES = 64 * 1024;
    /** Default of {@link #signalRatePerSec()}: 64 signals a second. */
    public static final int DEFAULT_SIGNAL_RATE_PER_SEC = 64;
    /** Default of {@link #signalBurst()}: 256 signals. */
    public static final int DEFAULT_SIGNAL_BURST = 256;

    /**
     * A configuration with the default ready timeout.
     *
     * @param enabled            {@code false} means relay only
     * @param transport          provider name; {@code null} or empty picks one
     * @param stunServers        {@code stun:host:port} urls, or {@code null}
     * @param iceServers         STUN/TURN servers, or {@code null}
     * @param requestTimeout     default P2P wait, or {@code null} for 60 s
     * @param maxInFlightPerNode in-flight limit per node; 0 or less means 256
     */
    public P2pConfig(boolean enabled, String transport, List<String> stunServers, List<IceServer> iceServers,
                     Duration requestTimeout, int maxInFlightPerNode) {
        this(enabled, transport, stunServers, iceServers, requestTimeout, maxInFlightPerNode, DEFAULT_READY_TIMEOUT,
                false);
    }

    /**
     * A configuration with the default signal limits (64 KiB, 64 a second, bursts of 256, no node-to-node relay).
     *
     * @param enabled            {@code false} means relay only
     * @param transport          provider name; {@code null} or empty picks one
     * @param stunServers        {@code stun:host:port} urls, or {@code null}
     * @param iceServers         STUN/TURN servers, or {@code null}
     * @param requestTimeout     default P2P wait, or {@code null} for 60 s
     * @param maxInFlightPerNode in-flight limit per node; 0 or less means 256
     * @param readyTimeout       session ready wait, or {@code null} for 8 s
     * @param directCallbacks    run continuations of dispatch futures on the thread that completed them
     */
    public P2pConfig(boolean enabled, String transport, List<String> stunServers, List<IceServer> iceServers,
                     Duration requestTimeout, int maxInFlightPerNode, Duration readyTimeout,
                     boolean directCallbacks) {
        this(enabled, transport, stunServers, iceServers, requestTimeout, maxInFlightPerNode, readyTimeout,
                directCallbacks, DEFAULT_SIGNAL_MAX_BYTES, DEFAULT_SIGNAL_RATE_PER_SEC, DEFAULT_SIGNAL_BURST, false);
    }

    /**
     * Creates a configuration, filling in defaults: {@code null} lists become empty (and are copied), the transport
     * name is trimmed and lower-cased ({@code null} becomes empty), a {@code null} duration or a limit of 0 or less
     * takes the default. Values are checked by {@link #validate()}.
     *
     * @param enabled            {@code false} means relay only
     * @param transport          provider name; {@code null} or empty picks one
     * @param stunServers        {@code stun:host:port} urls, or {@code null}; no {@code null} elements
     * @param iceServers         STUN/TURN servers, or {@code null}; no {@code null} elements
     * @param requestTimeout     default P2P wait, or {@code null} for 60 s
     * @param maxInFlightPerNode in-flight limit per node; 0 or less means 256
     * @param readyTimeout       session ready wait, or {@code null} for 8 s
     * @param directCallbacks    run continuations of dispatch futures on the thread that completed them
     * @param signalMaxBytes     the largest signal frame a node may send; 0 or less means 64 KiB
     * @param signalRatePerSec   signals a node may send per second on average; 0 or less means 64
     * @param signalBurst        signals a node may send at once; 0 or less means 256
     * @param nodeToNodeSignals  whether the gateway forwards a node's signals to other nodes
     * @throws NullPointerException when a list holds a {@code null} element
     */
    public P2pConfig {
        stunServers = stunServers == null ? List.of() : List.copyOf(stunServers);
        iceServers = iceServers == null ? List.of() : List.copyOf(iceServers);
        transport = transport == null ? "" : transport.trim().toLowerCase(java.util.Locale.ROOT);
        requestTimeout = requestTimeout == null ? DEFAULT_REQUEST_TIMEOUT : requestTimeout;
        if (maxInFlightPerNode <= 0) {
            maxInFlightPerNode = DEFAULT_MAX_IN_FLIGHT;
        }
        readyTimeout = readyTimeout == null ? DEFAULT_READY_TIMEOUT : readyTimeout;
        signalMaxBytes = signalMaxBytes <= 0 ? DEFAULT_SIGNAL_MAX_BYTES : signalMaxBytes;
        signalRatePerSec = signalRatePerSec <= 0 ? DEFAULT_SIGNAL_RATE_PER_SEC : signalRatePerSec;
        signalBurst = signalBurst <= 0 ? DEFAULT_SIGNAL_BURST : signalBurst;
    }

    /**
     * P2P enabled, transport chosen automatically.
     *
     * @return the default section: no STUN/TURN servers, every other value at its default
     */
    public static P2pConfig defaults() {
        return new P2pConfig(true, "", List.of(), List.of(), DEFAULT_REQUEST_TIMEOUT, DEFAULT_MAX_IN_FLIGHT);
    }

    /**
     * P2P enabled with the named transport.
     *
     * @param transport the provider name, for example {@code webrtc}; {@code null} or empty picks one
     * @return the section, every other value at its default
     */
    public static P2pConfig of(String transport) {
        return new P2pConfig(true, transport, List.of(), List.of(), DEFAULT_REQUEST_TIMEOUT, DEFAULT_MAX_IN_FLIGHT);
    }

    /**
     * Relay only.
     *
     * @return a section with P2P disabled
     */
    public static P2pConfig disabled() {
        return new P2pConfig(false, "", List.of(), List.of(), DEFAULT_REQUEST_TIMEOUT, DEFAULT_MAX_IN_FLIGHT);
    }

    /**
     * STUN urls and ICE servers together, STUN first.
     *
     * @return a new list: one entry per {@code stunServers} url, then the {@code iceServers} that have urls
     */
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

    /**
     * A copy with another transport name.
     *
     * @param name the provider name (trimmed, lower-cased); {@code null} or empty picks one
     * @return the copy
     */
    public P2pConfig withTransport(String name) {
        return new P2pConfig(enabled, name, stunServers, iceServers, requestTimeout, maxInFlightPerNode,
                readyTimeout, directCallbacks, signalMaxBytes, signalRatePerSec, signalBurst, nodeToNodeSignals);
    }

    /**
     * A copy with P2P enabled or disabled.
     *
     * @param on {@code false} means relay only
     * @return the copy
     */
    public P2pConfig withEnabled(boolean on) {
        return new P2pConfig(on, transport, stunServers, iceServers, requestTimeout, maxInFlightPerNode,
                readyTimeout, directCallbacks, signalMaxBytes, signalRatePerSec, signalBurst, nodeToNodeSignals);
    }

    /**
     * A copy with other STUN and ICE servers.
     *
     * @param stun {@code stun:host:port} urls, or {@code null}
     * @param ice  STUN/TURN servers, or {@code null}
     * @return the copy
     */
    public P2pConfig withIce(List<String> stun, List<IceServer> ice) {
        return new P2pConfig(enabled, transport, stun, ice, requestTimeout, maxInFlightPerNode, readyTimeout,
                directCallbacks, signalMaxBytes, signalRatePerSec, signalBurst, nodeToNodeSignals);
    }

    /**
     * A copy with another ready timeout.
     *
     * @param d a positive duration; {@code null} means 8 s
     * @return the copy
     */
    public P2pConfig withReadyTimeout(Duration d) {
        return new P2pConfig(enabled, transport, stunServers, iceServers, requestTimeout, maxInFlightPerNode, d,
                directCallbacks, signalMaxBytes, signalRatePerSec, signalBurst, nodeToNodeSignals);
    }

    /**
     * A copy with another in-flight limit.
     *
     * @param n requests per node; 0 or less means 256
     * @return the copy
     */
    public P2pConfig withMaxInFlightPerNode(int n) {
        return new P2pConfig(enabled, transport, stunServers, iceServers, requestTimeout, n, readyTimeout,
                directCallbacks, signalMaxBytes, signalRatePerSec, signalBurst, nodeToNodeSignals);
    }

    /**
     * A copy with direct callbacks on or off (see {@link #directCallbacks()}).
     *
     * @param on {@code true} to run continuations of dispatch futures on the thread that completed them
     * @return the copy
     */
    public P2pConfig withDirectCallbacks(boolean on) {
        return new P2pConfig(enabled, transport, stunServers, iceServers, requestTimeout, maxInFlightPerNode,
                readyTimeout, on, signalMaxBytes, signalRatePerSec, signalBurst, nodeToNodeSignals);
    }

    /**
     * A copy with other limits on the {@code signal_*} frames a node sends (see {@link #signalMaxBytes()},
     * {@link #signalRatePerSec()}, {@link #signalBurst()}).
     *
     * @param maxBytes   the largest signal frame, at least 4096 bytes; 0 or less means 64 KiB
     * @param ratePerSec signals per second on average; 0 or less means 64
     * @param burst      signals at once; 0 or less means 256
     * @return the copy
     */
    public P2pConfig withSignalLimits(int maxBytes, int ratePerSec, int burst) {
        return new P2pConfig(enabled, transport, stunServers, iceServers, requestTimeout, maxInFlightPerNode,
                readyTimeout, directCallbacks, maxBytes, ratePerSec, burst, nodeToNodeSignals);
    }

    /**
     * A copy that forwards signals between nodes, or not (see {@link #nodeToNodeSignals()}).
     *
     * @param on {@code true} to let a node address signals to another node id
     * @return the copy
     */
    public P2pConfig withNodeToNodeSignals(boolean on) {
        return new P2pConfig(enabled, transport, stunServers, iceServers, requestTimeout, maxInFlightPerNode,
                readyTimeout, directCallbacks, signalMaxBytes, signalRatePerSec, signalBurst, on);
    }

    /**
     * Reads the signal keys of a {@code gateway.nodes.p2p} object over {@code base}: {@code signal_max_bytes},
     * {@code signal_rate_per_sec}, {@code signal_burst} and {@code node_to_node_signals}.
     *
     * @param p    the {@code p2p} object of a config file
     * @param base the section read so far
     * @return {@code base} with the signal values of {@code p}; absent keys keep the defaults
     * @throws ConfigException for a value of the wrong type, or a limit of 0 or less, naming the key
     */
    static P2pConfig withSignalKeys(com.google.gson.JsonObject p, P2pConfig base) {
        String f = "gateway.nodes.p2p.";
        int max = JsonFields.integer(p, "signal_max_bytes", f + "signal_max_bytes", DEFAULT_SIGNAL_MAX_BYTES);
        int rate = JsonFields.integer(p, "signal_rate_per_sec", f + "signal_rate_per_sec",
                DEFAULT_SIGNAL_RATE_PER_SEC);
        int burst = JsonFields.integer(p, "signal_burst", f + "signal_burst", DEFAULT_SIGNAL_BURST);
        // 0 means "the default" in Java; in a file it is a mistake (0 signals a second would break webrtc)
        if (max <= 0) {
            throw new ConfigException(f + "signal_max_bytes must be > 0");
        }
        if (rate <= 0) {
            throw new ConfigException(f + "signal_rate_per_sec must be > 0");
        }
        if (burst <= 0) {
            throw new ConfigException(f + "signal_burst must be > 0");
        }
        return base.withSignalLimits(max, rate, burst)
                .withNodeToNodeSignals(JsonFields.bool(p, "node_to_node_signals", f + "node_to_node_signals", false));
    }

    /**
     * Rejects empty STUN urls, ICE urls that are empty or do not start with {@code stun:}, {@code stuns:},
     * {@code turn:} or {@code turns:}, TURN servers without user name or credential, a ready timeout that is not
     * positive, a transport name outside {@code [a-z0-9_.-]}, a {@code signal_max_bytes} below 4096 or above
     * {@link io.clawgo.protocol.WireCodec#MAX_LIMIT_BYTES}. {@link #requestTimeout()} is checked by
     * {@link GatewayConfig#validate()}.
     *
     * @throws ConfigException naming the field, for example
     *                         {@code gateway.nodes.p2p.ice_servers[0].username is required for turn/turns urls}
     */
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
        if (signalMaxBytes < 4096 || signalMaxBytes > io.clawgo.protocol.WireCodec.MAX_LIMIT_BYTES) {
            throw new ConfigException("gateway.nodes.p2p.signal_max_bytes must be in 4096.."
                    + io.clawgo.protocol.WireCodec.MAX_LIMIT_BYTES + ", got " + signalMaxBytes);
        }
        if (!transport.isEmpty() && !transport.matches("[a-z0-9_.-]+")) {
            throw new ConfigException("gateway.nodes.p2p.transport must be a provider name such as websocket_tunnel or webrtc");
        }
    }
}
