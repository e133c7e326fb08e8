package io.clawgo.it.faults;

import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What nodes find on a gateway's port while the gateway is down: a listener that takes the port as soon as it is
 * free, reads each connection's {@code POST /nodes/register} far enough to learn the node id, notes when that node's
 * attempt arrived, and drops the connection without an answer (to the node, a gateway that cannot be reached). So
 * the reconnect attempts the nodes' own backoff produces can be timed, node by node.
 */
final class DownGateway implements AutoCloseable {
    private static final Pattern NODE_ID = Pattern.compile("\"id\":\"([^\"]+)\"");
    private static final int MAX_READ = 64 * 1024;
    private static final String REGISTER = "POST /nodes/register ";

    private final int port;
    private final ExecutorService readers = Executors.newFixedThreadPool(64, r -> {
        Thread t = new Thread(r, "down-gateway-reader");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch bound = new CountDownLatch(1);
    /** Node id to the nanoTime of its first attempt (when its connection was accepted). */
    final Map<String, Long> firstAttempt = new ConcurrentHashMap<>();
    /** Connections accepted. */
    final AtomicInteger attempts = new AtomicInteger();
    /** Connections that were not a registration. */
    final AtomicInteger other = new AtomicInteger();
    /** Registrations that ended or stalled before the node id was read. */
    final AtomicInteger unreadable = new AtomicInteger();
    private volatile long boundAt;
    private volatile ServerSocket server;
    private volatile boolean closed;
    private final Thread acceptor;

    /** Starts trying to bind {@code port} on 127.0.0.1 every 5 ms, for at most {@code patience}. */
    DownGateway(int port, Duration patience) {
        this.port = port;
        this.acceptor = new Thread(() -> run(patience), "down-gateway-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The nanoTime when the port became ours, or 0. */
    long boundAt() {
        return boundAt;
    }

    /** Waits until the port is ours. */
    boolean awaitBound(Duration timeout) throws InterruptedException {
        return bound.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run(Duration patience) {
        long end = System.nanoTime() + patience.toNanos();
        ServerSocket s = null;
        while (s == null && !closed && System.nanoTime() < end) {
            try {
                ServerSocket candidate = new ServerSocket();
                candidate.setReuseAddress(true);
                try {
                    candidate.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2048);
                    s = candidate;
                } catch (BindException e) {
                    candidate.close();
                    Thread.sleep(5);
                }
            } catch (IOException | InterruptedException e) {
                return;
            }
        }
        if (s == null) {
            return;
        }
        server = s;
        boundAt = System.nanoTime();
        if (closed) {
            closeQuietly(s); // close() ran while we were binding
            return;
        }
        bound.countDown();
        while (!closed) {
            Socket c;
            try {
                c = s.accept();
            } catch (IOException e) {
                return; // closed
            }
            long at = System.nanoTime();
            try {
                readers.execute(() -> note(c, at));
            } catch (RejectedExecutionException e) {
                closeQuietly(c); // closing
            }
        }
    }

    private void note(Socket c, long at) {
        attempts.incrementAndGet();
        try (c) {
            c.setSoTimeout(10_000); // a node writes its request at once; 10 s leaves room for a starved machine
            InputStream in = c.getInputStream();
            byte[] buf = new byte[MAX_READ];
            int n = 0;
            while (n < buf.length) {
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
                String text = new String(buf, 0, n, StandardCharsets.UTF_8);
                if (text.length() >= REGISTER.length() && !text.startsWith(REGISTER)) {
                    other.incrementAndGet();
                    return; // not a registration (a node registers before it opens its socket): dropped at once
                }
                int body = text.indexOf("\r\n\r\n");
                Matcher m = body < 0 ? null : NODE_ID.matcher(text).region(body, text.length());
                if (m != null && m.find()) {
                    firstAttempt.putIfAbsent(m.group(1), at);
                    return; // closed without an answer
                }
            }
            unreadable.incrementAndGet();
        } catch (IOException e) {
            unreadable.incrementAndGet();
        }
    }

    /** Frees the port (the real gateway comes back on it). */
    @Override
    public void close() throws IOException {
        closed = true;
        ServerSocket s = server;
        if (s != null) {
            s.close();
        }
        try {
            acceptor.join(2000);
            readers.shutdownNow();
            readers.awaitTermination(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
