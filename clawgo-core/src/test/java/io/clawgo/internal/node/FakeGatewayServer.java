package io.clawgo.internal.node;

import io.clawgo.protocol.Frame;
import io.clawgo.protocol.MessageTypes;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.WireAck;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A test-only stand-in for the gateway: Jetty 12 on 127.0.0.1 with {@code POST /nodes/register},
 * {@code POST /nodes/heartbeat} and the control WebSocket {@code GET /nodes/connect}, speaking the wire protocol of
 * docs/protocol.md ("Control WebSocket", "HTTP API"). It records everything it receives and can misbehave on demand:
 * drop connections, reject registrations, withhold or refuse heartbeat acks, and send arbitrary frames.
 */
public final class FakeGatewayServer implements AutoCloseable {

    /** One frame received on the control socket. */
    public record Received(int connection, long atNanos, String raw, WireMessage message) {
    }

    /** One accepted WebSocket upgrade. */
    public record Upgrade(String path, String query, String authorization) {
    }

    private final String token;
    private final Server server;
    private final WireCodec codec = WireCodec.get();

    /** Ordered log of notable events: {@code http-register:<id>}, {@code ws-open:<n>}, {@code ws-register:<id>}. */
    public final List<String> events = new CopyOnWriteArrayList<>();
    public final List<NodeInfo> httpRegistrations = new CopyOnWriteArrayList<>();
    public final List<String> httpHeartbeats = new CopyOnWriteArrayList<>();
    public final AtomicInteger httpUnauthorized = new AtomicInteger();
    public final AtomicInteger wsUnauthorized = new AtomicInteger();
    public final List<Upgrade> upgrades = new CopyOnWriteArrayList<>();
    public final List<Received> frames = new CopyOnWriteArrayList<>();
    /** Close codes seen by the server, per connection index. */
    public final Map<Integer, Integer> closeCodes = new ConcurrentHashMap<>();
    public final Set<String> knownNodes = ConcurrentHashMap.newKeySet();

    /** When true, heartbeat frames get no ack at all. */
    public volatile boolean withholdHeartbeatAcks;
    /** When true, register frames get no ack at all. */
    public volatile boolean withholdRegisterAcks;
    /** When non-null, register frames get {@code {"ok":false,"type":"register","error":<this>}}. */
    public volatile String rejectRegister;
    /** The next N heartbeat frames get {@code {"ok":false,"type":"heartbeat","error":"node not registered"}}. */
    public final AtomicInteger failNextHeartbeats = new AtomicInteger();

    private final AtomicInteger connectionSeq = new AtomicInteger();
    private final List<Endpoint> open = new CopyOnWriteArrayList<>();

