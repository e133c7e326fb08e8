package io.clawgo.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A node that registers over its control WebSocket and then stops reading it: a plain TCP socket speaking just enough
 * RFC 6455 (the upgrade, masked text frames out, unmasked frames in), with a small fixed receive buffer, so that the
 * gateway's writes to it back up after a few megabytes (the kernel's buffers) instead of after tens of them.
 * Nothing reads the socket between {@link #connect} and {@link #drainUntilClose}.
 */
public final class StalledNode implements AutoCloseable {
    private static final int RECEIVE_BUFFER = 64 * 1024;
    private static final int OP_TEXT = 1;
    private static final int OP_CLOSE = 8;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private StalledNode(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects to the gateway on 127.0.0.1:{@code port}, registers as {@code id} and waits for the ack. */
    public static StalledNode connect(int port, String token, String id) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(RECEIVE_BUFFER); // before connect: fixes the window, no autotuning
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        s.setSoTimeout(10_000);
        StalledNode n = new StalledNode(s);
        try {
            n.upgrade(port, token);
            n.sendText("{\"type\":\"register\",\"node\":{\"id\":\"" + id + "\",\"capabilities\":{\"run\":true}}}");
            String ack = n.nextText();
            if (!ack.contains("\"registered\"") || !ack.contains("\"ok\":true")) {
                throw new IOException("registration refused: " + ack);
            }
            return n;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void upgrade(int port, String token) throws IOException {
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String req = "GET /nodes/connect HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer " + token + "\r\n\r\n";
        out.write(req.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0 || head.size() > 16 * 1024) {
                throw new IOException("bad upgrade answer: " + head.toString(StandardCharsets.US_ASCII));
            }
            head.write(b);
        }
        String status = head.toString(StandardCharsets.US_ASCII);
        if (!status.startsWith("HTTP/1.1 101")) {
            throw new IOException("upgrade refused: " + status);
        }
    }

    /** Sends one masked text frame, as a client must. */
    public void sendText(String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
        f.write(0x80 | OP_TEXT);
        if (payload.length < 126) {
            f.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            f.write(0x80 | 126);
            f.write(payload.length >>> 8);
            f.write(payload.length);
        } else {
            f.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                f.write((int) ((long) payload.length >>> (8 * i)));
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        f.write(mask);
        for (int i = 0; i < payload.length; i++) {
            f.write(payload[i] ^ mask[i & 3]);
        }
        synchronized (out) {
            out.write(f.toByteArray());
            out.flush();
        }
    }

    /** One frame from the gateway: its opcode and payload. */
    private record Frame(int opcode, byte[] payload) {
    }

    private Frame readFrame() throws IOException {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        long len = b1 & 0x7f;
        if (len == 126) {
            len = in.readUnsignedShort();
        } else if (len == 127) {
            len = in.readLong();
        }
        if ((b1 & 0x80) != 0) {
            throw new IOException("the gateway sent a masked frame");
        }
        if (len > 64L * 1024 * 1024) {
            throw new IOException("frame of " + len + " bytes");
        }
        byte[] payload = new byte[(int) len];
        in.readFully(payload);
        return new Frame(b0 & 0x0f, payload);
    }

    private String nextText() throws IOException {
        while (true) {
            Frame f = readFrame();
            if (f.opcode == OP_TEXT) {
                return new String(f.payload, StandardCharsets.UTF_8);
            }
            if (f.opcode == OP_CLOSE) {
                throw new EOFException("closed by the gateway");
            }
        }
    }

    /**
     * Starts reading again: skips every frame until the gateway's close frame and returns its status code; -1 when the
     * connection ends without one; throws {@link SocketTimeoutException} when nothing at all arrives for
     * {@code idle}. {@code bytesRead[0]} gets the payload bytes read on the way.
     */
    public int drainUntilClose(Duration idle, long[] bytesRead) throws IOException {
        socket.setSoTimeout((int) idle.toMillis());
        try {
            while (true) {
                Frame f = readFrame();
                bytesRead[0] += f.payload.length;
                if (f.opcode == OP_CLOSE) {
                    return f.payload.length >= 2 ? ((f.payload[0] & 0xff) << 8) | (f.payload[1] & 0xff) : 1005;
                }
            }
        } catch (EOFException e) {
            return -1;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
