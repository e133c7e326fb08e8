package io.clawgo.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.WireCodec;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control socket at the level of WebSocket frames, which OkHttp cannot produce: a message split into fragments
 * (with a UTF-8 character cut in two), pings, binary messages, invalid UTF-8 and a message above every limit. The
 * client is a plain TCP socket that writes RFC 6455 frames by hand.
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
        try (FrameClient c = FrameClient.connect(gw.url(), TOKEN)) {
            byte[] msg = ("{\"type\":\"register\",\"node\":{\"id\":\"edge-frag\",\"name\":\"caf\u00e9 \u4e2d\u6587\","
                    + "\"capabilities\":{\"run\":true}}}").getBytes(StandardCharsets.UTF_8);
            int cut = indexOf(msg, (byte) 0xc3) + 1; // inside the two bytes of the é
            int cut2 = indexOf(msg, (byte) 0xe4) + 2; // inside the three bytes of the 中
            c.frame(false, 0x1, Arrays.copyOfRange(msg, 0, cut));
            c.frame(false, 0x0, Arrays.copyOfRange(msg, cut, cut2));
            c.frame(true, 0x0, Arrays.copyOfRange(msg, cut2, msg.length));
            Map<String, Object> ack = c.nextText();
            assertThat(ack).containsEntry("ok", true).containsEntry("type", "registered");
            assertThat(gw.node("edge-frag")).get().matches(n -> "caf\u00e9 \u4e2d\u6587".equals(n.name()));
        }
    }

    @Test
    void pingsAreAnsweredAndBinaryMessagesRefusedWithoutClosing() throws Exception {
        try (FrameClient c = FrameClient.connect(gw.url(), TOKEN)) {
            c.frame(true, 0x9, "are you there".getBytes(StandardCharsets.UTF_8));
            FrameClient.Frame pong = c.next();
            assertThat(pong.opcode()).isEqualTo(0xA);
            assertThat(new String(pong.payload(), StandardCharsets.UTF_8)).isEqualTo("are you there");

            c.frame(false, 0x2, new byte[] {1, 2, 3});
            c.frame(true, 0x0, new byte[] {4});
            assertThat(c.nextText()).containsEntry("ok", false).extractingByKey("error").asString()
                    .contains("binary frames are not supported");

            // still usable
            c.frame(true, 0x1, "{\"type\":\"register\",\"node\":{\"id\":\"edge-b\"}}".getBytes(StandardCharsets.UTF_8));
            assertThat(c.nextText()).containsEntry("ok", true);
        }
    }

    @Test
    void invalidUtf8ClosesWith1007() throws Exception {
        try (FrameClient c = FrameClient.connect(gw.url(), TOKEN)) {
            byte[] bad = "{\"type\":\"heartbeat\",\"x\":\"..\"}".getBytes(StandardCharsets.UTF_8);
            bad[26] = (byte) 0xc3; // a lead byte followed by an ASCII byte
            c.frame(true, 0x1, bad);
            FrameClient.Frame close = c.next();
            assertThat(close.opcode()).isEqualTo(0x8);
            assertThat(close.closeCode()).isEqualTo(1007);
        }
        // U+FFFD itself is valid UTF-8 and goes through
        try (FrameClient c = FrameClient.connect(gw.url(), TOKEN)) {
            c.frame(true, 0x1, "{\"type\":\"register\",\"node\":{\"id\":\"edge-r\",\"name\":\"\ufffd\"}}"
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(c.nextText()).containsEntry("ok", true);
            assertThat(gw.node("edge-r")).get().matches(n -> "\ufffd".equals(n.name()));
        }
    }

    @Test
    void messagesAboveTheLimitGetAnAckAndFarAboveItAClose() throws Exception {
        try (FrameClient c = FrameClient.connect(gw.url(), TOKEN)) {
            byte[] big = ("{\"type\":\"heartbeat\",\"pad\":\"" + "x".repeat(MAX + 100) + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            c.frame(false, 0x1, Arrays.copyOfRange(big, 0, 1000));
            c.frame(true, 0x0, Arrays.copyOfRange(big, 1000, big.length));
            assertThat(c.nextText()).containsEntry("ok", false).containsEntry("type", "payload_too_large");

            byte[] chunk = new byte[16 * 1024];
            Arrays.fill(chunk, (byte) 'x');
            c.frame(false, 0x1, "{\"pad\":\"".getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 7; i++) { // (32 KiB + 64 KiB) / 16 KiB = 6 chunks reach the limit
                c.frame(false, 0x0, chunk);
            }
            FrameClient.Frame close = c.next();
            assertThat(close.opcode()).isEqualTo(0x8);
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

    /** A minimal RFC 6455 client: handshake, masked frames out, frames in. */
    static final class FrameClient implements AutoCloseable {
        record Frame(int opcode, byte[] payload) {
            int closeCode() {
                return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : -1;
            }
        }

        private final Socket socket;
        private final OutputStream out;
        private final DataInputStream in;
        private final Random rnd = new Random(5);

        private FrameClient(Socket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
            this.in = new DataInputStream(socket.getInputStream());
        }

        static FrameClient connect(String gatewayUrl, String token) throws IOException {
            URI u = URI.create(gatewayUrl);
            Socket s = new Socket(u.getHost(), u.getPort());
            s.setSoTimeout(5000);
            FrameClient c = new FrameClient(s);
            byte[] nonce = new byte[16];
            c.rnd.nextBytes(nonce);
            String req = "GET /nodes/connect HTTP/1.1\r\nHost: " + u.getHost() + ":" + u.getPort() + "\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                    + "Authorization: Bearer " + token + "\r\n\r\n";
            c.out.write(req.getBytes(StandardCharsets.US_ASCII));
            String head = c.readHead();
            assertThat(head).startsWith("HTTP/1.1 101");
            return c;
        }

        private String readHead() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            InputStream raw = in;
            while (true) {
                int ch = raw.read();
                if (ch < 0) {
                    throw new IOException("closed during the handshake");
                }
                b.write(ch);
                byte[] a = b.toByteArray();
                int n = a.length;
                if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') {
                    return b.toString(StandardCharsets.US_ASCII);
                }
            }
        }

        /** Writes one masked frame. */
        void frame(boolean fin, int opcode, byte[] payload) throws IOException {
            ByteArrayOutputStream f = new ByteArrayOutputStream();
            f.write((fin ? 0x80 : 0) | opcode);
            int n = payload.length;
            if (n < 126) {
                f.write(0x80 | n);
            } else if (n < 65536) {
                f.write(0x80 | 126);
                f.write(n >>> 8);
                f.write(n);
            } else {
                f.write(0x80 | 127);
                for (int i = 7; i >= 0; i--) {
                    f.write((int) ((long) n >>> (8 * i)));
                }
            }
            byte[] mask = new byte[4];
            rnd.nextBytes(mask);
            f.write(mask);
            for (int i = 0; i < n; i++) {
                f.write(payload[i] ^ mask[i & 3]);
            }
            out.write(f.toByteArray());
            out.flush();
        }

        /** The next frame from the gateway (unmasked), or fails after the socket timeout. */
        Frame next() throws IOException {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            long n = b1 & 0x7f;
            if (n == 126) {
                n = in.readUnsignedShort();
            } else if (n == 127) {
                n = in.readLong();
            }
            byte[] payload = new byte[(int) n];
            in.readFully(payload);
            return new Frame(b0 & 0x0f, payload);
        }

        Map<String, Object> nextText() throws Exception {
            Frame f = next();
            assertThat(f.opcode()).as("a text frame").isEqualTo(0x1);
            return WireCodec.get().decodeMap(new String(f.payload(), StandardCharsets.UTF_8), 1 << 20);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
