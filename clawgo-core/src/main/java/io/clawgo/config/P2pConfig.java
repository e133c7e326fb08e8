package io.clawgo.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * {@code gateway.nodes.p2p}: which P2P transport carries requests to nodes, and the limits of the P2P signalling.
 * Immutable and thread-safe; build one with {@link #builder()}, start from {@link #defaults()}, {@link #of(String)} or
 * {@link #disabled()}, or change one value of an existing one with a {@code withX} method or {@link #toBuilder()}.
 * Values are filled in when built (see {@link Builder#build()}) and checked by {@link #validate()}.
 *
 * <pre>{@code
 * P2pConfig p2p = P2pConfig.builder()
 *         .transport("webrtc")
 *         .iceServers(List.of(IceServer.stun("stun:stun.example.org:3478")))
 *         .readyTimeout(Duration.ofSeconds(5))
 *         .build();
 * }</pre>
 */
public final class P2pConfig {

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

    private final boolean enabled;
    private final String transport;
    private final List<String> stunServers;
    private final List<IceServer> iceServers;
    private final Duration requestTimeout;
    private final int maxInFlightPerNode;
    private final Duration readyTimeout;
    private final boolean directCallbacks;
    private final int signalMaxBytes;
    private final int signalRatePerSec;
    private final int signalBurst;
    private final boolean nodeToNodeSignals;

    private P2pConfig(Builder b) {
        enabled = b.enabled;
        stunServers = b.stunServers == null ? List.of() : List.copyOf(b.stunServers);
        iceServers = b.iceServers == null ? List.of() : List.copyOf(b.iceServers);
        transport = b.transport == null ? "" : b.transport.trim().toLowerCase(Locale.ROOT);
        requestTimeout = b.requestTimeout == null ? DEFAULT_REQUEST_TIMEOUT : b.requestTimeout;
        maxInFlightPerNode = b.maxInFlightPerNode <= 0 ? DEFAULT_MAX_IN_FLIGHT : b.maxInFlightPerNode;
        readyTimeout = b.readyTimeout == null ? DEFAULT_READY_TIMEOUT : b.readyTimeout;
        directCallbacks = b.directCallbacks;
        signalMaxBytes = b.signalMaxBytes <= 0 ? DEFAULT_SIGNAL_MAX_BYTES : b.signalMaxBytes;
        signalRatePerSec = b.signalRatePerSec <= 0 ? DEFAULT_SIGNAL_RATE_PER_SEC : b.signalRatePerSec;
        signalBurst = b.signalBurst <= 0 ? DEFAULT_SIGNAL_BURST : b.signalBurst;
        nodeToNodeSignals = b.nodeToNodeSignals;
    }

    /**
     * Starts a configuration from the defaults: P2P enabled, transport chosen automatically.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a configuration from this one.
     *
     * @return a builder holding every value of this configuration
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * P2P enabled, transport chosen automatically.
     *
     * @return the default section: no STUN/TURN servers, every other value at its default
     */
    public static P2pConfig defaults() {
        return builder().build();
    }

    /**
     * P2P enabled with the named transport.
     *
     * @param transport the provider name, for example {@code webrtc}; {@code null} or empty picks one
     * @return the section, every other value at its default
     */
    public static P2pConfig of(String transport) {
        return builder().transport(transport).build();
    }

    /**
     * Relay only.
     *
     * @return a section with P2P disabled
     */
    public static P2pConfig disabled() {
        return builder().enabled(false).build();
    }

    /**
     * Whether requests may go over a P2P transport ({@code enabled}).
     *
     * @return {@code false} means relay only (default {@code true})
     */
    public boolean enabled() {
        return enabled;
    }

    /**
     * The P2P provider's name ({@code transport}).
     *
     * @return {@code websocket_tunnel}, {@code webrtc} or a third-party name, trimmed and lower-cased; empty (the
     *         default) picks the highest-priority available P2P provider on the class path
     */
    public String transport() {
        return transport;
    }

    /**
     * The legacy list of STUN urls ({@code stun_servers}).
     *
     * @return {@code stun:host:port} urls, unmodifiable (default none)
     */
    public List<String> stunServers() {
        return stunServers;
    }

    /**
     * The STUN/TURN servers ({@code ice_servers}).
     *
     * @return the servers, unmodifiable (default none)
     */
    public List<IceServer> iceServers() {
        return iceServers;
    }

    /**
     * The wait for a P2P answer that a transport uses when it is given no timeout ({@code request_timeout_sec}).
     *
     * @return the wait (default 60 s)
     */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /**
     * Requests in flight per node before {@code p2p_busy} ({@code max_in_flight_per_node}); each transport enforces
     * it.
     *
     * @return the limit (default 256)
     */
    public int maxInFlightPerNode() {
        return maxInFlightPerNode;
    }

    /**
     * How long a request may wait for a P2P session to become ready (webrtc: the DataChannel to open) before it fails
     * with {@code p2p_timeout} ({@code ready_timeout_sec}).
     *
     * @return the wait (default 8 s)
     */
    public Duration readyTimeout() {
        return readyTimeout;
    }

    /**
     * Whether continuations attached without an executor to dispatch futures run on the thread that completed them
     * ({@code direct_callbacks}): often the socket reader that received the node's answer, saving a thread hand-off
     * per request; they must then be quick and never block, or they stall that node's socket. A caller waiting in
     * {@code get} or {@code join} is woken directly either way.
     *
     * @return {@code true} for direct callbacks (default {@code false}: on the gateway's callback pool)
     */
    public boolean directCallbacks() {
        return directCallbacks;
    }

    /**
     * The largest {@code signal_*} frame a node may send over its control socket, in UTF-8 bytes
     * ({@code signal_max_bytes}); a larger one gets a {@code signal_too_large} error ack and goes nowhere.
     *
     * @return the limit (default 64 KiB)
     */
    public int signalMaxBytes() {
        return signalMaxBytes;
    }

    /**
     * How many {@code signal_*} frames a node may send per second on average ({@code signal_rate_per_sec}); beyond it
     * and its burst, a signal gets a {@code signal_rate_limited} error ack and goes nowhere.
     *
     * @return the rate (default 64)
     */
    public int signalRatePerSec() {
        return signalRatePerSec;
    }

    /**
     * How many {@code signal_*} frames a node may send at once: the token bucket's size ({@code signal_burst}).
     *
     * @return the burst (default 256: two webrtc session attempts of 128 candidates each)
     */
    public int signalBurst() {
        return signalBurst;
    }

    /**
     * Whether a node may address a {@code signal_*} frame to another node id, which the gateway then forwards
     * ({@code node_to_node_signals}). When off, signals go only between the gateway and a node, and one addressed to
     * another node gets a {@code signal_relay_disabled} error ack.
     *
     * @return {@code true} to forward (default {@code false})
     */
    public boolean nodeToNodeSignals() {
        return nodeToNodeSignals;
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
        return toBuilder().transport(name).build();
    }

    /**
     * A copy with P2P enabled or disabled.
     *
     * @param on {@code false} means relay only
     * @return the copy
     */
    public P2pConfig withEnabled(boolean on) {
        return toBuilder().enabled(on).build();
    }

    /**
     * A copy with other STUN and ICE servers.
     *
     * @param stun {@code stun:host:port} urls, or {@code null}
     * @param ice  STUN/TURN servers, or {@code null}
     * @return the copy
     */
    public P2pConfig withIce(List<String> stun, List<IceServer> ice) {
        return toBuilder().stunServers(stun).iceServers(ice).build();
    }

    /**
     * A copy with another ready timeout.
     *
     * @param d a positive duration; {@code null} means 8 s
     * @return the copy
     */
    public P2pConfig withReadyTimeout(Duration d) {
        return toBuilder().readyTimeout(d).build();
    }

    /**
     * A copy with another in-flight limit.
     *
     * @param n requests per node; 0 or less means 256
     * @return the copy
     */
    public P2pConfig withMaxInFlightPerNode(int n) {
        return toBuilder().maxInFlightPerNode(n).build();
    }

    /**
     * A copy with direct callbacks on or off (see {@link #directCallbacks()}).
     *
     * @param on {@code true} to run continuations of dispatch futures on the thread that completed them
     * @return the copy
     */
    public P2pConfig withDirectCallbacks(boolean on) {
        return toBuilder().directCallbacks(on).build();
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
        return toBuilder().signalMaxBytes(maxBytes).signalRatePerSec(ratePerSec).signalBurst(burst).build();
    }

    /**
     * A copy that forwards signals between nodes, or not (see {@link #nodeToNodeSignals()}).
     *
     * @param on {@code true} to let a node address signals to another node id
     * @return the copy
     */
    public P2pConfig withNodeToNodeSignals(boolean on) {
        return toBuilder().nodeToNodeSignals(on).build();
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

    @Override
    public boolean equals(Object o) {
        return o instanceof P2pConfig p && enabled == p.enabled && transport.equals(p.transport)
                && stunServers.equals(p.stunServers) && iceServers.equals(p.iceServers)
                && requestTimeout.equals(p.requestTimeout) && maxInFlightPerNode == p.maxInFlightPerNode
                && readyTimeout.equals(p.readyTimeout) && directCallbacks == p.directCallbacks
                && signalMaxBytes == p.signalMaxBytes && signalRatePerSec == p.signalRatePerSec
                && signalBurst == p.signalBurst && nodeToNodeSignals == p.nodeToNodeSignals;
    }

    @Override
    public int hashCode() {
        return Objects.hash(enabled, transport, stunServers, iceServers, requestTimeout, maxInFlightPerNode,
                readyTimeout, directCallbacks, signalMaxBytes, signalRatePerSec, signalBurst, nodeToNodeSignals);
    }

    /** The same text the record this class replaced printed: every value, by its accessor's name. */
    @Override
    public String toString() {
        return "P2pConfig[enabled=" + enabled + ", transport=" + transport + ", stunServers=" + stunServers
                + ", iceServers=" + iceServers + ", requestTimeout=" + requestTimeout + ", maxInFlightPerNode="
                + maxInFlightPerNode + ", readyTimeout=" + readyTimeout + ", directCallbacks=" + directCallbacks
                + ", signalMaxBytes=" + signalMaxBytes + ", signalRatePerSec=" + signalRatePerSec + ", signalBurst="
                + signalBurst + ", nodeToNodeSignals=" + nodeToNodeSignals + "]";
    }

    /**
     * Builds a {@link P2pConfig}. Every setter takes {@code null} (or, for limits, 0 or less) to mean the default;
     * {@link #build()} fills the defaults in. Not thread-safe.
     */
    public static final class Builder {
        private boolean enabled = true;
        private String transport;
        private List<String> stunServers;
        private List<IceServer> iceServers;
        private Duration requestTimeout;
        private int maxInFlightPerNode;
        private Duration readyTimeout;
        private boolean directCallbacks;
        private int signalMaxBytes;
        private int signalRatePerSec;
        private int signalBurst;
        private boolean nodeToNodeSignals;

        private Builder() {
        }

        private Builder(P2pConfig c) {
            enabled = c.enabled;
            transport = c.transport;
            stunServers = c.stunServers;
            iceServers = c.iceServers;
            requestTimeout = c.requestTimeout;
            maxInFlightPerNode = c.maxInFlightPerNode;
            readyTimeout = c.readyTimeout;
            directCallbacks = c.directCallbacks;
            signalMaxBytes = c.signalMaxBytes;
            signalRatePerSec = c.signalRatePerSec;
            signalBurst = c.signalBurst;
            nodeToNodeSignals = c.nodeToNodeSignals;
        }

        /**
         * Sets whether P2P is used ({@code enabled}).
         *
         * @param v {@code false} means relay only (default {@code true})
         * @return this builder
         */
        public Builder enabled(boolean v) {
            enabled = v;
            return this;
        }

        /**
         * Sets the P2P provider's name ({@code transport}).
         *
         * @param v {@code websocket_tunnel}, {@code webrtc} or a third-party name (trimmed, lower-cased); {@code null}
         *          or empty picks the highest-priority available P2P provider
         * @return this builder
         */
        public Builder transport(String v) {
            transport = v;
            return this;
        }

        /**
         * Sets the legacy STUN urls ({@code stun_servers}).
         *
         * @param v {@code stun:host:port} urls (copied), or {@code null} for none; no {@code null} elements
         * @return this builder
         */
        public Builder stunServers(List<String> v) {
            stunServers = v;
            return this;
        }

        /**
         * Sets the STUN/TURN servers ({@code ice_servers}).
         *
         * @param v the servers (copied), or {@code null} for none; no {@code null} elements
         * @return this builder
         */
        public Builder iceServers(List<IceServer> v) {
            iceServers = v;
            return this;
        }

        /**
         * Sets the default wait for a P2P answer ({@code request_timeout_sec}).
         *
         * @param v the wait; {@code null} means 60 s
         * @return this builder
         */
        public Builder requestTimeout(Duration v) {
            requestTimeout = v;
            return this;
        }

        /**
         * Sets the in-flight limit per node ({@code max_in_flight_per_node}).
         *
         * @param v requests per node; 0 or less means 256
         * @return this builder
         */
        public Builder maxInFlightPerNode(int v) {
            maxInFlightPerNode = v;
            return this;
        }

        /**
         * Sets how long a request may wait for a P2P session to become ready ({@code ready_timeout_sec}).
         *
         * @param v a positive duration; {@code null} means 8 s
         * @return this builder
         */
        public Builder readyTimeout(Duration v) {
            readyTimeout = v;
            return this;
        }

        /**
         * Sets where continuations of dispatch futures run (see {@link P2pConfig#directCallbacks()}).
         *
         * @param v {@code true} for the thread that completed them (default {@code false})
         * @return this builder
         */
        public Builder directCallbacks(boolean v) {
            directCallbacks = v;
            return this;
        }

        /**
         * Sets the largest {@code signal_*} frame a node may send ({@code signal_max_bytes}).
         *
         * @param v bytes, 4096 to {@link io.clawgo.protocol.WireCodec#MAX_LIMIT_BYTES}; 0 or less means 64 KiB
         * @return this builder
         */
        public Builder signalMaxBytes(int v) {
            signalMaxBytes = v;
            return this;
        }

        /**
         * Sets how many {@code signal_*} frames a node may send per second on average ({@code signal_rate_per_sec}).
         *
         * @param v signals a second; 0 or less means 64
         * @return this builder
         */
        public Builder signalRatePerSec(int v) {
            signalRatePerSec = v;
            return this;
        }

        /**
         * Sets how many {@code signal_*} frames a node may send at once ({@code signal_burst}).
         *
         * @param v signals; 0 or less means 256
         * @return this builder
         */
        public Builder signalBurst(int v) {
            signalBurst = v;
            return this;
        }

        /**
         * Sets whether the gateway forwards a node's signals to other nodes ({@code node_to_node_signals}).
         *
         * @param v {@code true} to forward (default {@code false})
         * @return this builder
         */
        public Builder nodeToNodeSignals(boolean v) {
            nodeToNodeSignals = v;
            return this;
        }

        /**
         * Creates the configuration, filling in defaults: {@code null} lists become empty (and are copied), the
         * transport name is trimmed and lower-cased ({@code null} becomes empty), a {@code null} duration or a limit
         * of 0 or less takes the default. Values are checked by {@link P2pConfig#validate()}.
         *
         * @return the configuration
         * @throws NullPointerException when a list holds a {@code null} element
         */
        public P2pConfig build() {
            return new P2pConfig(this);
        }
    }
}
