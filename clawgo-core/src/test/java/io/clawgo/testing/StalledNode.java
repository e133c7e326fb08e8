package io.clawgo.testing;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * A node that registers over its control WebSocket and then stops reading it: a plain TCP socket speaking just enough
 * RFC 6455 (the upgrade, masked text frames out, unmasked frames in), with a small fixed receive buffer, so that the
 * gateway's writes to it back up after a few megabytes (the kernel's buffers) instead of after tens of them.
 * Nothing reads the socket between {@link #connect} and {@link #drainUntilClose}.
 */
public final class StalledNode implements AutoCloseable {
    private static final int RECEIVE_BUFFER = 64 * 1024;

    private final RawWebSocket ws;

    private StalledNode(RawWebSocket ws) {
        this.ws = ws;
    }

    /** Connects to the gateway on 127.0.0.1:{@code port}, registers as {@code id} and waits for the ack. */
    public static StalledNode connect(int port, String token, String id) throws IOException {
        RawWebSocket ws = RawWebSocket.connect(port, token, RECEIVE_BUFFER); // a fixed window, no autotuning
        try {
            StalledNode n = new StalledNode(ws);
            n.sendText("{\"type\":\"register\",\"node\":{\"id\":\"" + id + "\",\"capabilities\":{\"run\":true}}}");
            String ack = n.nextText();
            if (!ack.contains("\"registered\"") || !ack.contains("\"ok\":true")) {
                throw new IOException("registration refused: " + ack);
            }
            return n;
        } catch (IOException | RuntimeException e) {
            ws.close();
            throw e;
        }
    }

    /** Sends one masked text frame, as a client must. */
    public void sendText(String text) throws IOException {
        ws.sendText(text);
    }

    private String nextText() throws IOException {
        while (true) {
            RawWebSocket.Frame f = ws.next();
            if (f.opcode() == RawWebSocket.OP_TEXT) {
                return f.text();
            }
            if (f.opcode() == RawWebSocket.OP_CLOSE) {
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
        ws.socket().setSoTimeout((int) idle.toMillis());
        try {
            while (true) {
                RawWebSocket.Frame f = ws.next();
                bytesRead[0] += f.payload().length;
                if (f.opcode() == RawWebSocket.OP_CLOSE) {
                    int code = f.closeCode();
                    return code < 0 ? 1005 : code;
                }
            }
        } catch (EOFException e) {
            return -1;
        }
    }

    @Override
    public void close() throws IOException {
        ws.close();
    }
}
