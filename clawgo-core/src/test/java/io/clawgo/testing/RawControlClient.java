package io.clawgo.testing;

import io.clawgo.protocol.WireCodec;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;

/**
 * A raw control-WebSocket client that sends exactly the frames a test writes: a node written only from the protocol
 * document, with no help from the library's node agent.
 */
public final class RawControlClient implements AutoCloseable {
    private final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Response> opened = new CompletableFuture<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final WebSocket ws;

    private RawControlClient(String gatewayUrl, String token) {
        Request.Builder b = new Request.Builder().url(gatewayUrl.replaceFirst("^http", "ws") + "/nodes/connect");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        ws = TestHttp.CLIENT.newWebSocket(b.build(), new WebSocketListener() {
            @Override
            public void onOpen(WebSocket webSocket, Response response) {
                opened.complete(response);
            }

            @Override
            public void onMessage(WebSocket webSocket, String text) {
                frames.add(text);
            }

            @Override
            public void onClosing(WebSocket webSocket, int code, String reason) {
                closed.complete(code);
                webSocket.close(1000, null);
            }

            @Override
            public void onFailure(WebSocket webSocket, Throwable t, Response response) {
                opened.completeExceptionally(new RuntimeException(
                        "upgrade failed: " + (response == null ? t.toString() : "HTTP " + response.code()), t));
                closed.complete(-1);
            }
        });
    }

    /** Connects and waits for the upgrade. */
    public static RawControlClient connect(String gatewayUrl, String token) throws Exception {
        RawControlClient c = new RawControlClient(gatewayUrl, token);
        c.opened.get(5, TimeUnit.SECONDS);
        return c;
    }

    /** Tries to connect; returns the failed-upgrade HTTP status, or 101 when the upgrade succeeded. */
    public static int upgradeStatus(String gatewayUrl, String token) throws Exception {
        RawControlClient c = new RawControlClient(gatewayUrl, token);
        try {
            return c.opened.get(5, TimeUnit.SECONDS).code();
        } catch (java.util.concurrent.ExecutionException e) {
            String m = e.getCause().getMessage();
            int i = m.indexOf("HTTP ");
            return i < 0 ? -1 : Integer.parseInt(m.substring(i + 5, i + 8));
        } finally {
            c.ws.cancel();
        }
    }

    public boolean send(String text) {
        return ws.send(text);
    }

    /** The next frame as a map, or fails after {@code timeout}. */
    public Map<String, Object> next(Duration timeout) throws Exception {
        String f = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (f == null) {
            throw new AssertionError("no frame within " + timeout);
        }
        return WireCodec.get().decodeMap(f, 1 << 26);
    }

    /** The next frame that matches, skipping others, or fails after {@code timeout}. */
    public Map<String, Object> next(Duration timeout, Predicate<Map<String, Object>> match) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no matching frame within " + timeout);
            }
            String f = frames.poll(left, TimeUnit.NANOSECONDS);
            if (f == null) {
                throw new AssertionError("no matching frame within " + timeout);
            }
            Map<String, Object> m = WireCodec.get().decodeMap(f, 1 << 26);
            if (match.test(m)) {
                return m;
            }
        }
    }

    /** Sends a frame and returns the next frame (its ack). */
    public Map<String, Object> exchange(String text) throws Exception {
        send(text);
        return next(Duration.ofSeconds(5), m -> m.containsKey("ok"));
    }

    /** The close code, once closed, within {@code timeout}; -2 when still open. */
    public int awaitClose(Duration timeout) {
        try {
            return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return -2;
        }
    }

    @Override
    public void close() {
        ws.close(1000, "bye");
    }
}
