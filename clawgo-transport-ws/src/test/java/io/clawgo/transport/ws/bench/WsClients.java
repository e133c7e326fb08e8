package io.clawgo.transport.ws.bench;

import io.clawgo.internal.http.NoDelaySocketFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.WebSocketListener;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.handshake.ServerHandshake;

/**
 * The WebSocket client libraries the benches compare as the node's control-socket client, each set up the way the
 * node sets up OkHttp ({@code ControlSocketClient}): {@code TCP_NODELAY}, no read or write timeout, pings at a fixed
 * interval where the library sends them, no permessage-deflate, text frames.
 *
 * <ul>
 *   <li>{@link #okhttp}: OkHttp (the node's client). One {@code OkHttpClient} per socket derived from one base client,
 *       as each {@code NodeAgent} has its own; its reader runs on a dispatcher thread, its writer and pings on OkHttp's
 *       JVM-wide {@code TaskRunner}.</li>
 *   <li>{@link #javaWebSocket}: Java-WebSocket ({@code org.java-websocket:Java-WebSocket}). Blocking I/O: each socket
 *       starts a reader thread, a writer thread and its own connection-lost (ping) timer thread.</li>
 *   <li>{@link #jdk}: the JDK's {@code java.net.http} WebSocket, one {@code HttpClient} shared by all sockets of the
 *       library (its best case: one selector thread for all); it sends no pings by itself, and allows one outstanding
 *       send per socket, so sends are chained.</li>
 * </ul>
 */
final class WsClients {
    private WsClients() {
    }

    /** Names of the libraries, as the benches' options take them. */
    static final List<String> NAMES = List.of("okhttp", "javaws", "jdk");

    /** One open WebSocket. */
    interface Socket {
        /** Queues a text message; {@code false} when the library refused it (closed, queue full). */
        boolean send(String text);

        /** Starts a normal close (1000). */
        void close();
    }

    /** One client library with what its sockets share. */
    interface Library extends AutoCloseable {
        /** A label with the version where the library tells it. */
        String label();

        /**
         * Opens a socket to {@code uri}; {@code onText} gets every whole text message on the library's reading thread.
         * The future fails when the connection does not open.
         */
        CompletableFuture<Socket> open(URI uri, Consumer<String> onText);

        /** Releases what the sockets share (close the sockets first). */
        @Override
        void close();
    }

    /** The library called {@code name} (one of {@link #NAMES}), pinging every {@code ping} where it can. */
    static Library byName(String name, Duration ping) {
        return switch (name) {
            case "okhttp" -> okhttp(ping);
            case "javaws" -> javaWebSocket(ping);
            case "jdk" -> jdk();
            default -> throw new IllegalArgumentException("no WebSocket client '" + name + "' (clients: " + NAMES + ")");
        };
    }

