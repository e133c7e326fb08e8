package io.clawgo.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.WireCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a gateway needs, with documented defaults. Immutable; the {@code with*} methods return copies.
 *
 * <p>Loaded from a clawgo-compatible JSON file with {@link #load(Path)}:
 * <pre>{@code
 * {"gateway":{"host":"0.0.0.0","port":18790,"token":"...","data_dir":"./clawgo-data","node_ttl_sec":60,
 *   "max_nodes":50000,"control_ping_sec":10,
 *   "nodes":{"p2p":{"enabled":true,"transport":"websocket_tunnel","stun_servers":["stun:host:3478"],
 *     "ice_servers":[{"urls":["turn:host:3478"],"username":"u","credential":"p"}]},
 *     "dispatch":{"prefer_p2p":true,"allow_relay_fallback":true}}}}
 * }</pre>
 *
 * @param host             listen address (default {@code 0.0.0.0})
 * @param port             listen port, {@code 0} for an ephemeral port (default 18790)
 * @param token            bearer token for every API route and the node WebSocket; empty means none (the default),
 *                         and without {@code nodeTokens} either, every route is open
 * @param dataDir          where the registry state and the audits live (default {@code ./clawgo-data})
 * @param nodeTtl          a node is online while heard from within this (default 60 s)
 * @param offlineRetention offline nodes are removed after this (default 7 days)
 * @param maxMessageBytes  largest WebSocket frame, HTTP body and relayed response, at least 4096 (default 8 MiB)
 * @param auditMaxBytes    an audit file is rotated when larger (default 16 MiB, one old file kept)
 * @param p2p              {@code gateway.nodes.p2p}
 * @param dispatch         {@code gateway.nodes.dispatch}
 * @param tls              {@code gateway.tls}: serve https/wss from a key store; {@code null} for plain http
 * @param nodeTokens       {@code gateway.nodes.tokens}: per-node tokens (node id to token); a node presenting its own
 *                         token may register and connect as that node only, and use no other route
 * @param maxNodes         {@code gateway.max_nodes}: how many nodes the registry holds at most, online and offline
 *                         (offline ones until the offline retention drops them); a new node id beyond it is refused
 *                         with {@code too_many_nodes}, while known ids always register again (default 50,000)
 * @param controlPingInterval {@code gateway.control_ping_sec}: every interval the gateway pings each registered
 *                         node's control WebSocket, and closes (code 4005) a socket it heard nothing from, no frame
 *                         and no pong, for two intervals; {@link Duration#ZERO} disables it (default 10 s)
 */
public record GatewayConfig(String host, int port, String token, Path dataDir, Duration nodeTtl,
                            Duration offlineRetention, int maxMessageBytes, long auditMaxBytes, P2pConfig p2p,
                            DispatchPolicy dispatch, ServerTls tls, java.util.Map<String, String> nodeTokens,
                            int maxNodes, Duration controlPingInterval) {

    /** The default listen port. */
    public static final int DEFAULT_PORT = 18790;

    /** The default of {@code gateway.max_nodes}: five times the 10,000 nodes the scale benchmark connects. */
    public static final int DEFAULT_MAX_NODES = 50_000;

    /** The default of {@code gateway.control_ping_sec}. */
    public static final Duration DEFAULT_CONTROL_PING = Duration.ofSeconds(10);

    /** The shortest control ping interval other than zero (which disables the pings). */
    static final Duration MIN_CONTROL_PING = Duration.ofMillis(100);

    /**
     * Creates a configuration, filling in defaults: a {@code null} or blank host, {@code null} token, data dir, TTL,
     * retention, P2P section, dispatch policy, node tokens or control ping interval, a size of 0 or less, and a
     * {@code maxNodes} of 0, take the default. The host and token are trimmed; the node tokens are copied. Values are
     * checked only by {@link #validate()}.
     *
     * @param host             listen address
     * @param port             listen port
     * @param token            gateway bearer token
     * @param dataDir          data directory
     * @param nodeTtl          node TTL
     * @param offlineRetention how long offline nodes are kept
     * @param maxMessageBytes  largest message in bytes
     * @param auditMaxBytes    audit rotation size in bytes
     * @param p2p              the P2P section
     * @param dispatch         the dispatch policy
     * @param tls              the TLS key store, or {@code null} for plain http
     * @param nodeTokens       per-node tokens; no {@code null} keys or values
     * @param maxNodes         most nodes the registry holds; 0 means the default
     * @param controlPingInterval control socket ping interval; {@link Duration#ZERO} disables the pings
     * @throws NullPointerException when {@code nodeTokens} holds a {@code null} key or value
     */
    public GatewayConfig {
        host = host == null || host.isBlank() ? "0.0.0.0" : host.trim();
        token = token == null ? "" : token.trim();
        dataDir = dataDir == null ? Path.of("clawgo-data") : dataDir;
        nodeTtl = nodeTtl == null ? Duration.ofSeconds(60) : nodeTtl;
        offlineRetention = offlineRetention == null ? Duration.ofDays(7) : offlineRetention;
        maxMessageBytes = maxMessageBytes <= 0 ? WireCodec.DEFAULT_MAX_BYTES : maxMessageBytes;
        auditMaxBytes = auditMaxBytes <= 0 ? 16L * 1024 * 1024 : auditMaxBytes;
        p2p = p2p == null ? P2pConfig.defaults() : p2p;
        dispatch = dispatch == null ? DispatchPolicy.DEFAULT : dispatch;
        if (nodeTokens != null) {
            for (var e : nodeTokens.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    throw new ConfigException("gateway.nodes.tokens must not hold null ids or tokens");
                }
            }
        }
        nodeTokens = nodeTokens == null ? java.util.Map.of() : java.util.Map.copyOf(nodeTokens);
        maxNodes = maxNodes == 0 ? DEFAULT_MAX_NODES : maxNodes;
        controlPingInterval = controlPingInterval == null ? DEFAULT_CONTROL_PING : controlPingInterval;
    }

    /**
     * All defaults.
     *
     * @return a configuration with every default (port 18790, no token, P2P on with the best transport found)
     */
    public static GatewayConfig defaults() {
        return new GatewayConfig(null, DEFAULT_PORT, null, null, null, null, 0, 0, null, null, null, null, 0, null);
    }

    /**
     * A copy with another listen address.
     *
     * @param v the host; {@code null} or blank means {@code 0.0.0.0}
     * @return the copy
     */
    public GatewayConfig withHost(String v) {
        return new GatewayConfig(v, port, token, dataDir, nodeTtl, offlineRetention, maxMessageBytes, auditMaxBytes, p2p, dispatch, tls, nodeTokens, maxNodes, controlPingInterval);
    }

    /**
     * A copy with another listen port.
     *
     * @param v 0..65535; 0 picks a free port
     * @return the copy
     */
    public GatewayConfig withPort(int v) {
        return new GatewayConfig(host, v, token, dataDir, nodeTtl, offlineRetention, maxMessageBytes, auditMaxBytes, p2p, dispatch, tls, nodeTokens, maxNodes, controlPingInterval);
    }

    /**
     * A copy with another gateway token.
     *
     * @param v the token (trimmed); {@code null} or empty means none
     * @return the copy
     */
    public GatewayConfig withToken(String v) {
        return new GatewayConfig(host, port, v, dataDir, nodeTtl, offlineRetention, maxMessageBytes, auditMaxBytes, p2p, dispatch, tls, nodeTokens, maxNodes, controlPingInterval);
    }

    /**
     * A copy with another data directory.
     *
     * @param v the directory; {@code null} means {@code clawgo-data} in the working directory
     * @return the copy
     */
    public GatewayConfig withDataDir(Path v) {
        return new GatewayConfig(host, port, token, v, nodeTtl, offlineRetention, maxMessageBytes, auditMaxBytes, p2p, dispatch, tls, nodeTokens, maxNodes, controlPingInterval);
    }

    /**
     * A copy with another node TTL.
     *
     * @param v a positive duration; {@code null} means 60 s
     * @return the copy
     */
    public GatewayConfig withNodeTtl(Duration v) {
        return new GatewayConfig(host, port, token, dataDir, v, offlineRetention, maxMessageBytes, auditMaxBytes, p2p, dispatch, tls, nodeTokens, maxNodes, controlPingInterval);
    }

    /**
     * A copy with another offline retention.
     *
     * @param v a positive duration; {@code null} means 7 days
     * @return the copy
     */
    public GatewayConfig withOfflineRetention(Duration v) {
        return new GatewayConfig(host, port, token, dataDir, nodeTtl, v, maxMessageBytes, auditMaxBytes, p2p, dispatch, tls, nodeTokens, maxNodes, controlPingInterval);
    }

    /**
     * A copy with another message size limit.
     *
     * @param v bytes, at least 4096; 0 or less means 8 MiB
     * @return the copy
     */
    public GatewayConfig withMaxMessageBytes(int v) {
        return new GatewayConfig(host, port, token, dataDir, nodeTtl, offlineRetention, v, auditMaxBytes, p2p, dispatch, tls, nodeTokens, maxNodes, controlPingInterval);
    }

    /**
     * A copy with another audit rotation size.
     *
     * @param v bytes; 0 or less means 16 MiB
     * @return the copy
     */
    public GatewayConfig withAuditMaxBytes(long v) {
        return new GatewayConfig(host, port, token, dataDir, nodeTtl, offlineRetention, maxMessageBytes, v, p2p, dispatch, tls, nodeTokens, maxNodes, controlPingInterval);
    }

    /**
     * A copy with another P2P section.
     *
     * @param v the section; {@code null} means {@link P2pConfig#defaults()}
     * @return the copy
     */
    public GatewayConfig withP2p(P2pConfig v) {
        return new GatewayConfig(host, port, token, dataDir, nodeTtl, offlineRetention, maxMessageBytes, auditMaxBytes, v, dispatch, tls, nodeTokens, maxNodes, controlPingInterval);
    }

    /**
     * A copy with another dispatch policy.
     *
     * @param v the policy; {@code null} means {@link DispatchPolicy#DEFAULT}
     * @return the copy
     */
    public GatewayConfig withDispatch(DispatchPolicy v) {
        return new GatewayConfig(host, port, token, dataDir, nodeTtl, offlineRetention, maxMessageBytes, auditMaxBytes, p2p, v, tls, nodeTokens, maxNodes, controlPingInterval);
    }

    /**
     * A copy with other TLS settings.
     *
     * @param v the key store, or {@code null} for plain http
     * @return the copy
     */
    public GatewayConfig withTls(ServerTls v) {
        return new GatewayConfig(host, port, token, dataDir, nodeTtl, offlineRetention, maxMessageBytes, auditMaxBytes, p2p, dispatch, v, nodeTokens, maxNodes, controlPingInterval);
    }

    /**
     * A copy with other per-node tokens.
     *
     * @param v node id to token; {@code null} means none
     * @return the copy
     * @throws NullPointerException when {@code v} holds a {@code null} key or value
     */
    public GatewayConfig withNodeTokens(java.util.Map<String, String> v) {
        return new GatewayConfig(host, port, token, dataDir, nodeTtl, offlineRetention, maxMessageBytes, auditMaxBytes, p2p, dispatch, tls, v, maxNodes, controlPingInterval);
    }

    /**
     * A copy with another node limit.
     *
     * @param v the most nodes (online and offline) the registry holds, positive; 0 means 50,000
     * @return the copy
     */
    public GatewayConfig withMaxNodes(int v) {
        return new GatewayConfig(host, port, token, dataDir, nodeTtl, offlineRetention, maxMessageBytes, auditMaxBytes, p2p, dispatch, tls, nodeTokens, v, controlPingInterval);
    }

    /**
     * A copy with another control socket ping interval.
     *
     * @param v {@link Duration#ZERO} to disable the pings, else at least 100 ms; {@code null} means 10 s
     * @return the copy
     */
    public GatewayConfig withControlPingInterval(Duration v) {
        return new GatewayConfig(host, port, token, dataDir, nodeTtl, offlineRetention, maxMessageBytes, auditMaxBytes, p2p, dispatch, tls, nodeTokens, maxNodes, v);
    }

    /**
     * Checks every field: the port range, positive durations, {@code maxMessageBytes} of at least 4096, a positive
     * {@code maxNodes}, a control ping interval of zero or at least 100 ms, the P2P
     * section ({@link P2pConfig#validate()}), a readable TLS key store, and node tokens (valid node ids, at least 8
     * characters, different from the gateway token).
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
     * direct_callbacks}, tokens, dispatch {prefer_p2p,
     * allow_relay_fallback}}}. Absent keys keep their defaults; unknown keys are ignored; numbers must be whole.
     *
     * @param json the JSON text
     * @return the validated configuration
     * @throws ConfigException for malformed JSON, a value of the wrong type, or an invalid value, naming the field
     */
    public static GatewayConfig parse(String json) {
        JsonObject root;
        try {
            root = WireCodec.get().parseObject(json, 1024 * 1024);
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
                c = c.withP2p(new P2pConfig(
                        bool(p, "enabled", f + "enabled", true),
                        string(p, "transport", f + "transport", ""),
                        strings(p, "stun_servers", f + "stun_servers"),
                        ice,
                        Duration.ofSeconds(integer(p, "request_timeout_sec", f + "request_timeout_sec",
                                (int) P2pConfig.DEFAULT_REQUEST_TIMEOUT.toSeconds())),
                        integer(p, "max_in_flight_per_node", f + "max_in_flight_per_node",
                                P2pConfig.DEFAULT_MAX_IN_FLIGHT),
                        Duration.ofSeconds(integer(p, "ready_timeout_sec", f + "ready_timeout_sec",
                                (int) P2pConfig.DEFAULT_READY_TIMEOUT.toSeconds())),
                        bool(p, "direct_callbacks", f + "direct_callbacks", false)));
            }
            JsonObject tokens = object(nodes, "tokens", "gateway.nodes.tokens");
            if (tokens != null) {
                java.util.Map<String, String> map = new java.util.LinkedHashMap<>();
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
        return c.validate();
    }

    private static JsonElement field(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e;
    }

    private static JsonObject object(JsonObject o, String key, String name) {
        JsonElement e = field(o, key);
        if (e == null) {
            return null;
        }
        if (!e.isJsonObject()) {
            throw new ConfigException(name + " must be an object");
        }
        return e.getAsJsonObject();
    }

    private static JsonArray array(JsonObject o, String key, String name) {
        JsonElement e = field(o, key);
        if (e == null) {
            return null;
        }
        if (!e.isJsonArray()) {
            throw new ConfigException(name + " must be an array");
        }
        return e.getAsJsonArray();
    }

    private static List<String> strings(JsonObject o, String key, String name) {
        JsonArray a = array(o, key, name);
        List<String> out = new ArrayList<>();
        if (a != null) {
            for (int i = 0; i < a.size(); i++) {
                JsonElement e = a.get(i);
                if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isString())) {
                    throw new ConfigException(name + "[" + i + "] must be a string");
                }
                out.add(e.getAsString().trim());
            }
        }
        return out;
    }

    private static String string(JsonObject o, String key, String name, String def) {
        JsonElement e = field(o, key);
        if (e == null) {
            return def;
        }
        if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isString())) {
            throw new ConfigException(name + " must be a string");
        }
        return e.getAsString();
    }

    private static boolean bool(JsonObject o, String key, String name, boolean def) {
        JsonElement e = field(o, key);
        if (e == null) {
            return def;
        }
        if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean())) {
            throw new ConfigException(name + " must be true or false");
        }
        return e.getAsBoolean();
    }

    private static int integer(JsonObject o, String key, String name, int def) {
        JsonElement e = field(o, key);
        if (e == null) {
            return def;
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            JsonPrimitive p = e.getAsJsonPrimitive();
            double d = p.getAsDouble();
            if (d == Math.rint(d) && d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE) {
                return (int) d;
            }
        }
        throw new ConfigException(name + " must be an integer");
    }

    @Override
    public String toString() {
        // never print the token
        return "GatewayConfig[host=" + host + ", port=" + port + ", token=" + (token.isEmpty() ? "none" : "***")
                + ", dataDir=" + dataDir + ", nodeTtl=" + nodeTtl + ", offlineRetention=" + offlineRetention
                + ", maxMessageBytes=" + maxMessageBytes + ", auditMaxBytes=" + auditMaxBytes + ", maxNodes=" + maxNodes
                + ", controlPingInterval=" + controlPingInterval + ", p2p=" + p2p + ", dispatch=" + dispatch
                + ", tls=" + (tls == null ? "off" : tls.keyStore()) + ", nodeTokens=" + nodeTokens.keySet() + "]";
    }
}
