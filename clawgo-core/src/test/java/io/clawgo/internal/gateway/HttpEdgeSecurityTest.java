package io.clawgo.internal.gateway;

import static io.clawgo.testing.RawWebSocket.OP_CLOSE;
import static io.clawgo.testing.RawWebSocket.OP_PING;
import static io.clawgo.testing.RawWebSocket.OP_PONG;
import static io.clawgo.testing.RawWebSocket.OP_TEXT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clawgo.ClawgoException;
import io.clawgo.Gateway;
import io.clawgo.config.AccessPolicy;
import io.clawgo.config.ConfigException;
import io.clawgo.config.GatewayConfig;
import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.WireCodec;
import io.clawgo.testing.RawWebSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP and WebSocket edge of the gateway (issue 18): secure by default, browser attacks (content type, Origin,
 * Host), response headers and error pages, connection and memory limits, late frames on retired sockets. Real Jetty,
 * raw sockets on loopback.
 */
class HttpEdgeSecurityTest {
    private static final String TOKEN = "edge-gateway-token";

    @TempDir
    Path dir;

    private Gateway.Builder gateway() {
        return Gateway.builder().host("127.0.0.1").port(0).dataDir(dir).p2p(P2pConfig.disabled());
    }

    private static String register(String id) {
        return "{\"type\":\"register\",\"node\":{\"id\":\"" + id + "\",\"actions\":[\"run\"]}}";
    }

    // ------------------------------------------------------------------------------------------ 1. secure by default

    @Test
    void withoutATokenTheGatewayRefusesToListenBeyondLoopback() {
        // 192.0.2.1 (TEST-NET-1) is no address of this machine: the old code fails only at the bind, never listening
        assertThatThrownBy(() -> gateway().host("192.0.2.1").start())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("refusing to start without a gateway token on 192.0.2.1")
                .hasMessageContaining("gateway.token")
                .hasMessageContaining("127.0.0.1")
                .hasMessageContaining("allowUnauthenticated(true)")
                .hasMessageContaining("\"none\"");
        assertThatThrownBy(() -> gateway().host("0.0.0.0").start())
                .isInstanceOf(ConfigException.class).hasMessageContaining("on 0.0.0.0, which is not a loopback");
        // per-node tokens alone leave the REST API open: they do not count
        assertThatThrownBy(() -> gateway().host("0.0.0.0").nodeTokens(Map.of("edge-1", "edge-1-secret")).start())
                .isInstanceOf(ConfigException.class).hasMessageContaining("per-node tokens guard only /nodes/*");
        // a JSON config that names the address and no token
        GatewayConfig json = GatewayConfig.parse("{\"gateway\":{\"host\":\"0.0.0.0\",\"port\":0,\"data_dir\":\""
                + dir + "\",\"nodes\":{\"p2p\":{\"enabled\":false}}}}");
        assertThatThrownBy(() -> Gateway.builder().config(json).start()).isInstanceOf(ConfigException.class);
    }

