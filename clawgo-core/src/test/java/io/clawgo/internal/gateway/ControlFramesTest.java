package io.clawgo.internal.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.WireCodec;
import io.clawgo.testing.RawWebSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control socket at the level of WebSocket frames, which OkHttp cannot produce: a message split into fragments
 * (with a UTF-8 character cut in two), pings, binary messages, invalid UTF-8 and a message above every limit, sent
 * by {@link RawWebSocket}, which writes RFC 6455 frames by hand.
 */
class ControlFramesTest {
    private static final String TOKEN = "frames-token";
    private static final int MAX = 32 * 1024;

    @TempDir
    Path dir;
    Gateway gw;

    @BeforeEach
    void start() {
        gw = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir)
                .p2p(P2pConfig.disabled()).maxMessageBytes(MAX).start();
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void aFragmentedMessageIsJoinedEvenWithACharacterCutInTwo() throws Exception {
        try (RawWebSocket c = connect()) {
            byte[] msg = ("{\"type\":\"register\",\"node\":{\"id\":\"edge-frag\",\"name\":\"caf\u00e9 \u4e2d\u6587\","
                    + "\"capabilities\":{\"run\":true}}}").getBytes(StandardCharsets.UTF_8);
            int cut = indexOf(msg, (byte) 0xc3) + 1; // inside the two bytes of the é
            int cut2 = indexOf(msg, (byte) 0xe4) + 2; // inside the three bytes of the 中
            c.frame(false, RawWebSocket.OP_TEXT, Arrays.copyOfRange(msg, 0, cut));
            c.frame(false, RawWebSocket.OP_CONTINUATION, Arrays.copyOfRange(msg, cut, cut2));
            c.frame(true, RawWebSocket.OP_CONTINUATION, Arrays.copyOfRange(msg, cut2, msg.length));
            Map<String, Object> ack = nextText(c);
            assertThat(ack).containsEntry("ok", true).containsEntry("type", "registered");
            assertThat(gw.node("edge-frag")).get().matches(n -> "caf\u00e9 \u4e2d\u6587".equals(n.name()));
        }
    }

    @Test
    void pingsAreAnsweredAndBinaryMessagesRefusedWithoutClosing() throws Exception {
        try (RawWebSocket c = connect()) {
            c.frame(true, RawWebSocket.OP_PING, "are you there".getBytes(StandardCharsets.UTF_8));
            RawWebSocket.Frame pong = c.next();
            assertThat(pong.opcode()).isEqualTo(RawWebSocket.OP_PONG);
            assertThat(new String(pong.payload(), StandardCharsets.UTF_8)).isEqualTo("are you there");

            c.frame(false, RawWebSocket.OP_BINARY, new byte[] {1, 2, 3});
            c.frame(true, RawWebSocket.OP_CONTINUATION, new byte[] {4});
            assertThat(nextText(c)).containsEntry("ok", false).extractingByKey("error").asString()
                    .contains("binary frames are not supported");

            // still usable
            c.frame(true, RawWebSocket.OP_TEXT, "{\"type\":\"register\",\"node\":{\"id\":\"edge-b\"}}".getBytes(StandardCharsets.UTF_8));
            assertThat(nextText(c)).containsEntry("ok", true);
        }
    }

    @Test
    void invalidUtf8ClosesWith1007() throws Exception {
        try (RawWebSocket c = connect()) {
            byte[] bad = "{\"type\":\"heartbeat\",\"x\":\"..\"}".getBytes(StandardCharsets.UTF_8);
            bad[26] = (byte) 0xc3; // a lead byte followed by an ASCII byte
            c.frame(true, RawWebSocket.OP_TEXT, bad);
            RawWebSocket.Frame close = c.next();
            assertThat(close.opcode()).isEqualTo(RawWebSocket.OP_CLOSE);
            assertThat(close.closeCode()).isEqualTo(1007);
        }
        // U+FFFD itself is valid UTF-8 and goes through
        try (RawWebSocket c = connect()) {
            c.frame(true, RawWebSocket.OP_TEXT, "{\"type\":\"register\",\"node\":{\"id\":\"edge-r\",\"name\":\"\ufffd\"}}"
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(nextText(c)).containsEntry("ok", true);
            assertThat(gw.node("edge-r")).get().matches(n -> "\ufffd".equals(n.name()));
        }
    }

    @Test
    void messagesAboveTheLimitGetAnAckAndFarAboveItAClose() throws Exception {
        try (RawWebSocket c = connect()) {
            byte[] big = ("{\"type\":\"heartbeat\",\"pad\":\"" + "x".repeat(MAX + 100) + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            c.frame(false, RawWebSocket.OP_TEXT, Arrays.copyOfRange(big, 0, 1000));
            c.frame(true, RawWebSocket.OP_CONTINUATION, Arrays.copyOfRange(big, 1000, big.length));
            assertThat(nextText(c)).containsEntry("ok", false).containsEntry("type", "payload_too_large");

            byte[] chunk = new byte[16 * 1024];
            Arrays.fill(chunk, (byte) 'x');
            c.frame(false, RawWebSocket.OP_TEXT, "{\"pad\":\"".getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 7; i++) { // (32 KiB + 64 KiB) / 16 KiB = 6 chunks reach the limit
                c.frame(false, RawWebSocket.OP_CONTINUATION, chunk);
            }
            RawWebSocket.Frame close = c.next();
            assertThat(close.opcode()).isEqualTo(RawWebSocket.OP_CLOSE);
            assertThat(close.closeCode()).isEqualTo(1009);
        }
    }

    private static int indexOf(byte[] a, byte b) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        throw new AssertionError("byte not found");
    }

    private static Map<String, Object> nextText(RawWebSocket c) throws Exception {
        RawWebSocket.Frame f = c.next();
        assertThat(f.opcode()).as("a text frame").isEqualTo(RawWebSocket.OP_TEXT);
        return WireCodec.get().decodeMap(f.text(), 1 << 20);
    }

    private RawWebSocket connect() throws Exception {
        return RawWebSocket.connect(URI.create(gw.url()).getPort(), TOKEN, 0);
    }
}
