package io.clawgo.transport.webrtc;

import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.RequestHandler;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireAck;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireMessage;
import io.clawgo.spi.ControlChannel;
import io.clawgo.spi.GatewayContext;
import io.clawgo.spi.NodeContext;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The gateway and node sides of the transport wired together in memory, without HTTP: an in-memory control channel
 * (one ordered delivery thread per direction, JSON round trip like the real socket) and fake contexts. Lets tests
 * look inside the transport (signals sent, sessions, resets).
 */
final class TransportPair implements AutoCloseable {
    static final int MAX_BYTES = 8 * 1024 * 1024;

    final String nodeId;
    final WebRtcGatewayTransport gateway;
    final WebRtcNodeTransport node;
    final List<WireMessage> toNode = new CopyOnWriteArrayList<>();
    final List<WireMessage> toGateway = new CopyOnWriteArrayList<>();
    final List<WireAck> acks = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, daemon("pair-timer"));
    private final ExecutorService downlink = Executors.newSingleThreadExecutor(daemon("pair-down"));
    private final ExecutorService uplink = Executors.newSingleThreadExecutor(daemon("pair-up"));
    private final ExecutorService exec = Executors.newFixedThreadPool(8, daemon("pair-exec"));
    private final AtomicBoolean connected = new AtomicBoolean(true);
    private final Channel channel = new Channel();
    private volatile boolean dropOffers;
    /** Run the handler on the thread that received the request, as {@code NodeAgent.Builder#directHandler} does. */
    private volatile boolean directHandler;
    /** The node's registered transports, as the gateway's registry would show them; empty: not registered. */
    private volatile List<String> advertised = List.of();

    TransportPair(String nodeId, P2pConfig p2p, WebRtcSettings gatewaySettings, WebRtcSettings nodeSettings,
                  RequestHandler handler) {
        this.nodeId = nodeId;
        this.gateway = new WebRtcGatewayTransport(new GwContext(p2p), gatewaySettings);
        this.node = new WebRtcNodeTransport(new NContext(handler), nodeSettings);
    }

    /** Runs the node's handler on the receiving thread (the webrtc callback thread for small requests), or not. */
    TransportPair directHandler(boolean on) {
        directHandler = on;
        return this;
    }

    /** The node registers these transports (what the gateway context's {@code node()} shows from now on). */
    void advertise(List<String> transports) {
        advertised = List.copyOf(transports);
    }

    /** The node ignores offers from now on (broken signalling). */
    void dropOffers(boolean on) {
        dropOffers = on;
    }

    /** A signal as if the node had sent it over its control socket. */
    void fromNode(WireMessage m) {
        WireMessage w = roundTrip(m).withFrom(nodeId);
        toGateway.add(w);
        uplink.execute(() -> gateway.onControlMessage(channel, w));
    }

    /** The node's control connection drops: both sides are told, like core does. */
    void disconnect() {
        connected.set(false);
        gateway.onNodeDisconnected(channel);
        node.onDisconnected();
    }

    CompletableFuture<Response> send(Request r, long millis) {
        return gateway.send(r.withNode(nodeId), java.time.Duration.ofMillis(millis)).toCompletableFuture();
    }

    io.clawgo.spi.SessionStatus session() {
        return gateway.status().nodes().stream().filter(s -> s.node().equals(nodeId)).findFirst().orElse(null);
    }

    @Override
    public void close() {
        gateway.close();
        node.close();
        downlink.shutdownNow();
        uplink.shutdownNow();
        exec.shutdownNow();
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    private static WireMessage roundTrip(WireMessage m) {
        try {
            return WireCodec.get().decode(WireCodec.get().toJson(m), WireMessage.class, MAX_BYTES);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private final class Channel implements ControlChannel {
        @Override
        public String nodeId() {
            return nodeId;
        }

        @Override
        public long generation() {
            return 1;
        }

        @Override
        public boolean isOpen() {
            return connected.get();
        }

        @Override
        public boolean send(WireMessage message) {
            if (!connected.get()) {
                return false;
            }
            WireMessage m = roundTrip(message);
            toNode.add(m);
            if (dropOffers && "signal_offer".equals(m.normalizedType())) {
                return true;
            }
            downlink.execute(() -> node.onControlMessage(m));
            return true;
        }

        @Override
        public boolean sendAck(WireAck ack) {
            acks.add(ack);
            return true;
        }

        @Override
        public int maxMessageBytes() {
            return MAX_BYTES;
        }
    }

    private final class GwContext implements GatewayContext {
        private final P2pConfig p2p;

        GwContext(P2pConfig p2p) {
            this.p2p = p2p;
        }

        @Override
        public Optional<NodeInfo> node(String id) {
            List<String> t = advertised;
            return id.equals(nodeId) && !t.isEmpty() ? Optional.of(NodeInfo.builder(id).transports(t).build())
                    : Optional.empty();
        }

        @Override
        public Optional<ControlChannel> controlChannel(String id) {
            return id.equals(nodeId) && connected.get() ? Optional.of(channel) : Optional.empty();
        }

        @Override
        public P2pConfig p2p() {
            return p2p;
        }

        @Override
        public int maxMessageBytes() {
            return MAX_BYTES;
        }

        @Override
        public ScheduledExecutorService scheduler() {
            return scheduler;
        }
    }

    private final class NContext implements NodeContext {
        private final RequestHandler handler;

        NContext(RequestHandler handler) {
            this.handler = handler;
        }

        @Override
        public String nodeId() {
            return nodeId;
        }

        @Override
        public boolean send(WireMessage message) {
            WireMessage m = roundTrip(message).withFrom(nodeId);
            toGateway.add(m);
            uplink.execute(() -> gateway.onControlMessage(channel, m));
            return true;
        }

        @Override
        public CompletionStage<Response> execute(Request request) {
            if (directHandler) {
                return CompletableFuture.completedFuture(run(request));
            }
            return CompletableFuture.supplyAsync(() -> run(request), exec);
        }

        private Response run(Request request) {
            try {
                return handler.handle(request);
            } catch (Exception e) {
                return Response.error(request, "remote_error", e.getMessage());
            }
        }

        @Override
        public int maxMessageBytes() {
            return MAX_BYTES;
        }

        @Override
        public ScheduledExecutorService scheduler() {
            return scheduler;
        }
    }
}
