package io.clawgo.examples.transport;

import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Frame;
import io.clawgo.protocol.MessageTypes;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireAck;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireMessage;
import io.clawgo.spi.ControlChannel;
import io.clawgo.spi.GatewayContext;
import io.clawgo.spi.GatewayTransport;
import io.clawgo.spi.SessionStatus;
import io.clawgo.spi.TransportStatus;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway side of {@code tcp_example}: listens on a TCP port, offers it to every node that connects its control
 * WebSocket ({@code tcp_example_offer} with a one-connection ticket), binds each TCP connection that presents a valid
 * ticket to that node, and carries {@code node_request} / {@code node_response} over it.
 *
 * <p>Written against the public SPI only: {@link GatewayContext} for node lookups, control channels, configuration and
 * the scheduler; {@link WireCodec} for JSON.
 */
final class TcpGatewayTransport implements GatewayTransport {
    private static final Logger LOG = LoggerFactory.getLogger(TcpGatewayTransport.class);
    /** The largest hello frame read from a connection that has not proven who it is. */
    private static final int MAX_HELLO_BYTES = 4096;
    /** How long a new connection may take to say hello. */
    private static final int HELLO_TIMEOUT_MILLIS = 5000;
    /** Connections still in their handshake at once; more are closed at once. */
    private static final int MAX_HANDSHAKES = 64;
    /** Records of nodes whose control connection is gone are dropped after this long. */
    private static final Duration RETENTION = Duration.ofMinutes(10);

    private final GatewayContext context;
    private final WireCodec codec = WireCodec.get();
    private final ServerSocket server;
    private final String advertisedHost;
    private final Thread acceptor;
    private final Semaphore handshakes = new Semaphore(MAX_HANDSHAKES);
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final AtomicInteger connectionNumbers = new AtomicInteger();
    private final ScheduledFuture<?> pruner;
    private volatile boolean closed;

