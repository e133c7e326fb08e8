package io.clawgo.internal.node;

import io.clawgo.protocol.WireSizes;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;

/**
 * The node's WebSocket client, the only class that knows the WebSocket library (OkHttp): swap it here.
 *
 * <p>OkHttp gives a single writer per socket (its own bounded send queue, 16 MiB), ping/pong with a deadline (a missed
 * pong fails the socket) and a dedicated reader thread per connection. Callbacks of {@link Listener} run on that
 * reader thread and must not block.
 */
final class ControlSocketClient {

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
        /** Queues a text frame; {@code false} when closed or the library's queue refuses it. */
        boolean send(String text);

        /**
         * Queues a bulk text frame (an answer) only while the library's queue stays under {@link #BULK_HIGH_WATER}
         * with it, waiting up to {@code maxWait} for the queue to drain; so bulk frames never overflow the queue
         * (OkHttp closes a socket whose queue would pass 16 MiB) and always leave room for control frames.
         *
         * @return {@code false} when closed or refused, or when no room was made within {@code maxWait}
         */
        boolean sendWhenRoom(String text, Duration maxWait);

        /** Starts a graceful close with {@code code}. */
        void close(int code, String reason);

        /** Drops the connection at once, without a close handshake. */
        void cancel();

        /** Bytes queued for sending. */
        long queuedBytes();
    }

    /**
     * The queue size bulk frames may fill: OkHttp's 16 MiB limit less 1 MiB kept for heartbeats, pings and signals.
     * A frame larger than this is still sent once the queue is empty.
     */
    static final long BULK_HIGH_WATER = 15L * 1024 * 1024;
    /** How often a bulk sender waiting for room looks at the queue again: OkHttp tells no one when it drains. */
    private static final long ROOM_POLL_NANOS = 500_000;
    /** OkHttp's own bound on a WebSocket's send queue: a send past it closes the socket (code 1001). */
    private static final long OKHTTP_QUEUE_LIMIT = 16L * 1024 * 1024;

    private final OkHttpClient client;

    /** Derives a WebSocket client from {@code base} (sharing its pool and dispatcher) with {@code pingInterval}. */
    ControlSocketClient(OkHttpClient base, Duration pingInterval) {
        this.client = base.newBuilder()
                .pingInterval(pingInterval.toMillis(), TimeUnit.MILLISECONDS)
                // no read or write timeout on the socket: with them, Okio's watchdog thread is woken for every frame
                // written and every read of a large frame (a context switch each); a gateway that goes silent or stops
                // reading is caught by the pings and the heartbeat ack deadline, which cancel the socket and with it a
                // blocked read or write
                .readTimeout(Duration.ZERO)
                .writeTimeout(Duration.ZERO)
                .build();
    }

    /** Opens a connection to {@code url} ({@code ws://} or {@code wss://}); the token goes in a header only. */
    Connection connect(String url, String bearerToken, Listener listener) {
        Request.Builder rb = new Request.Builder().url(url);
        if (bearerToken != null && !bearerToken.isBlank()) {
            rb.header("Authorization", "Bearer " + bearerToken.trim());
        }
        Adapter adapter = new Adapter(listener);
        WebSocket ws = client.newWebSocket(rb.build(), adapter);
        Object bulkLock = new Object();
        return new Connection() {
            @Override
            public boolean send(String text) {
                if (ws.send(text)) {
                    return true;
                }
                if (ws.queueSize() + (long) text.length() > OKHTTP_QUEUE_LIMIT) {
                    adapter.overflowed = true; // OkHttp closes the socket itself now, with 1001
                }
                return false;
            }

            @Override
            public boolean sendWhenRoom(String text, Duration maxWait) {
                long bytes = -1;
                long deadline = System.nanoTime() + maxWait.toNanos();
                while (true) {
                    // check and send as one step: bulk senders on several threads must not all see the same room
                    synchronized (bulkLock) {
                        long queued = ws.queueSize();
                        if (queued + 3L * text.length() <= BULK_HIGH_WATER) {
                            return send(text); // room even if every char took 3 bytes
                        }
                        if (bytes < 0) {
                            bytes = WireSizes.utf8Length(text);
                        }
                        if (queued == 0 || queued + bytes <= BULK_HIGH_WATER) {
                            return send(text);
                        }
                    }
                    if (adapter.ended.get() || System.nanoTime() - deadline >= 0) {
                        return false;
                    }
                    LockSupport.parkNanos(ROOM_POLL_NANOS);
                    if (Thread.currentThread().isInterrupted()) {
                        return false;
                    }
                }
            }

            @Override
            public void close(int code, String reason) {
                try {
                    ws.close(code, reason);
                } catch (IllegalArgumentException e) {
                    ws.cancel();
                }
                adapter.ended("closed by node (" + reason + ")", 0, false);
            }

            @Override
            public void cancel() {
                ws.cancel();
            }

            @Override
            public long queuedBytes() {
                return ws.queueSize();
            }
        };
    }

    private static final class Adapter extends WebSocketListener {
        private final Listener listener;
        private final AtomicBoolean ended = new AtomicBoolean();
        private final AtomicBoolean terminated = new AtomicBoolean();
        /** A send was refused because the queue would pass OkHttp's limit: OkHttp is closing the socket itself. */
        volatile boolean overflowed;

        Adapter(Listener listener) {
            this.listener = listener;
        }

        void ended(String reason, int status, boolean remote) {
            if (ended.compareAndSet(false, true)) {
                listener.onEnded(reason, status, remote);
            }
        }

        void terminated() {
            if (terminated.compareAndSet(false, true)) {
                listener.onTerminated();
            }
        }

        @Override
        public void onOpen(WebSocket webSocket, Response response) {
            listener.onOpen();
        }

        @Override
        public void onMessage(WebSocket webSocket, String text) {
            listener.onText(text);
        }

        @Override
        public void onMessage(WebSocket webSocket, ByteString bytes) {
            // The protocol uses text frames; a binary frame carrying UTF-8 JSON is accepted the same way.
            listener.onText(bytes.utf8());
        }

        @Override
        public void onClosing(WebSocket webSocket, int code, String reason) {
            webSocket.close(1000, null);
            if (overflowed) {
                ended("closed: the node's send queue overflowed (OkHttp closes a socket whose queue would pass 16 MiB;"
                        + " code " + code + ")", 0, false);
                return;
            }
            ended("closed by gateway (code " + code + (reason == null || reason.isEmpty() ? "" : ": " + reason) + ")",
                    0, true);
        }

        @Override
        public void onClosed(WebSocket webSocket, int code, String reason) {
            ended("closed (code " + code + ")", 0, true);
            terminated();
        }

        @Override
        public void onFailure(WebSocket webSocket, Throwable t, Response response) {
            int status = 0;
            String reason;
            if (response != null && !ended.get() && response.code() != 101) {
                status = response.code();
                reason = "websocket upgrade refused: http " + status;
            } else {
                String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
                reason = "connection lost: " + m;
            }
            ended(reason, status, false);
            terminated();
        }
    }
}