    private static java.util.concurrent.ThreadFactory daemons(String prefix) {
        AtomicLong n = new AtomicLong();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    // ------------------------------------------------------------------------------------------------------ OkHttp

    /** OkHttp as the node uses it. */
    static Library okhttp(Duration ping) {
        ExecutorService io = Executors.newCachedThreadPool(daemons("bench-okhttp-io-"));
        OkHttpClient base = new OkHttpClient.Builder().pingInterval(ping).readTimeout(Duration.ZERO)
                .writeTimeout(Duration.ZERO).socketFactory(new NoDelaySocketFactory()).build();
        return new Library() {
            @Override
            public String label() {
                return "OkHttp " + okhttp3.OkHttp.VERSION;
            }

            @Override
            public CompletableFuture<Socket> open(URI uri, Consumer<String> onText) {
                CompletableFuture<Socket> opened = new CompletableFuture<>();
                // a dispatcher per socket as each node agent has one: a shared one would hold every socket's reader
                // against its per-host limit
                OkHttpClient client = base.newBuilder().dispatcher(new Dispatcher(io)).build();
                okhttp3.WebSocket[] self = new okhttp3.WebSocket[1];
                Socket socket = new Socket() {
                    @Override
                    public boolean send(String text) {
                        return self[0].send(text);
                    }

                    @Override
                    public void close() {
                        self[0].close(1000, "bye");
                    }
                };
                self[0] = client.newWebSocket(new okhttp3.Request.Builder().url(uri.toString()).build(),
                        new WebSocketListener() {
                            @Override
                            public void onOpen(okhttp3.WebSocket webSocket, okhttp3.Response response) {
                                opened.complete(socket);
                            }

                            @Override
                            public void onMessage(okhttp3.WebSocket webSocket, String text) {
                                onText.accept(text);
                            }

                            @Override
                            public void onFailure(okhttp3.WebSocket webSocket, Throwable t, okhttp3.Response r) {
                                opened.completeExceptionally(t);
                            }
                        });
                return opened;
            }

            @Override
            public void close() {
                io.shutdown();
                base.connectionPool().evictAll();
            }
        };
    }

    // ---------------------------------------------------------------------------------------------- Java-WebSocket

    /** Java-WebSocket's {@code WebSocketClient}, one per socket (the library shares nothing between them). */
    static Library javaWebSocket(Duration ping) {
        int pingSeconds = (int) Math.max(1, ping.toSeconds());
        return new Library() {
            @Override
            public String label() {
                String v = WebSocketClient.class.getPackage().getImplementationVersion();
                return "Java-WebSocket" + (v != null ? " " + v : "");
            }

            @Override
            public CompletableFuture<Socket> open(URI uri, Consumer<String> onText) {
                CompletableFuture<Socket> opened = new CompletableFuture<>();
                WebSocketClient[] self = new WebSocketClient[1];
                Socket socket = new Socket() {
                    @Override
                    public boolean send(String text) {
                        try {
                            self[0].send(text);
                            return true;
                        } catch (WebsocketNotConnectedException e) {
                            return false;
                        }
                    }

                    @Override
                    public void close() {
                        self[0].close(1000, "bye");
                    }
                };
                // connect timeout 10 s as the node's; the default draft (RFC 6455, no extensions)
                self[0] = new WebSocketClient(uri, new Draft_6455(), null, 10_000) {
                    @Override
                    public void onOpen(ServerHandshake handshake) {
                        opened.complete(socket);
                    }

                    @Override
                    public void onMessage(String text) {
                        onText.accept(text);
                    }

                    @Override
                    public void onMessage(ByteBuffer bytes) {
                        onText.accept(StandardCharsets.UTF_8.decode(bytes).toString());
                    }

                    @Override
                    public void onClose(int code, String reason, boolean remote) {
                        opened.completeExceptionally(new IOException("closed before it opened: " + code + " " + reason));
                    }

                    @Override
                    public void onError(Exception e) {
                        opened.completeExceptionally(e);
                    }
                };
                self[0].setTcpNoDelay(true);
                // a ping every interval; a connection with no pong for 1.5 intervals is closed
                self[0].setConnectionLostTimeout(pingSeconds);
                self[0].setDaemon(true);
                self[0].connect(); // starts the socket's reader thread, which connects and starts its writer
                return opened;
            }

            @Override
            public void close() {
                // nothing shared
            }
        };
    }

    // ------------------------------------------------------------------------------------------------ java.net.http

    /** The JDK's WebSocket client, one {@code HttpClient} for all sockets of this library. */
    static Library jdk() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        return new Library() {
            @Override
            public String label() {
                return "JDK java.net.http " + Runtime.version().feature();
            }

            @Override
            public CompletableFuture<Socket> open(URI uri, Consumer<String> onText) {
                java.net.http.WebSocket.Listener listener = new java.net.http.WebSocket.Listener() {
                    private final StringBuilder parts = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data, boolean last) {
                        if (last && parts.length() == 0) {
                            onText.accept(data.toString());
                        } else {
                            parts.append(data);
                            if (last) {
                                onText.accept(parts.toString());
                                parts.setLength(0);
                            }
                        }
                        ws.request(1);
                        return null;
                    }
                };
                return http.newWebSocketBuilder().buildAsync(uri, listener).thenApply(JdkSocket::new);
            }

            @Override
            public void close() {
                if (http instanceof AutoCloseable c) { // JDK 21 and later; on 17 the selector thread ends with GC
                    try {
                        c.close();
                    } catch (Exception e) {
                        System.err.println("closing the JDK HttpClient failed: " + e);
                    }
                }
            }
        };
    }

    /** A JDK WebSocket whose sends are chained: the JDK refuses a send while the previous one is incomplete. */
    private static final class JdkSocket implements Socket {
        private final java.net.http.WebSocket ws;
        private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);

        JdkSocket(java.net.http.WebSocket ws) {
            this.ws = ws;
        }

        @Override
        public synchronized boolean send(String text) {
            if (tail.isCompletedExceptionally() || ws.isOutputClosed()) {
                return false;
            }
            tail = tail.isDone() ? ws.sendText(text, true) : tail.thenCompose(x -> ws.sendText(text, true));
            return true;
        }

        @Override
        public synchronized void close() {
            tail.whenComplete((x, e) -> ws.sendClose(1000, "bye"));
        }
    }
}