    TcpGatewayTransport(GatewayContext context, String bindHost, int port, String advertisedHost) throws IOException {
        this.context = context;
        this.advertisedHost = advertisedHost;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName(bindHost), port), 64);
        this.acceptor = new Thread(this::acceptLoop, "clawgo-tcp-example-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        this.pruner = context.scheduler().scheduleWithFixedDelay(this::prune, 1, 1, TimeUnit.MINUTES);
        LOG.info("tcp_example transport listening on {}:{} (offered to nodes as {}:{})", bindHost, port(),
                advertisedHost, port());
    }

    /** The TCP port nodes connect to. */
    int port() {
        return server.getLocalPort();
    }

    @Override
    public String name() {
        return TcpExampleProvider.NAME;
    }

    // ------------------------------------------------------------------------------------------ control channel

    // tag::tcp-gateway-offer[]
    /** A node's control connection was bound: make a fresh ticket and offer our port to it. */
    @Override
    public void onNodeConnected(ControlChannel channel) {
        Session s = sessions.computeIfAbsent(channel.nodeId(), Session::new);
        String ticket = HexFormat.of().formatHex(randomBytes(16));
        synchronized (s) {
            s.dropConnection("the node connected again", "closed");
            s.channel = channel;
            s.ticket = ticket;
            s.status = "connecting";
            s.lastAttempt = Instant.now();
            s.lastError = null;
        }
        WireMessage offer = new WireMessage(TcpExampleProvider.OFFER, null, MessageTypes.GATEWAY, channel.nodeId(),
                ticket, null, null, null, Map.of("host", advertisedHost, "port", port()));
        if (!channel.send(offer)) {
            synchronized (s) {
                s.lastError = "could not send the offer over the control connection";
            }
        }
    }
    // end::tcp-gateway-offer[]

    /** The node's control connection closed: its TCP connection and ticket go with it. */
    @Override
    public void onNodeDisconnected(ControlChannel channel) {
        Session s = sessions.get(channel.nodeId());
        if (s == null) {
            return;
        }
        synchronized (s) {
            if (s.channel != channel) {
                return; // an older connection of this node; the current one keeps its session
            }
            s.channel = null;
            s.ticket = null;
            s.dropConnection("the node's control connection closed", "disconnected");
        }
    }

    // -------------------------------------------------------------------------------------------------- requests

    // tag::tcp-gateway-send[]
    @Override
    public CompletionStage<Response> send(Request request, Duration timeout) {
        String node = request.node();
        if (node != null && !context.node(node).map(n -> n.mayOffer(name())).orElse(true)) {
            // the node lists the transports it runs, and this is not one of them: do not wait for a connection
            return done(Response.error(request, ErrorCodes.P2P_UNAVAILABLE, "node " + node + " does not offer "
                    + name()));
        }
        Session s = node == null ? null : sessions.get(node);
        if (closed || s == null || s.currentChannel() == null) {
            return done(Response.error(request, ErrorCodes.P2P_UNAVAILABLE,
                    "node " + node + " has no tcp_example session (its control connection is not open)"));
        }
        Duration budget = timeout != null ? timeout : context.p2p().requestTimeout(); // null: none given
        if (budget.isNegative() || budget.isZero()) {
            // the dispatch has no time left: say so at once, send nothing
            return done(Response.error(request, ErrorCodes.P2P_TIMEOUT, "no time left to send to node " + node));
        }
        long deadline = System.nanoTime() + budget.toNanos();
        // wait for the node's TCP connection, at most the ready timeout and half the request's time (so that a
        // fallback to the next transport keeps time)
        long readyMillis = Math.max(1, Math.min(context.p2p().readyTimeout().toMillis(), budget.toMillis() / 2));
        return s.ready().copy()
                .completeOnTimeout(null, readyMillis, TimeUnit.MILLISECONDS)
                .thenCompose(connection -> connection == null
                        ? done(Response.error(request, ErrorCodes.P2P_TIMEOUT, "the tcp_example connection of node "
                                + node + " was not ready within " + readyMillis + " ms"))
                        : write(s, connection, request, deadline));
    }

    private CompletableFuture<Response> write(Session s, FrameConnection connection, Request request, long deadline) {
        if (!connection.isOpen()) {
            return done(Response.error(request, ErrorCodes.P2P_UNAVAILABLE,
                    "the tcp_example connection of node " + s.node + " closed"));
        }
        if (s.inFlight.incrementAndGet() > context.p2p().maxInFlightPerNode()) {
            s.inFlight.decrementAndGet();
            return done(Response.error(request, ErrorCodes.P2P_BUSY, "too many requests in flight to node " + s.node));
        }
        String id = "tcp-" + HexFormat.of().formatHex(randomBytes(16));
        CompletableFuture<Response> answer = new CompletableFuture<>();
        pending.put(id, new Pending(connection, request, answer));
        answer.whenComplete((r, e) -> {
            pending.remove(id);
            s.inFlight.decrementAndGet();
        });
        String json = codec.toJson(WireMessage.nodeRequest(id, s.node, request));
        if (json.getBytes(StandardCharsets.UTF_8).length > context.maxMessageBytes()) {
            answer.complete(Response.error(request, ErrorCodes.PAYLOAD_TOO_LARGE, "the request is larger than "
                    + context.maxMessageBytes() + " bytes"));
        } else if (!connection.send(json)) {
            answer.complete(Response.error(request, ErrorCodes.P2P_SEND_FAILED,
                    "the tcp_example connection of node " + s.node + " is closed or its send queue is full"));
        } else {
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            answer.completeOnTimeout(Response.error(request, ErrorCodes.TIMEOUT,
                    "node " + s.node + " did not answer within " + left + " ms"), left, TimeUnit.MILLISECONDS);
        }
        return answer;
    }
    // end::tcp-gateway-send[]

    // ------------------------------------------------------------------------------------------ TCP connections

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("tcp_example accept failed: {}", e.toString());
                }
                continue;
            }
            if (!handshakes.tryAcquire()) {
                closeQuietly(socket);
                continue;
            }
            Thread t = new Thread(() -> serve(socket),
                    "clawgo-tcp-example-conn-" + connectionNumbers.incrementAndGet());
            t.setDaemon(true);
            t.start();
        }
    }

    /** One connection: the hello handshake, then its read loop (on this thread) until it closes. */
    private void serve(Socket socket) {
        FrameConnection connection = null;
        Session session = null;
        String reason = "closed by the node";
        try {
            try {
                socket.setSoTimeout(HELLO_TIMEOUT_MILLIS);
                connection = new FrameConnection(socket, context.maxMessageBytes(), Thread.currentThread().getName());
                session = handshake(connection, socket);
            } finally {
                handshakes.release();
            }
            while (session != null && connection.isOpen()) {
                onFrame(connection, connection.read());
            }
        } catch (EOFException e) {
            // the node closed the connection
        } catch (IOException e) {
            reason = connection != null && !connection.isOpen() ? connection.closed().getNow(reason)
                    : "read failed: " + e.getMessage();
        } finally {
            if (session != null) {
                connectionClosed(session, connection, reason);
            } else {
                closeQuietly(socket);
            }
        }
    }

    // tag::tcp-gateway-hello[]
    /** Reads the hello and binds the connection to its node; {@code null} (after an error ack) when refused. */
    private Session handshake(FrameConnection connection, Socket socket) throws IOException {
        WireMessage hello;
        try {
            Frame f = codec.decodeFrame(connection.read(MAX_HELLO_BYTES), MAX_HELLO_BYTES);
            hello = f instanceof Frame.Message m && TcpExampleProvider.HELLO.equals(m.message().normalizedType())
                    ? m.message() : null;
        } catch (ProtocolException e) {
            hello = null;
        }
        if (hello == null) {
            connection.writeNow(codec.toJson(WireAck.error(TcpExampleProvider.HELLO, null,
                    "expected a tcp_example_hello frame")));
            return null;
        }
        String node = hello.from();
        Session s = node == null ? null : sessions.get(node);
        if (s == null || !s.accept(hello.session(), connection)) {
            connection.writeNow(codec.toJson(WireAck.error(TcpExampleProvider.HELLO, node,
                    "unknown node or ticket; wait for a new tcp_example_offer")));
            return null;
        }
        socket.setSoTimeout(0);
        connection.writeNow(codec.toJson(WireAck.ok(TcpExampleProvider.READY, node)));
        connection.startWriter();
        LOG.info("tcp_example session of node {} open", node);
        return s;
    }
    // end::tcp-gateway-hello[]

    private void onFrame(FrameConnection connection, String text) {
        Frame frame;
        try {
            frame = codec.decodeFrame(text, context.maxMessageBytes());
        } catch (ProtocolException e) {
            LOG.debug("skipping an invalid tcp_example frame: {}", e.getMessage());
            return;
        }
        if (frame instanceof Frame.Message m && MessageTypes.NODE_RESPONSE.equals(m.message().normalizedType())) {
            WireMessage msg = m.message();
            Pending p = msg.id() == null ? null : pending.get(msg.id());
            if (p == null || p.connection != connection) {
                return; // late, unknown, or sent on another connection: request ids are scoped to their connection
            }
            p.answer.complete(msg.response() != null ? msg.response() : Response.error(p.request,
                    ErrorCodes.INVALID_RESPONSE, "node_response without a response"));
        }
    }

    // tag::tcp-gateway-closed[]
    /** Marks the session closed (if this was its connection) and fails what was sent on it. */
    private void connectionClosed(Session s, FrameConnection connection, String reason) {
        connection.close(reason);
        synchronized (s) {
            if (s.connection == connection) {
                s.connection = null;
                s.status = s.channel != null && s.channel.isOpen() ? "closed" : "disconnected";
                s.lastError = reason;
                s.resetReady();
            }
        }
        failPending(connection, "the tcp_example connection closed after the request was sent: " + reason);
    }

    /** Fails every request sent on {@code connection}: the node may have run it, so no fallback (transport_error). */
    private void failPending(FrameConnection connection, String why) {
        for (Pending p : pending.values()) {
            if (p.connection == connection) {
                p.answer.complete(Response.error(p.request, ErrorCodes.TRANSPORT_ERROR, why));
            }
        }
    }
    // end::tcp-gateway-closed[]

    // ------------------------------------------------------------------------------------------------ status

    // tag::tcp-gateway-status[]
    @Override
    public TransportStatus status() {
        List<SessionStatus> nodes = new ArrayList<>();
        int open = 0;
        for (Session s : sessions.values()) {
            SessionStatus st = s.snapshot();
            nodes.add(st);
            if ("open".equals(st.status())) {
                open++;
            }
        }
        nodes.sort(Comparator.comparing(SessionStatus::node));
        return new TransportStatus(name(), open, 0, nodes);
    }
    // end::tcp-gateway-status[]

    private void prune() {
        Instant before = Instant.now().minus(RETENTION);
        sessions.values().removeIf(s -> s.prunable(before));
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pruner.cancel(false);
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Session s : sessions.values()) {
            synchronized (s) {
                s.dropConnection("the gateway's tcp_example transport closed", "closed");
            }
        }
        for (Pending p : pending.values()) {
            p.answer.complete(Response.error(p.request, ErrorCodes.TRANSPORT_ERROR,
                    "the tcp_example transport closed"));
        }
    }

    // ------------------------------------------------------------------------------------------------- helpers

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static CompletableFuture<Response> done(Response r) {
        return CompletableFuture.completedFuture(r);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    /** A request written to {@code connection}, waiting for its {@code node_response}. */
    private record Pending(FrameConnection connection, Request request, CompletableFuture<Response> answer) {
    }

    /** What the gateway knows about one node's TCP session. Mutable fields are guarded by {@code this}. */
    private final class Session {
        final String node;
        final Instant createdAt = Instant.now();
        final AtomicInteger inFlight = new AtomicInteger();
        ControlChannel channel;
        String ticket;
        FrameConnection connection;
        /** Completes with the open connection; replaced by a new future when that connection closes. */
        CompletableFuture<FrameConnection> ready = new CompletableFuture<>();
        String status = "connecting";
        int retryCount;
        boolean everOpened;
        String lastError;
        Instant lastAttempt = createdAt;
        Instant lastReadyAt;

        Session(String node) {
            this.node = node;
        }

        synchronized ControlChannel currentChannel() {
            return channel != null && channel.isOpen() ? channel : null;
        }

        synchronized CompletableFuture<FrameConnection> ready() {
            return ready;
        }

        /** Binds {@code c} when {@code presented} is this node's current ticket (compared in constant time). */
        synchronized boolean accept(String presented, FrameConnection c) {
            if (ticket == null || presented == null || channel == null || !channel.isOpen()
                    || !MessageDigest.isEqual(ticket.getBytes(StandardCharsets.UTF_8),
                            presented.getBytes(StandardCharsets.UTF_8))) {
                return false;
            }
            dropConnection("replaced by a newer tcp_example connection of the same node", "closed");
            if (everOpened) {
                retryCount++;
            }
            everOpened = true;
            connection = c;
            status = "open";
            lastError = null;
            lastAttempt = Instant.now();
            lastReadyAt = lastAttempt;
            if (!ready.complete(c)) {
                ready = CompletableFuture.completedFuture(c);
            }
            return true;
        }

        /** Closes the current connection, if any, and fails its requests. Caller holds the lock. */
        void dropConnection(String reason, String newStatus) {
            FrameConnection c = connection;
            connection = null;
            status = newStatus;
            resetReady();
            if (c != null) {
                lastError = reason;
                c.close(reason);
                failPending(c, "the tcp_example connection closed after the request was sent: " + reason);
            }
        }

        /** Caller holds the lock. */
        void resetReady() {
            if (ready.isDone()) {
                ready = new CompletableFuture<>();
            }
        }

        synchronized SessionStatus snapshot() {
            return new SessionStatus(node, status, retryCount, lastError, createdAt, lastAttempt, lastReadyAt,
                    inFlight.get());
        }

        synchronized boolean prunable(Instant before) {
            return channel == null && connection == null && lastAttempt.isBefore(before);
        }
    }
}
