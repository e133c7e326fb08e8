package io.clawgo.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on 127.0.0.1 that forwards both ways until {@link #blackHole()}: from then on it reads and drops
 * everything, in both directions and on new connections too, and closes nothing, so each side sees a connection that
 * is open and silent: a half-open connection as a dead NAT entry or a pulled cable makes it. It notices when the
 * target closes its side ({@link #awaitTargetClosed}).
 */
public final class BlackHoleProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicLong toTarget = new AtomicLong();
    private final CountDownLatch targetClosed = new CountDownLatch(1);
    private volatile boolean forwarding = true;
    /** Until this nanoTime, what the target sends is held (not dropped); 0: not holding. */
    private volatile long holdRepliesUntil;
    private volatile boolean closed;

    /** Listens on a free loopback port and forwards each connection to {@code 127.0.0.1:targetPort}. */
    public BlackHoleProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "black-hole-proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    /** The proxy's base URL, to give to a client instead of the target's. */
    public String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Stops forwarding in both directions, without closing anything. */
    public void blackHole() {
        forwarding = false;
    }

    /**
     * Holds everything the target sends for {@code d}, then forwards it all in order: to the clients, a target that
     * went silent for that long and then answered everything late (a starved gateway), not a dead one. What the
     * clients send is forwarded all along.
     */
    public void holdReplies(Duration d) {
        holdRepliesUntil = System.nanoTime() + d.toNanos();
    }

    /** Bytes forwarded from the clients to the target so far. */
    public long bytesToTarget() {
        return toTarget.get();
    }

    /** Whether the target closed (or reset) one of its connections, after {@link #blackHole()}, within {@code timeout}. */
    public boolean awaitTargetClosed(Duration timeout) throws InterruptedException {
        return targetClosed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket target = new Socket();
                target.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
                sockets.add(client);
                sockets.add(target);
                pump(client, target, toTarget, false, "black-hole-proxy-up");
                pump(target, client, new AtomicLong(), true, "black-hole-proxy-down");
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("black hole proxy: " + e);
                }
            }
        }
    }

    private void pump(Socket from, Socket to, AtomicLong counter, boolean fromTarget, String name) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try {
                InputStream in = from.getInputStream(); // sockets are closed by close() only
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    long hold;
                    while (fromTarget && (hold = holdRepliesUntil - System.nanoTime()) > 0 && !closed) {
                        Thread.sleep(Math.max(1, Math.min(50, hold / 1_000_000)));
                    }
                    if (forwarding) {
                        out.write(buf, 0, n);
                        out.flush();
                        counter.addAndGet(n);
                    }
                }
                if (forwarding) {
                    to.shutdownOutput(); // pass an orderly close on while forwarding
                }
            } catch (IOException e) {
                // reset, or closed by close()
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                if (fromTarget && !closed && !forwarding) {
                    targetClosed.countDown();
                }
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // closing
            }
        }
    }
}
