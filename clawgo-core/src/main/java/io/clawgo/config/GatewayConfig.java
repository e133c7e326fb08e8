package io.clawgo.config;

import static io.clawgo.config.JsonFields.array;
import static io.clawgo.config.JsonFields.bool;
import static io.clawgo.config.JsonFields.integer;
import static io.clawgo.config.JsonFields.object;
import static io.clawgo.config.JsonFields.string;
import static io.clawgo.config.JsonFields.strings;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.WireCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a gateway needs, with documented defaults. Immutable: build one with {@link #builder()}, derive one with
 * {@link #toBuilder()} or the {@code with*} methods, or load one with {@link #load(Path)} from a clawgo-compatible JSON
 * file:
 * <pre>{@code
 * {"gateway":{"host":"0.0.0.0","port":18790,"token":"...","data_dir":"./clawgo-data","node_ttl_sec":60,
 *   "max_nodes":50000,"control_ping_sec":10,
 *   "nodes":{"p2p":{"enabled":true,"transport":"websocket_tunnel","stun_servers":["stun:host:3478"],
 *     "ice_servers":[{"urls":["turn:host:3478"],"username":"u","credential":"p"}]},
 *     "dispatch":{"prefer_p2p":true,"allow_relay_fallback":true}}}}
 * }</pre>
 *
 * <p>A builder fills in the default of every value left unset or set to {@code null} (and of sizes of 0 or less);
 * values are checked only by {@link #validate()}, which {@code Gateway.Builder.start()} calls.
 */
public final class GatewayConfig {

    /** The default listen port. */
    public static final int DEFAULT_PORT = 18790;

    /**
     * The default listen address: loopback only. Serving other machines is a decision: name the address (for example
     * {@code 0.0.0.0}) and set a token, or opt out of authentication explicitly
     * ({@link AccessPolicy#allowUnauthenticated()}).
     */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /** The default of {@code gateway.max_nodes}: five times the 10,000 nodes the scale benchmark connects. */
    public static final int DEFAULT_MAX_NODES = 50_000;

    /** The default of {@code gateway.control_ping_sec}. */
    public static final Duration DEFAULT_CONTROL_PING = Duration.ofSeconds(10);

    /** The shortest control ping interval other than zero (which disables the pings). */
    static final Duration MIN_CONTROL_PING = Duration.ofMillis(100);

    private final String host;
    private final int port;
    private final String token;
    private final Path dataDir;
    private final Duration nodeTtl;
    private final Duration offlineRetention;
    private final int maxMessageBytes;
    private final long auditMaxBytes;
    private final P2pConfig p2p;
    private final DispatchPolicy dispatch;
    private final ServerTls tls;
    private final Map<String, String> nodeTokens;
    private final int maxNodes;
    private final Duration controlPingInterval;
    private final AccessPolicy access;
    private final NodePolicy nodePolicy;
    private final ClusterConfig cluster;
    private final MetricsConfig metrics;

    private GatewayConfig(Builder b) {
        host = b.host == null || b.host.isBlank() ? DEFAULT_HOST : b.host.trim();
        port = b.port;
        token = b.token == null ? "" : b.token.trim();
        dataDir = b.dataDir == null ? Path.of("clawgo-data") : b.dataDir;
        nodeTtl = b.nodeTtl == null ? Duration.ofSeconds(60) : b.nodeTtl;
        offlineRetention = b.offlineRetention == null ? Duration.ofDays(7) : b.offlineRetention;
        maxMessageBytes = b.maxMessageBytes <= 0 ? WireCodec.DEFAULT_MAX_BYTES : b.maxMessageBytes;
        auditMaxBytes = b.auditMaxBytes <= 0 ? 16L * 1024 * 1024 : b.auditMaxBytes;
        p2p = b.p2p == null ? P2pConfig.defaults() : b.p2p;
        dispatch = b.dispatch == null ? DispatchPolicy.DEFAULT : b.dispatch;
        nodeTokens = b.nodeTokens == null ? Map.of() : Map.copyOf(b.nodeTokens);
        tls = b.tls;
        maxNodes = b.maxNodes == 0 ? DEFAULT_MAX_NODES : b.maxNodes;
        controlPingInterval = b.controlPingInterval == null ? DEFAULT_CONTROL_PING : b.controlPingInterval;
        access = b.access == null ? AccessPolicy.defaults() : b.access;
        nodePolicy = b.nodePolicy == null ? NodePolicy.defaults() : b.nodePolicy;
        cluster = b.cluster == null ? ClusterConfig.defaults() : b.cluster;
        metrics = b.metrics == null ? MetricsConfig.DISABLED : b.metrics;
    }

    /**
     * Starts a configuration from the defaults.
     *
     * @return a builder holding every default
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
     * All defaults.
     *
     * @return a configuration with every default (127.0.0.1, port 18790, no token, P2P on with the best transport
     *         found)
     */
    public static GatewayConfig defaults() {
        return builder().build();
    }

    /**
     * The listen address ({@code gateway.host}).
     *
     * @return the host, trimmed (default {@value #DEFAULT_HOST})
     */
    public String host() {
        return host;
    }

    /**
     * The listen port ({@code gateway.port}).
     *
     * @return 0..65535 when valid, 0 for an ephemeral port (default 18790)
     */
    public int port() {
        return port;
    }

    /**
     * The bearer token of every API route and the node WebSocket ({@code gateway.token}).
     *
     * @return the token, trimmed; empty means none (the default)
     */
    public String token() {
        return token;
    }

    /**
     * Where the registry state and the audits live ({@code gateway.data_dir}).
     *
     * @return the directory (default {@code ./clawgo-data})
     */
    public Path dataDir() {
        return dataDir;
    }

    /**
     * A node is online while heard from within this ({@code gateway.node_ttl_sec}).
     *
     * @return the TTL (default 60 s)
     */
    public Duration nodeTtl() {
        return nodeTtl;
    }

    /**
     * Offline nodes are removed after this ({@code gateway.offline_retention_hours}).
     *
     * @return the retention (default 7 days)
     */
    public Duration offlineRetention() {
        return offlineRetention;
    }

    /**
     * The largest WebSocket frame, HTTP body and relayed response ({@code gateway.max_message_bytes}).
     *
     * @return bytes (default 8 MiB)
     */
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /**
     * An audit file is rotated when larger than this ({@code gateway.audit_max_bytes}; one old file is kept).
     *
     * @return bytes (default 16 MiB)
     */
    public long auditMaxBytes() {
        return auditMaxBytes;
    }

    /**
     * The P2P section ({@code gateway.nodes.p2p}).
     *
     * @return the section (default {@link P2pConfig#defaults()})
     */
    public P2pConfig p2p() {
        return p2p;
    }

    /**
     * How {@code auto} mode picks transports ({@code gateway.nodes.dispatch}).
     *
     * @return the policy (default {@link DispatchPolicy#DEFAULT})
     */
    public DispatchPolicy dispatch() {
        return dispatch;
    }

    /**
     * The TLS key store ({@code gateway.tls}).
     *
     * @return the key store, or {@code null} for plain http (the default)
     */
    public ServerTls tls() {
        return tls;
    }

    /**
     * The per-node tokens ({@code gateway.nodes.tokens}): a node presenting its own token may register and connect
     * as that node only, and use no other route.
     *
     * @return node id to token, unmodifiable (default empty)
     */
    public Map<String, String> nodeTokens() {
        return nodeTokens;
    }

    /**
     * How many nodes the registry holds at most, online and offline ({@code gateway.max_nodes}); a new node id beyond
     * it is refused with {@code too_many_nodes}, while known ids always register again.
     *
     * @return the limit (default 50,000)
     */
    public int maxNodes() {
        return maxNodes;
    }

    /**
     * How often the gateway pings each node's control WebSocket ({@code gateway.control_ping_sec}); a socket heard
     * nothing from, no frame and no pong, for two intervals is closed (code 4005).
     *
     * @return the interval; {@link Duration#ZERO} disables the pings (default 10 s)
     */
    public Duration controlPingInterval() {
        return controlPingInterval;
    }

    /**
     * Who may reach the gateway over HTTP and WebSocket, and how much of it they may hold.
     *
     * @return the access policy (default {@link AccessPolicy#defaults()})
     */
    public AccessPolicy access() {
        return access;
    }

    /**
     * What a registered node may make the gateway do.
     *
     * @return the node policy (default {@link NodePolicy#defaults()})
     */
    public NodePolicy nodePolicy() {
        return nodePolicy;
    }

    /**
     * Whether and how this gateway shares its fleet with other gateways ({@code gateway.cluster}).
     *
     * @return the cluster settings (default {@link ClusterConfig#defaults()}: no cluster)
     */
    public ClusterConfig cluster() {
        return cluster;
    }

    /**
     * Whether the gateway serves {@code GET /metrics}, and to whom ({@code gateway.metrics}).
     *
     * @return the metrics settings (default {@link MetricsConfig#DISABLED})
     */
    public MetricsConfig metrics() {
        return metrics;
    }

    /**
     * A copy with another listen address.
     *
     * @param v the host; {@code null} or blank means {@value #DEFAULT_HOST}
     * @return the copy
     */
    public GatewayConfig withHost(String v) {
        return toBuilder().host(v).build();
    }

    /**
     * A copy with another listen port.
     *
     * @param v 0..65535; 0 picks a free port
     * @return the copy
     */
    public GatewayConfig withPort(int v) {
        return toBuilder().port(v).build();
    }

    /**
     * A copy with another gateway token.
     *
     * @param v the token (trimmed); {@code null} or empty means none
     * @return the copy
     */
    public GatewayConfig withToken(String v) {
        return toBuilder().token(v).build();
    }

    /**
     * A copy with another data directory.
     *
     * @param v the directory; {@code null} means {@code clawgo-data} in the working directory
     * @return the copy
     */
    public GatewayConfig withDataDir(Path v) {
        return toBuilder().dataDir(v).build();
    }

    /**
     * A copy with another node TTL.
     *
     * @param v a positive duration; {@code null} means 60 s
     * @return the copy
     */
    public GatewayConfig withNodeTtl(Duration v) {
        return toBuilder().nodeTtl(v).build();
    }

    /**
     * A copy with another offline retention.
     *
     * @param v a positive duration; {@code null} means 7 days
     * @return the copy
     */
    public GatewayConfig withOfflineRetention(Duration v) {
        return toBuilder().offlineRetention(v).build();
    }

    /**
     * A copy with another message size limit.
     *
     * @param v bytes, 4096 to 64 MiB; 0 or less means 8 MiB
     * @return the copy
     */
    public GatewayConfig withMaxMessageBytes(int v) {
        return toBuilder().maxMessageBytes(v).build();
    }

    /**
     * A copy with another audit rotation size.
     *
     * @param v bytes; 0 or less means 16 MiB
     * @return the copy
     */
    public GatewayConfig withAuditMaxBytes(long v) {
        return toBuilder().auditMaxBytes(v).build();
    }

    /**
     * A copy with another P2P section.
     *
     * @param v the section; {@code null} means {@link P2pConfig#defaults()}
     * @return the copy
     */
    public GatewayConfig withP2p(P2pConfig v) {
        return toBuilder().p2p(v).build();
    }

    /**
     * A copy with another dispatch policy.
     *
     * @param v the policy; {@code null} means {@link DispatchPolicy#DEFAULT}
     * @return the copy
     */
    public GatewayConfig withDispatch(DispatchPolicy v) {
        return toBuilder().dispatch(v).build();
    }

    /**
     * A copy with other TLS settings.
     *
     * @param v the key store, or {@code null} for plain http
     * @return the copy
     */
    public GatewayConfig withTls(ServerTls v) {
        return toBuilder().tls(v).build();
    }

    /**
     * A copy with other per-node tokens.
     *
     * @param v node id to token; {@code null} means none
     * @return the copy
     * @throws ConfigException when {@code v} holds a {@code null} key or value
     */
    public GatewayConfig withNodeTokens(Map<String, String> v) {
        return toBuilder().nodeTokens(v).build();
    }

    /**
     * A copy with another node limit.
     *
     * @param v the most nodes (online and offline) the registry holds, positive; 0 means 50,000
     * @return the copy
     */
    public GatewayConfig withMaxNodes(int v) {
        return toBuilder().maxNodes(v).build();
    }

    /**
     * A copy with another control socket ping interval.
     *
     * @param v {@link Duration#ZERO} to disable the pings, else at least 100 ms; {@code null} means 10 s
     * @return the copy
     */
    public GatewayConfig withControlPingInterval(Duration v) {
        return toBuilder().controlPingInterval(v).build();
    }

    /**
     * Checks every field: the port range, positive durations, {@code maxMessageBytes} in 4096..64 MiB, a positive
     * {@code maxNodes}, a control ping interval of zero or at least 100 ms, the P2P
     * section ({@link P2pConfig#validate()}), a readable TLS key store, and node tokens (valid node ids, at least 8
     * characters, different from the gateway token and from each other).
     *
     * @return this configuration
     * @throws ConfigException naming the first bad field, for example {@code gateway.port must be in 0..65535}
     */
    public GatewayConfig validate() {
        if (port < 0 || port > 65535) {
            throw new ConfigException("gateway.port must be in 0..65535 (0 picks a free port)");
        }
        if (nodeTtl.isNegative() || nodeTtl.isZero()) {
            throw new ConfigException("gateway.node_ttl_sec must be > 0");
        }
        if (offlineRetention.isNegative() || offlineRetention.isZero()) {
            throw new ConfigException("gateway.offline_retention_hours must be > 0");
        }
        if (maxMessageBytes < 4096) {
            throw new ConfigException("gateway.max_message_bytes must be >= 4096");
        }
        if (maxMessageBytes > WireCodec.MAX_LIMIT_BYTES) {
            throw new ConfigException("gateway.max_message_bytes must be <= " + WireCodec.MAX_LIMIT_BYTES
                    + " (64 MiB), got " + maxMessageBytes);
        }
        if (maxNodes <= 0) {
            throw new ConfigException("gateway.max_nodes must be > 0");
        }
        if (controlPingInterval.isNegative()) {
            throw new ConfigException("gateway.control_ping_sec must be >= 0 (0 disables the pings)");
        }
        if (!controlPingInterval.isZero() && controlPingInterval.compareTo(MIN_CONTROL_PING) < 0) {
            throw new ConfigException("gateway.control_ping_sec must be 0 (off) or at least 100 ms, got "
                    + controlPingInterval.toMillis() + " ms");
        }
        if (p2p.requestTimeout().isNegative() || p2p.requestTimeout().isZero()) {
            throw new ConfigException("gateway.nodes.p2p.request_timeout_sec must be > 0");
        }
        p2p.validate();
        access.validate();
        nodePolicy.validate();
        cluster.validate();
        if (tls != null) {
            tls.validate();
        }
        for (var e : nodeTokens.entrySet()) {
            if (e.getKey() == null || !e.getKey().matches("[A-Za-z0-9._:-]{1,128}")) {
                throw new ConfigException("gateway.nodes.tokens: '" + e.getKey() + "' is not a valid node id");
            }
            if (e.getValue() == null || e.getValue().length() < 8) {
                throw new ConfigException("gateway.nodes.tokens." + e.getKey() + " must be at least 8 characters");
            }
            if (e.getValue().equals(token)) {
                throw new ConfigException("gateway.nodes.tokens." + e.getKey() + " must differ from gateway.token");
            }
        }
        // a token shared by two nodes would let each act as the other: the gateway maps a token to one node id
        Map<String, String> owners = new java.util.HashMap<>();
        for (var e : new java.util.TreeMap<>(nodeTokens).entrySet()) {
            String other = owners.putIfAbsent(e.getValue(), e.getKey());
            if (other != null) {
                throw new ConfigException("gateway.nodes.tokens." + e.getKey() + " must differ from the token of node "
                        + other + ": every node needs a token of its own");
            }
        }
        return this;
    }

    /**
     * Reads (as UTF-8) and validates a JSON config file; see {@link #parse(String)}.
     *
     * @param file the file
     * @return the validated configuration
     * @throws ConfigException when the file cannot be read, or is invalid (the message starts with the file name)
     */
    public static GatewayConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException("cannot read config file " + file + ": no such file", e);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e, e);
        }
        try {
            return parse(text);
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses and validates config JSON: one object of at most 1 MiB whose {@code gateway} object may hold
     * {@code host}, {@code port}, {@code token}, {@code data_dir}, {@code node_ttl_sec},
     * {@code offline_retention_hours}, {@code max_message_bytes}, {@code audit_max_bytes}, {@code max_nodes},
     * {@code control_ping_sec},
     * {@code tls {keystore, keystore_password}} and {@code nodes {p2p {enabled, transport, stun_servers,
     * ice_servers, request_timeout_sec, max_in_flight_per_node, ready_timeout_sec,
     * direct_callbacks, signal_max_bytes, signal_rate_per_sec, signal_burst, node_to_node_signals}, tokens,
     * dispatch {prefer_p2p,
     * allow_relay_fallback}}, metrics {enabled, public}}. Absent keys keep their defaults; unknown keys are ignored; numbers must be whole.
     *
     * @param json the JSON text
     * @return the validated configuration
     * @throws ConfigException for malformed JSON, a value of the wrong type, or an invalid value, naming the field
     */
    public static GatewayConfig parse(String json) {
        JsonObject root;
        try {
            root = WireCodec.get().decode(json, JsonObject.class, 1024 * 1024);
        } catch (ProtocolException e) {
            throw new ConfigException("config: " + e.getMessage(), e);
        }
        JsonObject gw = object(root, "gateway", "gateway");
        GatewayConfig c = defaults();
        if (gw == null) {
            return c.validate();
        }
        c = c.withHost(string(gw, "host", "gateway.host", c.host()));
        c = c.withPort(integer(gw, "port", "gateway.port", c.port()));
        c = c.withToken(string(gw, "token", "gateway.token", c.token()));
        String dir = string(gw, "data_dir", "gateway.data_dir", null);
        if (dir != null) {
            c = c.withDataDir(Path.of(dir));
        }
        c = c.withNodeTtl(Duration.ofSeconds(integer(gw, "node_ttl_sec", "gateway.node_ttl_sec", 60)));
        c = c.withOfflineRetention(Duration.ofHours(
                integer(gw, "offline_retention_hours", "gateway.offline_retention_hours", 24 * 7)));
        c = c.withMaxMessageBytes(integer(gw, "max_message_bytes", "gateway.max_message_bytes", c.maxMessageBytes()));
        c = c.withAuditMaxBytes(integer(gw, "audit_max_bytes", "gateway.audit_max_bytes", (int) Math.min(Integer.MAX_VALUE, c.auditMaxBytes())));
        int maxNodes = integer(gw, "max_nodes", "gateway.max_nodes", c.maxNodes());
        if (maxNodes <= 0) {
            // checked here too: withMaxNodes(0) means the default, but a 0 in a file is a mistake
            throw new ConfigException("gateway.max_nodes must be > 0");
        }
        c = c.withMaxNodes(maxNodes);
        c = c.withControlPingInterval(Duration.ofSeconds(integer(gw, "control_ping_sec", "gateway.control_ping_sec",
                (int) c.controlPingInterval().toSeconds())));
        JsonObject tls = object(gw, "tls", "gateway.tls");
        if (tls != null) {
            String ks = string(tls, "keystore", "gateway.tls.keystore", null);
            if (ks == null || ks.isBlank()) {
                throw new ConfigException("gateway.tls.keystore is required when gateway.tls is set");
            }
            c = c.withTls(new ServerTls(Path.of(ks), string(tls, "keystore_password", "gateway.tls.keystore_password", "")));
        }
        JsonObject nodes = object(gw, "nodes", "gateway.nodes");
        if (nodes != null) {
            JsonObject p = object(nodes, "p2p", "gateway.nodes.p2p");
            if (p != null) {
                String f = "gateway.nodes.p2p.";
                List<IceServer> ice = new ArrayList<>();
                JsonArray arr = array(p, "ice_servers", f + "ice_servers");
                if (arr != null) {
                    for (int i = 0; i < arr.size(); i++) {
                        String fi = f + "ice_servers[" + i + "]";
                        if (!arr.get(i).isJsonObject()) {
                            throw new ConfigException(fi + " must be an object");
                        }
                        JsonObject s = arr.get(i).getAsJsonObject();
                        ice.add(new IceServer(strings(s, "urls", fi + ".urls"),
                                string(s, "username", fi + ".username", null),
                                string(s, "credential", fi + ".credential", null)));
                    }
                }
                c = c.withP2p(P2pConfig.builder()
                        .enabled(bool(p, "enabled", f + "enabled", true))
                        .transport(string(p, "transport", f + "transport", ""))
                        .stunServers(strings(p, "stun_servers", f + "stun_servers"))
                        .iceServers(ice)
                        .requestTimeout(Duration.ofSeconds(integer(p, "request_timeout_sec", f + "request_timeout_sec",
                                (int) P2pConfig.DEFAULT_REQUEST_TIMEOUT.toSeconds())))
                        .maxInFlightPerNode(integer(p, "max_in_flight_per_node", f + "max_in_flight_per_node",
                                P2pConfig.DEFAULT_MAX_IN_FLIGHT))
                        .readyTimeout(Duration.ofSeconds(integer(p, "ready_timeout_sec", f + "ready_timeout_sec",
                                (int) P2pConfig.DEFAULT_READY_TIMEOUT.toSeconds())))
                        .directCallbacks(bool(p, "direct_callbacks", f + "direct_callbacks", false))
                        .build());
                c = c.withP2p(P2pConfig.withSignalKeys(p, c.p2p()));
            }
            JsonObject tokens = object(nodes, "tokens", "gateway.nodes.tokens");
            if (tokens != null) {
                Map<String, String> map = new LinkedHashMap<>();
                for (String id : tokens.keySet()) {
                    map.put(id, string(tokens, id, "gateway.nodes.tokens." + id, null));
                }
                c = c.withNodeTokens(map);
            }
            JsonObject d = object(nodes, "dispatch", "gateway.nodes.dispatch");
            if (d != null) {
                c = c.withDispatch(new DispatchPolicy(
                        bool(d, "prefer_p2p", "gateway.nodes.dispatch.prefer_p2p", true),
                        bool(d, "allow_relay_fallback", "gateway.nodes.dispatch.allow_relay_fallback", true)));
            }
        }
        c = c.toBuilder().access(AccessPolicy.parse(gw)).nodePolicy(NodePolicy.parse(gw))
                .cluster(ClusterConfig.parse(gw)).metrics(MetricsConfig.parse(gw)).build();
        return c.validate();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GatewayConfig c && port == c.port && maxMessageBytes == c.maxMessageBytes
                && auditMaxBytes == c.auditMaxBytes && maxNodes == c.maxNodes && host.equals(c.host)
                && token.equals(c.token) && dataDir.equals(c.dataDir) && nodeTtl.equals(c.nodeTtl)
                && offlineRetention.equals(c.offlineRetention) && p2p.equals(c.p2p) && dispatch.equals(c.dispatch)
                && Objects.equals(tls, c.tls) && nodeTokens.equals(c.nodeTokens)
                && controlPingInterval.equals(c.controlPingInterval) && access.equals(c.access)
                && nodePolicy.equals(c.nodePolicy) && cluster.equals(c.cluster) && metrics.equals(c.metrics);
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, port, token, dataDir, nodeTtl, offlineRetention, maxMessageBytes, auditMaxBytes, p2p,
                dispatch, tls, nodeTokens, maxNodes, controlPingInterval, access, nodePolicy,
                cluster, metrics);
    }

    @Override
    public String toString() {
        // never print the token
        return "GatewayConfig[host=" + host + ", port=" + port + ", token=" + (token.isEmpty() ? "none" : "***")
                + ", dataDir=" + dataDir + ", nodeTtl=" + nodeTtl + ", offlineRetention=" + offlineRetention
                + ", maxMessageBytes=" + maxMessageBytes + ", auditMaxBytes=" + auditMaxBytes + ", maxNodes=" + maxNodes
                + ", controlPingInterval=" + controlPingInterval + ", p2p=" + p2p + ", dispatch=" + dispatch
                + ", tls=" + (tls == null ? "off" : tls.keyStore()) + ", nodeTokens=" + nodeTokens.keySet()
                + ", access=" + access + ", nodePolicy=" + nodePolicy + ", cluster=" + cluster + ", metrics=" + metrics
                + "]";
    }

    /**
     * Builds a {@link GatewayConfig}. Every setter takes {@code null} (or, for sizes, 0) to mean the default. Not
     * thread-safe.
     */
    public static final class Builder {
        private String host;
        private int port = DEFAULT_PORT;
        private String token;
        private Path dataDir;
        private Duration nodeTtl;
        private Duration offlineRetention;
        private int maxMessageBytes;
        private long auditMaxBytes;
        private P2pConfig p2p;
        private DispatchPolicy dispatch;
        private ServerTls tls;
        private Map<String, String> nodeTokens;
        private int maxNodes;
        private Duration controlPingInterval;
        private AccessPolicy access;
        private NodePolicy nodePolicy;
        private ClusterConfig cluster;
        private MetricsConfig metrics;

        private Builder() {
        }

        private Builder(GatewayConfig c) {
            host = c.host;
            port = c.port;
            token = c.token;
            dataDir = c.dataDir;
            nodeTtl = c.nodeTtl;
            offlineRetention = c.offlineRetention;
            maxMessageBytes = c.maxMessageBytes;
            auditMaxBytes = c.auditMaxBytes;
            p2p = c.p2p;
            dispatch = c.dispatch;
            tls = c.tls;
            nodeTokens = c.nodeTokens;
            maxNodes = c.maxNodes;
            controlPingInterval = c.controlPingInterval;
            access = c.access;
            nodePolicy = c.nodePolicy;
            cluster = c.cluster;
            metrics = c.metrics;
        }

        /**
         * Sets the listen address.
         *
         * @param v a host name or IP address (trimmed); {@code null} or blank means {@value #DEFAULT_HOST}
         * @return this builder
         */
        public Builder host(String v) {
            host = v;
            return this;
        }

        /**
         * Sets the listen port.
         *
         * @param v 0..65535; 0 picks a free port (default 18790)
         * @return this builder
         */
        public Builder port(int v) {
            port = v;
            return this;
        }

        /**
         * Sets the gateway token.
         *
         * @param v the token (trimmed); {@code null} or empty means none
         * @return this builder
         */
        public Builder token(String v) {
            token = v;
            return this;
        }

        /**
         * Sets the data directory.
         *
         * @param v the directory; {@code null} means {@code clawgo-data} in the working directory
         * @return this builder
         */
        public Builder dataDir(Path v) {
            dataDir = v;
            return this;
        }

        /**
         * Sets the node TTL.
         *
         * @param v a positive duration; {@code null} means 60 s
         * @return this builder
         */
        public Builder nodeTtl(Duration v) {
            nodeTtl = v;
            return this;
        }

        /**
         * Sets how long offline nodes are kept.
         *
         * @param v a positive duration; {@code null} means 7 days
         * @return this builder
         */
        public Builder offlineRetention(Duration v) {
            offlineRetention = v;
            return this;
        }

        /**
         * Sets the largest message.
         *
         * @param v bytes, 4096 to 64 MiB; 0 or less means 8 MiB
         * @return this builder
         */
        public Builder maxMessageBytes(int v) {
            maxMessageBytes = v;
            return this;
        }

        /**
         * Sets the audit rotation size.
         *
         * @param v bytes; 0 or less means 16 MiB
         * @return this builder
         */
        public Builder auditMaxBytes(long v) {
            auditMaxBytes = v;
            return this;
        }

        /**
         * Sets the P2P section.
         *
         * @param v the section; {@code null} means {@link P2pConfig#defaults()}
         * @return this builder
         */
        public Builder p2p(P2pConfig v) {
            p2p = v;
            return this;
        }

        /**
         * Sets the dispatch policy.
         *
         * @param v the policy; {@code null} means {@link DispatchPolicy#DEFAULT}
         * @return this builder
         */
        public Builder dispatch(DispatchPolicy v) {
            dispatch = v;
            return this;
        }

        /**
         * Sets the TLS key store.
         *
         * @param v the key store, or {@code null} for plain http
         * @return this builder
         */
        public Builder tls(ServerTls v) {
            tls = v;
            return this;
        }

        /**
         * Sets the per-node tokens (copied).
         *
         * @param v node id to token; {@code null} means none
         * @return this builder
         * @throws ConfigException when {@code v} holds a {@code null} key or value
         */
        public Builder nodeTokens(Map<String, String> v) {
            if (v != null) {
                for (var e : v.entrySet()) {
                    if (e.getKey() == null || e.getValue() == null) {
                        throw new ConfigException("gateway.nodes.tokens must not hold null ids or tokens");
                    }
                }
            }
            nodeTokens = v == null ? null : new LinkedHashMap<>(v);
            return this;
        }

        /**
         * Sets the node limit.
         *
         * @param v the most nodes (online and offline) the registry holds, positive; 0 means 50,000
         * @return this builder
         */
        public Builder maxNodes(int v) {
            maxNodes = v;
            return this;
        }

        /**
         * Sets the control socket ping interval.
         *
         * @param v {@link Duration#ZERO} to disable the pings, else at least 100 ms; {@code null} means 10 s
         * @return this builder
         */
        public Builder controlPingInterval(Duration v) {
            controlPingInterval = v;
            return this;
        }

        /**
         * Sets the access policy.
         *
         * @param v the policy; {@code null} means {@link AccessPolicy#defaults()}
         * @return this builder
         */
        public Builder access(AccessPolicy v) {
            access = v;
            return this;
        }

        /**
         * Sets the node policy.
         *
         * @param v the policy; {@code null} means {@link NodePolicy#defaults()}
         * @return this builder
         */
        public Builder nodePolicy(NodePolicy v) {
            nodePolicy = v;
            return this;
        }

        /**
         * Sets the cluster settings.
         *
         * @param v the settings; {@code null} means {@link ClusterConfig#defaults()} (no cluster)
         * @return this builder
         */
        public Builder cluster(ClusterConfig v) {
            cluster = v;
            return this;
        }

        /**
         * Sets whether the gateway serves {@code GET /metrics}, and to whom.
         *
         * @param v the settings; {@code null} means {@link MetricsConfig#DISABLED}
         * @return this builder
         */
        public Builder metrics(MetricsConfig v) {
            metrics = v;
            return this;
        }

        /**
         * Builds the configuration, filling in defaults; values are checked by {@link GatewayConfig#validate()}.
         *
         * @return the configuration
         */
        public GatewayConfig build() {
            return new GatewayConfig(this);
        }
    }
}
