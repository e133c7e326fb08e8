package io.clawgo.examples.transport;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One TCP connection that carries length-prefixed JSON frames: a 4-byte big-endian length {@code n}
 * ({@code 1 <= n <= maxBytes}), then {@code n} bytes of UTF-8 JSON (a {@code WireMessage} or a {@code WireAck}).
 *
 * <p>One reader (whoever calls {@link #read}) and one writer thread fed by a bounded queue, so {@link #send} never
 * blocks its caller and frames are never interleaved.
 */
final class FrameConnection implements AutoCloseable {
    /** Frames waiting for the writer; {@link #send} fails beyond this. */
    static final int MAX_QUEUED_FRAMES = 1024;

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final int maxBytes;
    private final BlockingQueue<byte[]> queue = new LinkedBlockingQueue<>(MAX_QUEUED_FRAMES);
    private final Thread writer;
    private final CompletableFuture<String> closed = new CompletableFuture<>();

    FrameConnection(Socket socket, int maxBytes, String name) throws IOException {
        this.socket = socket;
        this.maxBytes = maxBytes;
        socket.setTcpNoDelay(true);
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
        this.writer = new Thread(this::writeLoop, name + "-writer");
        this.writer.setDaemon(true);
    }

    /** Starts the writer thread: from now on, write with {@link #send} only. */
    void startWriter() {
        writer.start();
    }

    /**
     * Reads the next frame, blocking.
     *
     * @param limit the largest frame accepted here (at most the connection's {@code maxBytes})
     * @throws IOException at the end of the stream, for a length out of range, or when the socket closed
     */
    String read(int limit) throws IOException {
        int n = in.readInt();
        int max = Math.min(limit, maxBytes);
        if (n <= 0 || n > max) {
            throw new IOException("frame length " + n + " out of range 1.." + max);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Reads the next frame of at most {@code maxBytes}. */
    String read() throws IOException {
        return read(maxBytes);
    }

    /** Writes one frame on the caller's thread: only for the handshake, before {@link #startWriter()}. */
    void writeNow(String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
        out.flush();
    }

    /** Queues a frame; {@code false} (nothing sent) when closed, larger than {@code maxBytes} or the queue is full. */
    boolean send(String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return b.length > 0 && b.length <= maxBytes && !closed.isDone() && queue.offer(b);
    }

    private void writeLoop() {
        try {
            while (!closed.isDone()) {
                byte[] b = queue.take();
                out.writeInt(b.length);
                out.write(b);
                if (queue.isEmpty()) {
                    out.flush();
                }
            }
        } catch (InterruptedException e) {
            // closing
        } catch (IOException e) {
            close("write failed: " + e.getMessage());
        }
    }

    boolean isOpen() {
        return !closed.isDone();
    }

    /** Completes with the reason once the connection is closed. */
    CompletableFuture<String> closed() {
        return closed;
    }

    /** Closes the socket (which also ends a blocked {@link #read}) and the writer. Idempotent. */
    void close(String reason) {
        if (!closed.complete(reason)) {
            return;
        }
        writer.interrupt();
        queue.clear();
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        close("closed");
    }
}
