package io.clawgo.internal.node;

import java.io.ByteArrayOutputStream;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's WebSocket client, the only class that knows the WebSocket library: the JDK's {@code java.net.http}
 * client. Swap it here.
 *
 * <p>Why the JDK's client: it reads on its selector thread and hands each message to {@link Listener#onText} on that
 * same thread, and it writes from the thread that sends when the socket can take the bytes. No thread hand-off sits
 * between the socket and the node, where OkHttp's client adds a writer task and a write watchdog to every frame (half
 * the latency of a small round trip on a 2-core machine; see docs/benchmarks.md).
 *
 * <p>What the library does not do, this class does: one text message in flight at a time with a bounded queue behind
 * it, messages assembled from their fragments up to a size limit, and pings every {@code pingInterval} with a pong
 * deadline (no pong by the next ping, no socket). The JDK answers the gateway's pings and close by itself.
 *
 * <p>Callbacks of {@link Listener} run one at a time on the client's selector thread and must not block.
 */
final class ControlSocketClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlSocketClient.class);
    /** Characters of text waiting to be sent, at least (as OkHttp's queue: 16 MiB). */
    private static final long MIN_QUEUE_CHARS = 16L * 1024 * 1024;
    /** A message may be this much larger than {@code maxMessageBytes} before it is skipped unread. */
    static final int MESSAGE_SLACK = 64 * 1024;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    /** Events of one connection. {@link #onEnded} is called exactly once. */
    interface Listener {
        void onOpen();

        void onText(String text);

        /**
         * The connection ended: closed by either side or failed.
         *
         * @param reason     human text
         * @param httpStatus the HTTP status when the upgrade was refused (for example 401), else 0
         * @param remote     whether the peer closed it (as opposed to a local close or a failure)
         */
        void onEnded(String reason, int httpStatus, boolean remote);

        /** The socket is fully released (the reader has stopped). Called once, after {@link #onEnded}. */
        default void onTerminated() {
        }
    }

    /** One open (or opening) connection. */
    interface Connection {
        /** Queues a text frame; {@code false} when closed or the queue is full. */
        boolean send(String text);

        /** Starts a graceful close with {@code code}, after the frames already queued. */
        void close(int code, String reason);

        /** Drops the connection at once, without a close handshake. */
        void cancel();

        /** Characters queued for sending. */
        long queuedBytes();
    }

    private final HttpClient client;
    private final Duration pingInterval;
    private final ScheduledExecutorService scheduler;
    private final long maxMessageChars;
    private final long maxQueueChars;

    /**
     * @param tls             trust for {@code wss://}, or {@code null} for the JVM's default
     * @param pingInterval    how often to ping; zero for never
     * @param scheduler       runs the pings
     * @param maxMessageBytes the node's message size limit
     */
    ControlSocketClient(SSLContext tls, Duration pingInterval, ScheduledExecutorService scheduler,
                        int maxMessageBytes) {
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                // callbacks on the selector thread: no hand-off between the socket and the node
                .executor(Runnable::run);
        ProxySelector proxies = ProxySelector.getDefault();
        if (proxies != null) {
            b.proxy(proxies);
        }
        if (tls != null) {
            b.sslContext(tls);
        }
        this.client = b.build();
        this.pingInterval = pingInterval;
        this.scheduler = scheduler;
        this.maxMessageChars = (long) maxMessageBytes + MESSAGE_SLACK;
        this.maxQueueChars = Math.max(MIN_QUEUE_CHARS, 2L * maxMessageBytes + 1024 * 1024);
    }

    /** Opens a connection to {@code url} ({@code ws://} or {@code wss://}); the token goes in a header only. */
    Connection connect(String url, String bearerToken, Listener listener) {
        Socket socket = new Socket(listener);
        WebSocket.Builder wb = client.newWebSocketBuilder().connectTimeout(CONNECT_TIMEOUT);
        if (bearerToken != null && !bearerToken.isBlank()) {
            wb.header("Authorization", "Bearer " + bearerToken.trim());
        }
        CompletableFuture<WebSocket> opening;
        try {
            opening = wb.buildAsync(URI.create(url), socket);
        } catch (RuntimeException e) {
            opening = CompletableFuture.failedFuture(e);
        }
        socket.opening = opening;
        opening.whenComplete((ws, e) -> {
            if (e != null) {
                socket.failedToOpen(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
            }
        });
        return socket;
    }

    /** Releases the client's selector thread where the JDK allows it (JDK 21 and later; before, it ends when unused). */
    @Override
    public void close() {
        if (client instanceof AutoCloseable c) {
            try {
                client.getClass().getMethod("shutdownNow").invoke(client);
            } catch (ReflectiveOperationException | RuntimeException e) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // nothing left to release
                }
            }
        }
    }

    private static String describe(Throwable t) {
        return t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** One socket: the JDK's listener on one side, our {@link Connection} on the other. */
    private final class Socket implements Connection, WebSocket.Listener {
        private final Listener listener;
        private final AtomicBoolean ended = new AtomicBoolean();
        private final AtomicBoolean terminated = new AtomicBoolean();
        volatile CompletableFuture<WebSocket> opening;
        private volatile WebSocket ws;
        // the send queue, guarded by `this`
        private final ArrayDeque<String> queue = new ArrayDeque<>();
        private long queuedChars;
        private boolean sending;
        private int closeCode;
        private String closeReason;
        // message assembly: selector thread only
        private StringBuilder text;
        private ByteArrayOutputStream binary;
        private long partChars;
        private boolean skipping;
        // pings
        private volatile ScheduledFuture<?> pinger;
        private volatile long pingSentNanos;

        Socket(Listener listener) {
            this.listener = listener;
        }

        // ---- Connection ----

        @Override
        public boolean send(String text) {
            synchronized (this) {
                if (ended.get() || terminated.get() || queuedChars + text.length() > maxQueueChars) {
                    return false;
                }
                queue.add(text);
                queuedChars += text.length();
                if (sending || ws == null) {
                    return true; // the writer in progress (or the open) takes it
                }
                sending = true;
            }
            pump();
            return true;
        }

        /** Sends queued frames one at a time; runs until the queue is empty or a send is still in progress. */
        private void pump() {
            while (true) {
                String next;
                WebSocket w = ws;
                synchronized (this) {
                    next = queue.poll();
                    if (next == null) {
                        sending = false;
                        if (closeReason != null) {
                            sendClose(w);
                        }
                        return;
                    }
                    queuedChars -= next.length();
                }
                CompletableFuture<WebSocket> f = w.sendText(next, true);
                if (f.isDone() && !f.isCompletedExceptionally()) {
                    continue;
                }
                f.whenComplete((r, e) -> {
                    if (e != null) {
                        fail("send failed: " + describe(e));
                    } else {
                        pump();
                    }
                });
                return;
            }
        }

        @Override
        public void close(int code, String reason) {
            WebSocket w;
            boolean now;
            synchronized (this) {
                if (closeReason != null) {
                    return;
                }
                closeCode = code;
                closeReason = reason == null ? "" : reason;
                w = ws;
                now = w != null && !sending;
            }
            ended("closed by node (" + reason + ")", 0, false);
            if (w == null) {
                cancel(); // not open yet: nothing to close gracefully
            } else if (now) {
                sendClose(w);
            }
        }

        private void sendClose(WebSocket w) {
            String reason = closeReason.length() > 60 ? closeReason.substring(0, 60) : closeReason;
            try {
                w.sendClose(closeCode, reason).whenComplete((r, e) -> {
                    if (e != null) {
                        w.abort();
                        terminated();
                    }
                });
            } catch (RuntimeException e) {
                w.abort();
                terminated();
            }
        }

        @Override
        public void cancel() {
            WebSocket w = ws;
            if (w != null) {
                w.abort();
            } else if (opening != null) {
                opening.cancel(true);
            }
            ended("connection cancelled", 0, false);
            terminated();
        }

        @Override
        public synchronized long queuedBytes() {
            return queuedChars;
        }

        // ---- the JDK's listener (selector thread) ----

        @Override
        public void onOpen(WebSocket webSocket) {
            boolean flush;
            synchronized (this) {
                ws = webSocket;
                flush = !queue.isEmpty() && !sending;
                if (flush) {
                    sending = true;
                }
            }
            if (!pingInterval.isZero()) {
                long ms = pingInterval.toMillis();
                try {
                    pinger = scheduler.scheduleAtFixedRate(this::ping, ms, ms, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // the node is closing
                }
            }
            webSocket.request(1);
            listener.onOpen();
            if (flush) {
                pump();
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            if (!skipping) {
                partChars += data.length();
                if (partChars > maxMessageChars) {
                    LOG.warn("skipping a message from the gateway larger than {} bytes", maxMessageChars);
                    skipping = true;
                    text = null;
                } else if (last && text == null) {
                    deliver(data.toString());
                } else {
                    if (text == null) {
                        text = new StringBuilder(data.length() * 2);
                    }
                    text.append(data);
                    if (last) {
                        String whole = text.toString();
                        text = null;
                        deliver(whole);
                    }
                }
            }
            if (last) {
                partChars = 0;
                skipping = false;
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            // the protocol uses text frames; a binary message carrying UTF-8 JSON is taken the same way
            if (!skipping) {
                partChars += data.remaining();
                if (partChars > maxMessageChars) {
                    LOG.warn("skipping a message from the gateway larger than {} bytes", maxMessageChars);
                    skipping = true;
                    binary = null;
                } else {
                    if (binary == null) {
                        binary = new ByteArrayOutputStream(Math.max(256, data.remaining()));
                    }
                    byte[] chunk = new byte[data.remaining()];
                    data.get(chunk);
                    binary.write(chunk, 0, chunk.length);
                    if (last) {
                        String whole = binary.toString(StandardCharsets.UTF_8);
                        binary = null;
                        deliver(whole);
                    }
                }
            }
            if (last) {
                partChars = 0;
                skipping = false;
            }
            webSocket.request(1);
            return null;
        }

        private void deliver(String message) {
            try {
                listener.onText(message);
            } catch (RuntimeException e) {
                LOG.warn("error while handling a message from the gateway", e);
            }
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            webSocket.request(1); // the JDK sends the pong
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            pingSentNanos = 0;
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            ended("closed by gateway (code " + statusCode + (reason == null || reason.isEmpty() ? "" : ": " + reason)
                    + ")", 0, true);
            terminated(); // the JDK answers with a close of its own and releases the socket
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            ended("connection lost: " + describe(error), 0, false);
            terminated();
        }

        // ---- pings ----

        private void ping() {
            WebSocket w = ws;
            if (w == null || ended.get()) {
                return;
            }
            long sent = pingSentNanos;
            if (sent != 0) {
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
                fail("no pong within " + ms + " ms");
                return;
            }
            pingSentNanos = System.nanoTime() | 1L;
            w.sendPing(ByteBuffer.allocate(0)).whenComplete((r, e) -> {
                if (e != null && !(e instanceof IllegalStateException)
                        && !(e.getCause() instanceof IllegalStateException)) {
                    fail("ping failed: " + describe(e));
                }
            });
        }

        // ---- ending ----

        void failedToOpen(Throwable e) {
            if (e instanceof WebSocketHandshakeException h && h.getResponse() != null) {
                int status = h.getResponse().statusCode();
                ended("websocket upgrade refused: http " + status, status, false);
            } else if (!(e instanceof java.util.concurrent.CancellationException)) {
                ended("connection lost: " + describe(e), 0, false);
            }
            terminated();
        }

        private void fail(String reason) {
            ended("connection lost: " + reason, 0, false);
            WebSocket w = ws;
            if (w != null) {
                w.abort();
            }
            terminated();
        }

        /** Tells the listener once; a local graceful close keeps the queue, which the writer sends before the close. */
        private void ended(String reason, int status, boolean remote) {
            if (ended.compareAndSet(false, true)) {
                ScheduledFuture<?> p = pinger;
                if (p != null) {
                    p.cancel(false);
                }
                listener.onEnded(reason, status, remote);
            }
        }

        /** The socket is gone: frames still queued are dropped. */
        private void terminated() {
            synchronized (this) {
                queue.clear();
                queuedChars = 0;
            }
            if (terminated.compareAndSet(false, true)) {
                ScheduledFuture<?> p = pinger;
                if (p != null) {
                    p.cancel(false);
                }
                listener.onTerminated();
            }
        }
    }
}
