package io.clawgo.transport.ws;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP forwarder on 127.0.0.1 between a node and the gateway, so that a test can cut a node's connection abruptly
 * (RST, no WebSocket close frame), as a crash or a network failure would, or stop one direction (a stalled reader),
 * while both ends are the real library.
 */
final class TcpProxy implements AutoCloseable {
    private static final int RECEIVE_BUFFER = 256 * 1024;
    private final ServerSocket server;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean closed;
    private volatile boolean pausedTowardTarget;
    private volatile boolean pausedTowardClient;

    TcpProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket();
        // fixed receive windows (no autotuning, which may grow to tcp_rmem's 32 MiB here): while a direction is
        // paused, the kernel holds a known, small amount of it, so the ends' own queues fill as they would
        server.setReceiveBufferSize(RECEIVE_BUFFER);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        Thread t = new Thread(this::acceptLoop, "tcp-proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    /** {@code http://127.0.0.1:<port>}. */
    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Connections accepted so far. */
    int accepted() {
        return accepted.get();
    }

    /**
     * Stops (or resumes) forwarding bytes toward the target: the target reads nothing new, as a busy or stalled
     * gateway would; the other direction keeps flowing.
     */
    void pauseTowardTarget(boolean paused) {
        pausedTowardTarget = paused;
    }

    /** Stops (or resumes) forwarding bytes toward the client (the node): it reads nothing new, as a stalled node. */
    void pauseTowardClient(boolean paused) {
        pausedTowardClient = paused;
    }

    /** Resets every forwarded connection at once (SO_LINGER 0: an RST, no close handshake). */
    void killAll() {
        for (Socket s : sockets) {
            try {
                s.setSoLinger(true, 0);
                s.close();
            } catch (IOException e) {
                // already gone
            }
        }
        sockets.clear();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket in = server.accept();
                accepted.incrementAndGet();
                Socket out = new Socket();
                out.setReceiveBufferSize(RECEIVE_BUFFER);
                out.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
                in.setTcpNoDelay(true);
                out.setTcpNoDelay(true);
                sockets.add(in);
                sockets.add(out);
                pump(in, out, true);
                pump(out, in, false);
            } catch (IOException e) {
                if (!closed) {
                    continue;
                }
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, boolean towardTarget) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try (InputStream is = from.getInputStream(); OutputStream os = to.getOutputStream()) {
                int n;
                while (true) {
                    while ((towardTarget ? pausedTowardTarget : pausedTowardClient) && !closed) {
                        Thread.sleep(5);
                    }
                    if ((n = is.read(buf)) < 0) {
                        break;
                    }
                    os.write(buf, 0, n);
                    os.flush();
                }
            } catch (IOException e) {
                // cut
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // ignore
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // ignore
        }
        killAll();
    }
}
