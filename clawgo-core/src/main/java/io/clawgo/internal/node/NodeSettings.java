package io.clawgo.internal.node;

import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.RequestHandler;
import io.clawgo.protocol.WireCodec;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The immutable configuration of a node runtime: plain values only, validated by the public builder.
 *
 * @param gatewayUrl            normalised {@code http(s)://host[:port][/prefix]} without a trailing slash
 * @param gatewayToken          bearer token for the gateway, or {@code null}
 * @param info                  what the node registers (its {@code token} is the node's endpoint token)
 * @param handler               in-process handler, or {@code null} to forward to {@code info.endpoint()}
 * @param heartbeatInterval     time between heartbeats
 * @param ackTimeout            a heartbeat not acked within this means a half-open socket
 * @param registerTimeout       wait for the {@code registered} ack
 * @param stableAfter           a connection registered this long resets the backoff attempt counter
 * @param maxConcurrentRequests executor threads
 * @param maxQueuedRequests     executor queue
 * @param requestTimeout        bound of one local execution (from acceptance)
 * @param maxMessageBytes       largest frame sent or accepted
 * @param backoffMin            smallest reconnect delay
 * @param backoffMax            largest reconnect delay (also the delay after a rejected token)
 * @param directHandler         run the in-process handler on the receiving thread (no request pool)
 * @param transports            the P2P transports the node may run, by name (normalised), or {@code null} for every
 *                              transport found
 * @param gatewayUrls           every gateway the node may connect to, normalised, {@code gatewayUrl} first; the node
 *                              moves to the next one after a failed attempt or a lost connection ({@code null}: only
 *                              {@code gatewayUrl})
 */
public record NodeSettings(
        String gatewayUrl,
        String gatewayToken,
        NodeInfo info,
        RequestHandler handler,
        Duration heartbeatInterval,
        Duration ackTimeout,
        Duration registerTimeout,
        Duration stableAfter,
        int maxConcurrentRequests,
        int maxQueuedRequests,
        Duration requestTimeout,
        int maxMessageBytes,
        Duration backoffMin,
        Duration backoffMax,
        boolean directHandler,
        List<String> transports,
        List<String> gatewayUrls) {

    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(10);
    public static final Duration REGISTER_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration MIN_ACK_TIMEOUT = Duration.ofSeconds(20);
    public static final Duration STABLE_AFTER = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_CONCURRENT = 16;
    public static final int DEFAULT_MAX_QUEUED = 256;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_BACKOFF_MIN = Duration.ofMillis(500);
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(30);

    public NodeSettings {
        Objects.requireNonNull(gatewayUrl, "gatewayUrl");
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        Objects.requireNonNull(ackTimeout, "ackTimeout");
        Objects.requireNonNull(registerTimeout, "registerTimeout");
        Objects.requireNonNull(stableAfter, "stableAfter");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(backoffMin, "backoffMin");
        Objects.requireNonNull(backoffMax, "backoffMax");
        if (gatewayToken != null && gatewayToken.isBlank()) {
            gatewayToken = null;
        }
        transports = transports == null ? null : List.copyOf(transports);
        gatewayUrls = gatewayUrls == null || gatewayUrls.isEmpty() ? List.of(gatewayUrl) : List.copyOf(gatewayUrls);
    }

    /** Settings with every default, for {@code info} registering at {@code gatewayUrl} (normalised here). */
    public static NodeSettings defaults(String gatewayUrl, String gatewayToken, NodeInfo info) {
        return new NodeSettings(normalizeGatewayUrl(gatewayUrl, "gateway"), gatewayToken, info, null,
                DEFAULT_HEARTBEAT, ackTimeoutFor(DEFAULT_HEARTBEAT), REGISTER_TIMEOUT, STABLE_AFTER,
                DEFAULT_MAX_CONCURRENT, DEFAULT_MAX_QUEUED, DEFAULT_REQUEST_TIMEOUT, WireCodec.DEFAULT_MAX_BYTES,
                DEFAULT_BACKOFF_MIN, DEFAULT_BACKOFF_MAX, false, null, null);
    }

    /**
     * The heartbeat ack deadline for {@code heartbeat}: {@code max(20 s, 2 × heartbeat)}. A dead TCP connection may be
     * caught sooner by the WebSocket pings ({@link #pingInterval()}: no pong, no socket, with the same 20 s of
     * patience); this deadline is for a gateway that reads but does not answer, and it leaves room for one that is only
     * slow (after a restart, thousands of nodes register at once), whose nodes must not reconnect and add to its
     * load.
     */
    public static Duration ackTimeoutFor(Duration heartbeat) {
        Duration twice = heartbeat.multipliedBy(2);
        return twice.compareTo(MIN_ACK_TIMEOUT) > 0 ? twice : MIN_ACK_TIMEOUT;
    }

    /** The shortest ping interval, and so the shortest pong deadline: see {@link #pingInterval()}. */
    public static final Duration MIN_PING_INTERVAL = Duration.ofSeconds(20);
    /** The longest ping interval: pings also keep proxies and NAT entries from timing the socket out. */
    public static final Duration MAX_PING_INTERVAL = Duration.ofSeconds(30);

    /**
     * The interval of the WebSocket pings: {@code clamp(2 × heartbeat, 20 s, 30 s)}, 20 s with the default 10 s
     * heartbeat. OkHttp fails the socket when a ping's pong is not back by the next ping, so this is also how long the
     * node waits for a pong. It is never shorter than the heartbeat ack deadline's 20 s: that deadline leaves room for
     * a gateway that is only slow (after a restart thousands of nodes register at once), and a shorter pong deadline
     * dropped exactly those nodes (5 s before: 32 of 1,000 in a reconnect storm test), which then reconnected into the
     * busiest gateway and added to its load. 20 s is also the gateway's own half-open window (2 ×
     * {@code control_ping_sec}). A dead connection is still found within one or two intervals (or at the heartbeat ack
     * deadline), and a gateway that is killed closes its sockets at once anyway.
     */
    public Duration pingInterval() {
        long ms = heartbeatInterval.toMillis() * 2;
        long clamped = Math.max(MIN_PING_INTERVAL.toMillis(), Math.min(MAX_PING_INTERVAL.toMillis(), ms));
        return Duration.ofMillis(clamped);
    }

    /** The control socket URL: the gateway URL with {@code ws}/{@code wss} and {@code /nodes/connect}. */
    public String connectUrl() {
        return connectUrl(gatewayUrl);
    }

    /** The control socket URL of one of {@link #gatewayUrls()}. */
    public static String connectUrl(String gatewayUrl) {
        return wsBase(gatewayUrl) + "/nodes/connect";
    }

    /** This node's id. */
    public String nodeId() {
        return info.id();
    }

    public NodeSettings withHandler(RequestHandler h) {
        return new NodeSettings(gatewayUrl, gatewayToken, info, h, heartbeatInterval, ackTimeout, registerTimeout,
                stableAfter, maxConcurrentRequests, maxQueuedRequests, requestTimeout, maxMessageBytes, backoffMin,
                backoffMax, directHandler, transports, gatewayUrls);
    }

    public NodeSettings withHeartbeat(Duration interval, Duration ackDeadline) {
        return new NodeSettings(gatewayUrl, gatewayToken, info, handler, interval, ackDeadline, registerTimeout,
                stableAfter, maxConcurrentRequests, maxQueuedRequests, requestTimeout, maxMessageBytes, backoffMin,
                backoffMax, directHandler, transports, gatewayUrls);
    }

    public NodeSettings withBackoff(Duration min, Duration max) {
        return new NodeSettings(gatewayUrl, gatewayToken, info, handler, heartbeatInterval, ackTimeout,
                registerTimeout, stableAfter, maxConcurrentRequests, maxQueuedRequests, requestTimeout,
                maxMessageBytes, min, max, directHandler, transports, gatewayUrls);
    }

    public NodeSettings withLimits(int maxConcurrent, int maxQueued, Duration execTimeout, int maxBytes) {
        return new NodeSettings(gatewayUrl, gatewayToken, info, handler, heartbeatInterval, ackTimeout,
                registerTimeout, stableAfter, maxConcurrent, maxQueued, execTimeout, maxBytes, backoffMin,
                backoffMax, directHandler, transports, gatewayUrls);
    }

    @Override
    public String toString() {
        // Never print tokens (the record's default toString would print both).
        return "NodeSettings[gateway=" + gatewayUrl + ", node=" + info.id() + ", heartbeat=" + heartbeatInterval
                + ", endpoint=" + info.endpoint() + ", handler=" + (handler != null) + "]";
    }

    /**
     * Normalises a gateway base URL: {@code http} or {@code https}, a host, no query, fragment or credentials;
     * trailing slashes stripped, a path prefix kept.
     *
     * @param option the builder option named in the error message
     * @throws IllegalArgumentException naming {@code option}
     */
    public static String normalizeGatewayUrl(String url, String option) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException(option + " is required (for example http://127.0.0.1:18790)");
        }
        String u = url.trim();
        URI uri;
        try {
            uri = new URI(u);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(option + " is not a valid URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException(option + " must be an http:// or https:// URL, got: " + u);
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw new IllegalArgumentException(option + " has no host: " + u);
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException(option + " must not contain credentials; use the token option");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException(option + " must not contain a query or fragment "
                    + "(tokens never go in URLs; use the token option): " + u);
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        String authority = uri.getRawAuthority();
        return scheme + "://" + authority + path;
    }

    /** {@code http(s)://x} to {@code ws(s)://x}. */
    public static String wsBase(String httpUrl) {
        if (httpUrl.regionMatches(true, 0, "https://", 0, 8)) {
            return "wss://" + httpUrl.substring(8);
        }
        if (httpUrl.regionMatches(true, 0, "http://", 0, 7)) {
            return "ws://" + httpUrl.substring(7);
        }
        throw new IllegalArgumentException("not an http(s) URL: " + httpUrl);
    }
}
