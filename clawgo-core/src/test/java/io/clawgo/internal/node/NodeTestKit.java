package io.clawgo.internal.node;

import io.clawgo.internal.concurrent.NamedThreadFactory;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * The parts a node's pieces run on, for tests of one piece at a time against a real (fake) gateway: an HTTP client
 * built as the node builds its own, an io pool and a timer. Closing it stops them.
 */
final class NodeTestKit implements AutoCloseable {
    final ThreadPoolExecutor io = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
            new SynchronousQueue<>(), new NamedThreadFactory("test-node-io-"));
    final OkHttpClient http = NodeRuntime.httpClient(null, new Dispatcher(io), null);
    final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1,
            new NamedThreadFactory("test-node-timer-"));

    /** Settings of node {@code id} at {@code gatewayUrl}, with a register timeout and heartbeat of the test's. */
    static NodeSettings settings(String gatewayUrl, String token, String id, Duration registerTimeout,
                                 Duration heartbeat, Duration ackTimeout, List<String> transports) {
        NodeSettings d = NodeSettings.defaults(gatewayUrl, token, NodeInfo.builder(id).build());
        return new NodeSettings(d.gatewayUrl(), d.gatewayToken(), d.info(), null, heartbeat, ackTimeout,
                registerTimeout, d.stableAfter(), d.maxConcurrentRequests(), d.maxQueuedRequests(),
                d.requestTimeout(), d.maxMessageBytes(), d.backoffMin(), d.backoffMax(), false, transports, null);
    }

    /** Default settings of node {@code id} at {@code gatewayUrl}. */
    static NodeSettings settings(String gatewayUrl, String token, String id) {
        return NodeSettings.defaults(gatewayUrl, token, NodeInfo.builder(id).build());
    }

    GatewayRestClient rest(NodeSettings s) {
        return new GatewayRestClient(http, s.gatewayUrl(), s.gatewayToken(), s.maxMessageBytes(),
                Duration.ofSeconds(5));
    }

    ControlSocketClient sockets(NodeSettings s) {
        return new ControlSocketClient(http, s.pingInterval());
    }

    /** A new connection of {@code s}'s node whose frames go to {@code router}; not open yet. */
    GatewayConnection connection(NodeSettings s, FrameRouter router) {
        return new GatewayConnection(1, s, scheduler, s::info, router);
    }

    /** A router for a node without transports whose every connection is the current one. */
    static FrameRouter plainRouter(NodeSettings s) {
        return new FrameRouter(s.nodeId(), s.maxMessageBytes(), List::of, c -> true);
    }

    /** Opens {@code c} to the gateway of {@code s}, sends the register frame and waits for the registered ack. */
    GatewayConnection openAndRegister(GatewayConnection c, NodeSettings s) throws Exception {
        c.open(sockets(s), s.connectUrl(), s.gatewayToken());
        c.opened.get(5, TimeUnit.SECONDS);
        if (!c.send(WireCodec.get().toJson(WireMessage.register(s.info())))) {
            throw new IllegalStateException("register frame refused");
        }
        if (!c.registerAck.get(5, TimeUnit.SECONDS).ok()) {
            throw new IllegalStateException("registration refused");
        }
        return c;
    }

    /** A loopback port nothing listens on (bound and released again). */
    static int closedPort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        io.shutdownNow();
        http.connectionPool().evictAll();
    }
}