    @Test
    void theDefaultHostIsLoopbackAndAnExplicitOptOutOrATokenLetsItListenElsewhere() {
        assertThat(GatewayConfig.DEFAULT_HOST).isEqualTo("127.0.0.1");
        assertThat(GatewayConfig.defaults().host()).isEqualTo("127.0.0.1");
        try (Gateway gw = Gateway.builder().port(0).dataDir(dir).p2p(P2pConfig.disabled()).start()) {
            assertThat(gw.config().host()).isEqualTo("127.0.0.1");
            assertThat(gw.url()).startsWith("http://127.0.0.1:");
        }
        // past the check, these fail at the bind of 192.0.2.1 (not an address here): proof that the check let them
        // through, without listening beyond loopback in a test
        List<Gateway.Builder> allowed = List.of(
                gateway().host("192.0.2.1").allowUnauthenticated(true),
                gateway().host("192.0.2.1").access(AccessPolicy.builder().allowUnauthenticated(true).build()),
                gateway().host("192.0.2.1").token(TOKEN),
                Gateway.builder().config(GatewayConfig.parse("{\"gateway\":{\"host\":\"192.0.2.1\",\"port\":0,"
                        + "\"auth\":\"none\",\"data_dir\":\"" + dir + "\",\"nodes\":{\"p2p\":{\"enabled\":false}}}}")));
        for (Gateway.Builder b : allowed) {
            assertThatThrownBy(b::start).isInstanceOf(ClawgoException.class)
                    .satisfies(e -> assertThat(((ClawgoException) e).code()).isEqualTo("bind_failed"));
        }
        assertThatThrownBy(() -> GatewayConfig.parse("{\"gateway\":{\"auth\":\"off\"}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("gateway.auth must be");
    }

    // ------------------------------------------------------------------------------------------- 2. browser attacks

    @Test
    void jsonRoutesRefuseBodiesNotDeclaredJsonWith415() throws Exception {
        try (Gateway gw = gateway().start()) {
            int port = gw.port();
            String replay = "{\"node\":\"ghost\",\"action\":\"run\",\"mode\":\"relay\",\"timeout_sec\":1}";
            // what a page of any site can post without a CORS preflight
            for (String type : List.of("text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
                    "multipart/form-data; boundary=x")) {
                Raw r = Raw.post(port, "/webui/api/node_dispatches/replay", type, replay, null);
                assertThat(r.status()).as("%s: %s", type, r.body()).isEqualTo(415);
                assertThat(r.json()).containsEntry("ok", false).containsEntry("code", "unsupported_media_type");
                assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
            }
            assertThat(Raw.post(port, "/webui/api/node_dispatches/replay", null, replay, null).status()).isEqualTo(415);
            for (String route : List.of("/nodes/register", "/nodes/heartbeat", "/webui/api/nodes",
                    "/webui/api/subagents_runtime")) {
                assertThat(Raw.post(port, route, "text/plain", "{\"id\":\"n\",\"action\":\"list\"}", null).status())
                        .as(route).isEqualTo(415);
            }
            Raw ok = Raw.post(port, "/webui/api/node_dispatches/replay", "application/json; charset=utf-8", replay,
                    null);
            assertThat(ok.status()).as(ok.body()).isEqualTo(200);
            assertThat(Raw.post(port, "/nodes/register", "Application/JSON", "{\"id\":\"json-node\"}", null).status())
                    .isEqualTo(200);
        }
    }

    @Test
    void onlyTheGatewaysOwnOriginAndTheAllowListMayOpenTheNodeWebSocket() throws Exception {
        try (Gateway gw = gateway().access(AccessPolicy.builder()
                .allowedOrigins(List.of("https://ui.example.com")).build()).start()) {
            int port = gw.port();
            Raw evil = Raw.upgrade(port, "127.0.0.1:" + port, "Origin: http://evil.example\r\n");
            assertThat(evil.status()).isEqualTo(403);
            assertThat(evil.json()).containsEntry("code", "origin_not_allowed");
            assertThat(Raw.upgrade(port, "127.0.0.1:" + port, "Origin: null\r\n").status()).isEqualTo(403);
            assertThat(Raw.upgrade(port, "127.0.0.1:" + port, "Origin: http://127.0.0.1:" + (port + 1) + "\r\n")
                    .status()).as("another port is another origin").isEqualTo(403);
            assertThat(Raw.upgrade(port, "127.0.0.1:" + port, "Origin: http://127.0.0.1:" + port + "\r\n").status())
                    .as("the gateway's own origin").isEqualTo(101);
            assertThat(Raw.upgrade(port, "127.0.0.1:" + port, "Origin: https://UI.example.com:443\r\n").status())
                    .as("an allowed origin").isEqualTo(101);
            assertThat(Raw.upgrade(port, "127.0.0.1:" + port, "").status()).as("no Origin: not a browser")
                    .isEqualTo(101);
        }
        // with a token too: a browser cannot send the token on an upgrade, yet the check costs nothing
        try (Gateway gw = gateway().token(TOKEN).start()) {
            int port = gw.port();
            assertThat(Raw.upgrade(port, "127.0.0.1:" + port, "Origin: http://evil.example\r\nAuthorization: Bearer "
                    + TOKEN + "\r\n").status()).isEqualTo(403);
        }
    }

    @Test
    void withoutATokenAHostHeaderNamingAnotherSiteIsRefused() throws Exception {
        try (Gateway gw = gateway().access(AccessPolicy.builder().allowedHosts(List.of("gw.example.lan")).build())
                .start()) {
            int port = gw.port();
            // DNS rebinding: a page of evil.example whose name now resolves to the gateway
            Raw evil = Raw.get(port, "/webui/api/version", "evil.example:" + port, null);
            assertThat(evil.status()).isEqualTo(403);
            assertThat(evil.json()).containsEntry("code", "host_not_allowed");
            assertThat(evil.header("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(Raw.upgrade(port, "evil.example:" + port, "").status()).as("the node WebSocket too")
                    .isEqualTo(403);
            for (String host : List.of("127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "[::1]:" + port,
                    "10.1.2.3", "gw.example.lan:" + port, "GW.Example.Lan.")) {
                assertThat(Raw.get(port, "/webui/api/version", host, null).status()).as(host).isEqualTo(200);
            }
        }
        // with a token the token stops rebinding (a page cannot present it): Host is not checked
        try (Gateway gw = gateway().token(TOKEN).start()) {
            int port = gw.port();
            assertThat(Raw.get(port, "/webui/api/version", "evil.example:" + port, TOKEN).status()).isEqualTo(200);
            assertThat(Raw.get(port, "/webui/api/version", "evil.example:" + port, null).status()).isEqualTo(401);
        }
    }

    // --------------------------------------------------------------------------------------- 3. headers, error pages

    @Test
    void everyResponseForbidsSniffingTheUiForbidsFramingAndNothingNamesTheServer() throws Exception {
        try (Gateway gw = gateway().token(TOKEN).start()) {
            int port = gw.port();
            String host = "127.0.0.1:" + port;
            Raw ui = Raw.get(port, "/", host, null);
            assertThat(ui.status()).isEqualTo(200);
            assertThat(ui.header("Content-Security-Policy")).contains("frame-ancestors 'none'");
            List<Raw> all = new ArrayList<>(List.of(ui,
                    Raw.get(port, "/health", host, null),
                    Raw.get(port, "/webui/api/version", host, TOKEN),
                    Raw.get(port, "/webui/api/version", host, null), // 401
                    Raw.get(port, "/no-such-file.js", host, null), // 404
                    Raw.post(port, "/webui/api/nodes", "application/json", "{", TOKEN), // 400
                    // errors Jetty answers itself: a malformed header line, a header block above the limit
                    Raw.send(port, "GET / HTTP/1.1\r\nHost: " + host + "\r\nthis is not a header\r\n\r\n"),
                    Raw.send(port, "GET / HTTP/1.1\r\nHost: " + host + "\r\nX-Big: " + "a".repeat(40_000)
                            + "\r\nConnection: close\r\n\r\n")));
            assertThat(all.get(6).status()).isEqualTo(400);
            assertThat(all.get(7).status()).isEqualTo(431);
            for (Raw r : all) {
                assertThat(r.header("X-Content-Type-Options")).as("%d %s", r.status(), r.head()).isEqualTo("nosniff");
                String server = r.header("Server");
                assertThat(server == null ? "" : server).as("Server header").doesNotContainPattern("[0-9]")
                        .doesNotContainIgnoringCase("jetty");
                if (r.status() >= 400) {
                    assertThat(r.body()).as("error body %d", r.status()).doesNotContainIgnoringCase("jetty")
                            .doesNotContainIgnoringCase("<html").startsWith("{");
                    assertThat(r.header("Content-Type")).startsWith("application/json");
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------ 4. connections and memory

    @Test
    void connectionsBeyondTheLimitWaitUntilOneCloses() throws Exception {
        try (Gateway gw = gateway().token(TOKEN).access(AccessPolicy.builder().maxConnections(2).build()).start()) {
            int port = gw.port();
            String get = "GET /health HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n";
            Socket a = Raw.open(port);
            Socket b = Raw.open(port);
            try (Socket c = Raw.open(port)) {
                // two keep-alive connections, each answered: both accepted and held
                assertThat(Raw.exchange(a, get).status()).isEqualTo(200);
                assertThat(Raw.exchange(b, get).status()).isEqualTo(200);
                c.getOutputStream().write(get.getBytes(StandardCharsets.US_ASCII));
                c.setSoTimeout(1500);
                assertThatThrownBy(() -> Raw.read(c.getInputStream()))
                        .as("a third connection is not served while two are held")
                        .isInstanceOf(SocketTimeoutException.class);
                a.close();
                c.setSoTimeout(10_000);
                assertThat(Raw.read(c.getInputStream()).status()).as("served once one closed").isEqualTo(200);
            } finally {
                a.close();
                b.close();
            }
        }
    }

    @Test
    void aRequestBodyTrickledBelowTheMinimumRateIsAnswered408() throws Exception {
        try (Gateway gw = gateway().token(TOKEN).access(AccessPolicy.builder().minRequestDataRate(1000)
                .requestBodyGrace(Duration.ofMillis(500)).build()).start();
             Socket s = Raw.open(gw.port())) {
            s.getOutputStream().write(("POST /webui/api/node_dispatches/replay HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer " + TOKEN + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100000\r\n\r\n{\"node\":").getBytes(StandardCharsets.US_ASCII));
            // then nothing: the old code held a server thread until the 150 s idle timeout
            Raw r = Raw.read(s.getInputStream());
            assertThat(r.status()).as(r.body()).isEqualTo(408);
            assertThat(r.json()).containsEntry("code", "request_timeout");
            assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(s.getInputStream().read()).as("the connection is closed").isEqualTo(-1);
            // a body at a normal pace still passes
            assertThat(Raw.post(gw.port(), "/webui/api/nodes", "application/json",
                    "{\"action\":\"delete\",\"id\":\"none\"}", TOKEN).status()).isEqualTo(200);
        }
    }

    @Test
    void aNodeTokenAndWhenConfiguredAnAddressMayHoldOnlySoManyControlSockets() throws Exception {
        try (Gateway gw = gateway().token(TOKEN).nodeTokens(Map.of("edge-1", "edge-1-secret"))
                .access(AccessPolicy.builder().maxSocketsPerNodeToken(2).maxSocketsPerAddress(3).build()).start()) {
            int port = gw.port();
            List<RawWebSocket> open = new ArrayList<>();
            try {
                RawWebSocket first = RawWebSocket.connect(port, "edge-1-secret", 0);
                open.add(first);
                open.add(RawWebSocket.connect(port, "edge-1-secret", 0));
                RawWebSocket third = RawWebSocket.connect(port, "edge-1-secret", 0);
                open.add(third);
                assertThat(closeCode(third)).isEqualTo(4008);
                first.sendText(register("edge-1"));
                assertThat(nextText(first)).contains("\"registered\"");
                // a socket that closes gives its slot back
                open.get(1).close();
                assertThat(awaitAccepted(port, "edge-1-secret")).isTrue();

                // the gateway token: 3 per address, then 4008
                for (int i = 0; i < 3; i++) {
                    RawWebSocket w = RawWebSocket.connect(port, TOKEN, 0);
                    open.add(w);
                    assertThat(pingPong(w)).isTrue();
                }
                RawWebSocket fourth = RawWebSocket.connect(port, TOKEN, 0);
                open.add(fourth);
                assertThat(closeCode(fourth)).isEqualTo(4008);
            } finally {
                for (RawWebSocket w : open) {
                    w.close();
                }
            }
        }
        // by default the gateway token has no per-address cap: many nodes may share it behind one address
        try (Gateway gw = gateway().token(TOKEN).start()) {
            List<RawWebSocket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 12; i++) {
                    RawWebSocket w = RawWebSocket.connect(gw.port(), TOKEN, 0);
                    open.add(w);
                    w.sendText(register("shared-" + i));
                    assertThat(nextText(w)).contains("\"registered\"");
                }
            } finally {
                for (RawWebSocket w : open) {
                    w.close();
                }
            }
        }
    }

    @Test
    void aControlSocketThatDoesNotRegisterInTimeIsClosedWith4006() throws Exception {
        try (Gateway gw = gateway().token(TOKEN).access(AccessPolicy.builder()
                .registerTimeout(Duration.ofSeconds(2)).build()).start();
             RawWebSocket silent = RawWebSocket.connect(gw.port(), TOKEN, 0);
             RawWebSocket refused = RawWebSocket.connect(gw.port(), TOKEN, 0);
             RawWebSocket registered = RawWebSocket.connect(gw.port(), TOKEN, 0)) {
            registered.sendText(register("on-time"));
            assertThat(nextText(registered)).contains("\"registered\"");
            refused.sendText("{\"type\":\"register\",\"node\":{\"id\":\"bad id!\"}}");
            assertThat(nextText(refused)).contains("\"ok\":false");
            assertThat(closeCode(silent)).isEqualTo(4006);
            assertThat(closeCode(refused)).as("a refused register does not count").isEqualTo(4006);
            // the registered socket outlives the deadline (opened just after the others: give its deadline time to pass)
            Thread.sleep(500);
            registered.sendText("{\"type\":\"heartbeat\"}");
            assertThat(nextText(registered)).contains("\"ok\":true");
        }
    }

    @Test
    void incompleteMessagesOfAllSocketsShareOneBudget() throws Exception {
        byte[] part = ("{\"type\":\"register\",\"node\":{\"id\":\"big\"},\"pad\":\"" + "x".repeat(60_000))
                .getBytes(StandardCharsets.UTF_8);
        try (Gateway gw = gateway().token(TOKEN).access(AccessPolicy.builder()
                .partialMessagesMaxBytes(100_000).build()).start();
             RawWebSocket a = RawWebSocket.connect(gw.port(), TOKEN, 0);
             RawWebSocket b = RawWebSocket.connect(gw.port(), TOKEN, 0)) {
            a.frame(false, OP_TEXT, part);
            assertThat(pingPong(a)).as("a holds 60 KB of an unfinished message").isTrue();
            b.frame(false, OP_TEXT, part);
            assertThat(closeCode(b)).as("b would take the total above 100,000 bytes").isEqualTo(4007);
            a.frame(true, RawWebSocket.OP_CONTINUATION, "\"}".getBytes(StandardCharsets.UTF_8));
            assertThat(nextText(a)).as("a's message completes").contains("\"registered\"");

            // what a socket held comes back when it closes mid-message
            RawWebSocket c = RawWebSocket.connect(gw.port(), TOKEN, 0);
            c.frame(false, OP_TEXT, part);
            assertThat(pingPong(c)).isTrue();
            c.close();
            boolean accepted = false;
            for (int i = 0; i < 150 && !accepted; i++) {
                try (RawWebSocket d = RawWebSocket.connect(gw.port(), TOKEN, 0)) {
                    d.frame(false, OP_TEXT, part);
                    accepted = pingPong(d);
                }
                if (!accepted) {
                    Thread.sleep(100);
                }
            }
            assertThat(accepted).as("the budget of a closed socket is given back").isTrue();
        }
    }

    // ----------------------------------------------------------------------------------- 5. late frames, retired socket

    @Test
    void aHeartbeatOnASocketRetiredAsHalfOpenDoesNotBringItsNodeBack() throws Exception {
        try (Gateway gw = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir)
                .classLoader(GateTestTransportProvider.loader()).transport(GateTestTransportProvider.NAME)
                .controlPingInterval(Duration.ofMillis(200)).nodeTtl(Duration.ofSeconds(60)).start();
             RawWebSocket ws = RawWebSocket.connect(gw.port(), TOKEN, 0)) {
            GateTestTransportProvider.arm("late-hb");
            try {
                ws.sendText(register("late-hb"));
                assertThat(nextText(ws)).contains("\"registered\"");
                // silent from now on (no pong): the gateway retires the socket as half-open. The test transport holds
                // the retirement where transports are told, after the node went offline and before the close
                assertThat(GateTestTransportProvider.awaitHeld(Duration.ofSeconds(10))).isTrue();
                assertThat(gw.node("late-hb").get().online()).isFalse();

                // a heartbeat the node had on its way, then a ping: frames are handled in order, so once the pong is
                // back the heartbeat has been handled
                ws.sendText("{\"type\":\"heartbeat\",\"id\":\"late-hb\"}");
                ws.frame(true, OP_PING, "sync".getBytes(StandardCharsets.US_ASCII));
                List<String> texts = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    RawWebSocket.Frame f = ws.next();
                    if (f.opcode() == OP_PONG && "sync".equals(f.text())) {
                        break;
                    }
                    if (f.opcode() == OP_TEXT) {
                        texts.add(f.text());
                    }
                }
                assertThat(gw.node("late-hb").get().online()).as("online after a late heartbeat (acks: %s)", texts)
                        .isFalse();
                assertThat(texts).as("no heartbeat ack").noneMatch(t -> t.contains("\"ok\":true"));
            } finally {
                GateTestTransportProvider.release();
            }
            assertThat(closeCode(ws)).isEqualTo(4005);
            assertThat(gw.node("late-hb").get().online()).isFalse();
        }
    }

    @Test
    void framesOnAReplacedSocketDoNotChangeTheRegistry() throws Exception {
        try (Gateway gw = gateway().token(TOKEN).start();
             RawWebSocket old = RawWebSocket.connect(gw.port(), TOKEN, 0);
             RawWebSocket fresh = RawWebSocket.connect(gw.port(), TOKEN, 0)) {
            old.sendText(register("twin"));
            assertThat(nextText(old)).contains("\"registered\"");
            fresh.sendText(register("twin"));
            assertThat(nextText(fresh)).contains("\"registered\"");
            assertThat(closeCode(old)).isEqualTo(4001);
            fresh.close(); // the node's current socket goes: offline
            assertThat(io.clawgo.testing.TestHttp.await(Duration.ofSeconds(10),
                    () -> !gw.node("twin").get().online())).isTrue();
            // the replaced socket has not answered the close handshake: its frames still reach the gateway. Then it
            // answers the close; frames are handled in order, so once the gateway drops the connection they all were
            old.sendText("{\"type\":\"heartbeat\",\"id\":\"twin\"}");
            old.sendText(register("twin"));
            old.frame(true, OP_CLOSE, new byte[] {0x03, (byte) 0xe8});
            assertThatThrownBy(() -> {
                for (int i = 0; i < 100; i++) {
                    old.next();
                }
            }).isInstanceOf(java.io.EOFException.class);
            assertThat(gw.node("twin").get().online()).isFalse();
        }
    }

    // ------------------------------------------------------------------------------------------------------ helpers

    /** The next text frame, skipping the gateway's pings. */
    private static String nextText(RawWebSocket ws) throws IOException {
        for (int i = 0; i < 100; i++) {
            RawWebSocket.Frame f = ws.next();
            if (f.opcode() == OP_TEXT) {
                return f.text();
            }
            if (f.opcode() == OP_CLOSE) {
                return "closed " + f.closeCode();
            }
        }
        throw new IOException("no text frame");
    }

    /** The code of the close frame the gateway sends next (other frames skipped). */
    private static int closeCode(RawWebSocket ws) throws IOException {
        for (int i = 0; i < 100; i++) {
            RawWebSocket.Frame f = ws.next();
            if (f.opcode() == OP_CLOSE) {
                return f.closeCode();
            }
        }
        throw new IOException("no close frame");
    }

    /** Sends a ping; {@code true} when its pong comes back, {@code false} when the socket is closed instead. */
    private static boolean pingPong(RawWebSocket ws) throws IOException {
        byte[] tag = ("p" + ThreadLocalRandom.current().nextInt(1_000_000)).getBytes(StandardCharsets.US_ASCII);
        try {
            ws.frame(true, OP_PING, tag);
        } catch (IOException e) {
            return false;
        }
        for (int i = 0; i < 100; i++) {
            RawWebSocket.Frame f;
            try {
                f = ws.next();
            } catch (java.io.EOFException e) {
                return false;
            }
            if (f.opcode() == OP_PONG && new String(tag, StandardCharsets.US_ASCII).equals(f.text())) {
                return true;
            }
            if (f.opcode() == OP_CLOSE) {
                return false;
            }
        }
        return false;
    }

    /** Whether a new socket with {@code token} is accepted (not closed with 4008) within a bounded number of tries. */
    private static boolean awaitAccepted(int port, String token) throws Exception {
        for (int i = 0; i < 150; i++) {
            try (RawWebSocket w = RawWebSocket.connect(port, token, 0)) {
                if (pingPong(w)) {
                    return true;
                }
            }
            Thread.sleep(100);
        }
        return false;
    }

    /** A raw HTTP exchange: what any client, a browser included, could send. */
    record Raw(int status, String head, String body) {
        static Socket open(int port) throws IOException {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            s.setSoTimeout(10_000);
            return s;
        }

        static Raw send(int port, String request) throws IOException {
            try (Socket s = open(port)) {
                return exchange(s, request);
            }
        }

        static Raw exchange(Socket s, String request) throws IOException {
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return read(s.getInputStream());
        }

        static Raw get(int port, String path, String host, String token) throws IOException {
            return send(port, "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n"
                    + (token == null ? "" : "Authorization: Bearer " + token + "\r\n") + "Connection: close\r\n\r\n");
        }

        static Raw post(int port, String path, String contentType, String body, String token) throws IOException {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            return send(port, "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
                    + (contentType == null ? "" : "Content-Type: " + contentType + "\r\n")
                    + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
                    + "Content-Length: " + b.length + "\r\nConnection: close\r\n\r\n" + body);
        }

        /** A WebSocket upgrade of /nodes/connect; the head only for a 101. */
        static Raw upgrade(int port, String host, String extraHeaders) throws IOException {
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            return send(port, "GET /nodes/connect HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce)
                    + "\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n");
        }

        /** Reads one response: the head, then a Content-Length or chunked body (none for 101). */
        static Raw read(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    throw new java.io.EOFException("connection closed in the head: " + head);
                }
                head.write(c);
            }
            String h = head.toString(StandardCharsets.ISO_8859_1);
            int status = Integer.parseInt(h.substring(9, 12));
            Raw r = new Raw(status, h, "");
            if (status == 101) {
                return r;
            }
            String len = r.header("Content-Length");
            byte[] body;
            if (len != null) {
                body = in.readNBytes(Integer.parseInt(len.trim()));
            } else if ("chunked".equalsIgnoreCase(r.header("Transfer-Encoding"))) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                while (true) {
                    String size = line(in);
                    int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                    if (n == 0) {
                        line(in);
                        break;
                    }
                    out.write(in.readNBytes(n));
                    line(in);
                }
                body = out.toByteArray();
            } else {
                body = in.readAllBytes();
            }
            return new Raw(status, h, new String(body, StandardCharsets.UTF_8));
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            return sb.toString();
        }

        String header(String name) {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            for (String l : head.split("\r\n")) {
                if (l.toLowerCase(Locale.ROOT).startsWith(prefix)) {
                    return l.substring(prefix.length()).trim();
                }
            }
            return null;
        }

        Map<String, Object> json() throws Exception {
            return WireCodec.get().decodeMap(body, 1 << 20);
        }
    }
}