    private FakeGatewayServer(String token) throws Exception {
        this.token = token;
        this.server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, container -> {
            container.setIdleTimeout(Duration.ofSeconds(60));
            container.addMapping("/nodes/connect", (req, resp, cb) -> {
                String auth = req.getHeaders().get(HttpHeader.AUTHORIZATION);
                if (!authorized(auth)) {
                    wsUnauthorized.incrementAndGet();
                    resp.setStatus(401);
                    resp.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                    Content.Sink.write(resp, true, "{\"ok\":false,\"error\":\"unauthorized\"}", cb);
                    return null;
                }
                upgrades.add(new Upgrade(req.getHttpURI().getPath(), req.getHttpURI().getQuery(), auth));
                return new Endpoint(connectionSeq.incrementAndGet());
            });
        });
        ws.setHandler(new RestHandler());
        server.setHandler(ws);
        server.start();
    }

    /** Starts a fake gateway; {@code token} null means no authentication. */
    public static FakeGatewayServer start(String token) throws Exception {
        return new FakeGatewayServer(token);
    }

    public int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** Number of WebSocket connections accepted so far. */
    public int connectionCount() {
        return connectionSeq.get();
    }

    /** Number of WebSocket connections open now. */
    public int openConnections() {
        return open.size();
    }

    /** Received messages of {@code type}, in order. */
    public List<Received> received(String type) {
        List<Received> out = new ArrayList<>();
        for (Received r : frames) {
            if (r.message != null && type.equals(r.message.normalizedType())) {
                out.add(r);
            }
        }
        return out;
    }

    /** The first received message matching {@code p}, if any. */
    public Optional<WireMessage> find(Predicate<WireMessage> p) {
        return frames.stream().map(Received::message).filter(m -> m != null && p.test(m)).findFirst();
    }

    /** Sends a raw text frame on every open connection; returns how many got it. */
    public int sendToAll(String raw) {
        int n = 0;
        for (Endpoint e : open) {
            if (e.send(raw)) {
                n++;
            }
        }
        return n;
    }

    /** Sends {@code node_request} on every open connection. */
    public int sendNodeRequest(String id, String node, Request request) {
        return sendToAll(codec.toJson(WireMessage.nodeRequest(id, node, request)));
    }

    /** Drops every open connection abruptly (no close frame): what a crash or a network cut looks like. */
    public void dropConnections() {
        for (Endpoint e : open) {
            e.session.disconnect();
        }
    }

    /** Closes every open connection with a close frame. */
    public void closeConnections(int code, String reason) {
        for (Endpoint e : open) {
            e.session.close(code, reason, org.eclipse.jetty.websocket.api.Callback.NOOP);
        }
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the fake gateway failed", e);
        }
    }

    private boolean authorized(String header) {
        if (token == null) {
            return true;
        }
        return header != null && header.trim().equals("Bearer " + token);
    }

    /** One server-side WebSocket. */
    public final class Endpoint implements Session.Listener.AutoDemanding {
        final int index;
        volatile Session session;

        Endpoint(int index) {
            this.index = index;
        }

        synchronized boolean send(String text) {
            Session s = session;
            if (s == null || !s.isOpen()) {
                return false;
            }
            s.sendText(text, org.eclipse.jetty.websocket.api.Callback.NOOP);
            return true;
        }

        @Override
        public void onWebSocketOpen(Session s) {
            this.session = s;
            open.add(this);
            events.add("ws-open:" + index);
        }

        @Override
        public void onWebSocketText(String text) {
            WireMessage msg = null;
            try {
                Frame f = codec.decodeFrame(text, WireCodec.DEFAULT_MAX_BYTES);
                if (f instanceof Frame.Message m) {
                    msg = m.message();
                }
            } catch (ProtocolException e) {
                // recorded raw; a real gateway would answer an error
            }
            frames.add(new Received(index, System.nanoTime(), text, msg));
            if (msg == null) {
                return;
            }
            switch (msg.normalizedType()) {
                case MessageTypes.REGISTER -> {
                    String id = msg.node() == null ? null : msg.node().id();
                    events.add("ws-register:" + id);
                    if (withholdRegisterAcks) {
                        return;
                    }
                    if (id == null || id.isBlank()) {
                        ack(WireAck.error(MessageTypes.REGISTER, null, "node.id required"));
                    } else if (rejectRegister != null) {
                        ack(WireAck.error(MessageTypes.REGISTER, null, rejectRegister));
                    } else {
                        knownNodes.add(id);
                        ack(WireAck.ok(MessageTypes.REGISTERED, id));
                    }
                }
                case MessageTypes.HEARTBEAT -> {
                    if (withholdHeartbeatAcks) {
                        return;
                    }
                    if (failNextHeartbeats.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                        ack(WireAck.error(MessageTypes.HEARTBEAT, msg.id(), "node not registered"));
                    } else {
                        ack(WireAck.ok(MessageTypes.HEARTBEAT, msg.id()));
                    }
                }
                case MessageTypes.NODE_RESPONSE -> {
                    // matched by the tests through `frames`; no ack, as the real gateway
                }
                default -> ack(WireAck.error(msg.type(), msg.id(), "unsupported message type"));
            }
        }

        private void ack(WireAck ack) {
            send(codec.toJson(ack));
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason, org.eclipse.jetty.websocket.api.Callback cb) {
            closeCodes.put(index, statusCode);
            open.remove(this);
            events.add("ws-close:" + index + ":" + statusCode);
            cb.succeed();
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            open.remove(this);
        }
    }

    /** {@code POST /nodes/register}, {@code POST /nodes/heartbeat} and a few JSON routes for GatewayClient tests. */
    private final class RestHandler extends Handler.Abstract {
        @Override
        public boolean handle(org.eclipse.jetty.server.Request request, Response response, Callback callback)
                throws Exception {
            String path = org.eclipse.jetty.server.Request.getPathInContext(request);
            String method = request.getMethod();
            if (!authorized(request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
                if (path.equals("/nodes/register")) {
                    httpUnauthorized.incrementAndGet();
                }
                json(response, callback, 401, "{\"ok\":false,\"error\":\"unauthorized\",\"code\":\"unauthorized\"}");
                return true;
            }
            String body = Content.Source.asString(request, StandardCharsets.UTF_8);
            switch (method + " " + path) {
                case "POST /nodes/register" -> {
                    NodeInfo info;
                    try {
                        info = codec.decode(body, NodeInfo.class);
                    } catch (ProtocolException e) {
                        json(response, callback, 400, codec.toJson(Map.of("ok", false, "error", e.getMessage(),
                                "code", "invalid_request")));
                        return true;
                    }
                    if (info.id() == null || info.id().isBlank()) {
                        json(response, callback, 400,
                                "{\"ok\":false,\"error\":\"id required\",\"code\":\"invalid_request\"}");
                        return true;
                    }
                    httpRegistrations.add(info);
                    knownNodes.add(info.id());
                    events.add("http-register:" + info.id());
                    json(response, callback, 200, codec.toJson(Map.of("ok", true, "id", info.id())));
                }
                case "POST /nodes/heartbeat" -> {
                    Object id = codec.decodeMap(body, WireCodec.DEFAULT_MAX_BYTES).get("id");
                    httpHeartbeats.add(String.valueOf(id));
                    if (!(id instanceof String s) || s.isBlank()) {
                        json(response, callback, 400, "{\"ok\":false,\"error\":\"id required\"}");
                    } else if (!knownNodes.contains(s)) {
                        json(response, callback, 404,
                                "{\"ok\":false,\"error\":\"node not found\",\"code\":\"node_not_found\"}");
                    } else {
                        json(response, callback, 200, codec.toJson(Map.of("ok", true, "id", s)));
                    }
                }
                case "GET /webui/api/version" ->
                        json(response, callback, 200, "{\"ok\":true,\"version\":\"fake-1\",\"port\":" + port() + "}");
                case "POST /echo" -> json(response, callback, 200,
                        "{\"ok\":true,\"echo\":" + (body.isBlank() ? "{}" : body) + "}");
                case "GET /plain" -> text(response, callback, 200, "not json");
                default -> text(response, callback, 404, "  no route " + path + "  \n");
            }
            return true;
        }

        private void json(Response response, Callback callback, int status, String body) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            Content.Sink.write(response, true, body, callback);
        }

        private void text(Response response, Callback callback, int status, String body) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
            Content.Sink.write(response, true, body, callback);
        }
    }
}
