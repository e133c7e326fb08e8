package io.clawgo.transport.ws.bench;

import io.clawgo.testing.ChildJvm;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A Jetty 12 WebSocket endpoint at {@code ws://127.0.0.1:PORT/echo}, set up like the gateway's control socket (no
 * permessage-deflate, text messages up to 8 MiB + 64 KiB, 120 s idle timeout): the server side of the benches' raw
 * stacks. Its {@link #main} runs it alone, as the child process of {@link FanoutBench}, so that the CPU of the clients
 * can be read apart from the server's.
 */
public final class JettyEcho implements AutoCloseable {
    private final Server server;
    private final int port;

    /**
     * Starts a server on a free port whose {@code /echo} connections are handled by a new {@code endpoints.get()} each.
     *
     * @param acceptQueue the listen backlog ({@code 0}: the JDK's default, 50)
     */
    public JettyEcho(Supplier<Session.Listener> endpoints, int acceptQueue) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(200, 8);
        threads.setName("bench-echo-http");
        threads.setDaemon(true);
        server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setAcceptQueueSize(acceptQueue);
        server.addConnector(connector);
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, container -> {
            container.setIdleTimeout(Duration.ofSeconds(120));
            container.setMaxTextMessageSize(8L * 1024 * 1024 + 64 * 1024);
            container.addMapping("/echo", (req, resp, cb) -> {
                resp.setExtensions(List.of()); // as the gateway: no permessage-deflate
                return endpoints.get();
            });
        });
        server.setHandler(ws);
        server.start();
        port = connector.getLocalPort();
    }

    /** The endpoint's address. */
    public URI uri() {
        return URI.create("ws://127.0.0.1:" + port + "/echo");
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            System.err.println("stopping the echo server failed: " + e);
        }
    }

    /**
     * Runs an echo server until killed (at most {@code --lifetime-sec}, 3 h by default) and prints
     * {@code echo listening on PORT} once it accepts connections.
     */
    public static void main(String[] args) throws Exception {
        long lifetime = 3 * 3600;
        int backlog = 4096;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--lifetime-sec" -> lifetime = Long.parseLong(args[++i]);
                case "--backlog" -> backlog = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (options: --lifetime-sec N, --backlog N)");
            }
        }
        ChildJvm.haltAfter(Duration.ofSeconds(lifetime)); // a bench that dies without killing us leaves nothing behind
        JettyEcho echo = new JettyEcho(Echo::new, backlog);
        System.out.println("echo listening on " + echo.port);
        System.out.flush();
        Thread.currentThread().join(); // until killed
    }

    /** Every text message goes straight back. */
    public static final class Echo implements Session.Listener.AutoDemanding {
        private volatile Session session;

        /** A new endpoint for one connection. */
        public Echo() {
            // state arrives with onWebSocketOpen
        }

        @Override
        public void onWebSocketOpen(Session s) {
            session = s;
        }

        @Override
        public void onWebSocketText(String text) {
            session.sendText(text, Callback.NOOP);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            // the client going away at the end of the run
        }
    }
}
