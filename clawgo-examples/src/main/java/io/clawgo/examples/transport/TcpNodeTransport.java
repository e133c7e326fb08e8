package io.clawgo.examples.transport;

import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Frame;
import io.clawgo.protocol.MessageTypes;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireMessage;
import io.clawgo.spi.NodeContext;
import io.clawgo.spi.NodeTransport;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node side of {@code tcp_example}: waits for the gateway's {@code tcp_example_offer} on the control socket, then
 * connects to the offered address, presents its ticket, and runs the {@code node_request}s that arrive on the
 * connection through {@link NodeContext#execute}. A lost connection is re-established with backoff while the control
 * socket stays up; a new offer replaces the old one, and the control socket closing ends it.
 *
 * <p>Nothing runs until an offer arrives, so this transport costs nothing on a node whose gateway uses another one.
 */
final class TcpNodeTransport implements NodeTransport {
    private static final Logger LOG = LoggerFactory.getLogger(TcpNodeTransport.class);
    private static final int CONNECT_TIMEOUT_MILLIS = 5000;
    private static final long BACKOFF_MIN_MILLIS = 250;
    private static final long BACKOFF_MAX_MILLIS = 30_000;

    private final NodeContext context;
    private final WireCodec codec = WireCodec.get();
    private final Object lock = new Object();
    /** The connect loop of the current offer, or null. */
    private Loop loop;
    private boolean closed;

    TcpNodeTransport(NodeContext context) {
        this.context = context;
    }

    @Override
    public String name() {
        return TcpExampleProvider.NAME;
    }

    // tag::tcp-node-offer[]
    /** Takes {@code tcp_example_offer} (on the control socket's reader thread: only starts a thread). */
    @Override
    public boolean onControlMessage(WireMessage message) {
        if (!TcpExampleProvider.OFFER.equals(message.normalizedType())) {
            return false;
        }
        Object host = message.payload().get("host");
        Object port = message.payload().get("port");
        if (!(host instanceof String h) || !(port instanceof Number p) || message.session() == null) {
            LOG.warn("node {}: ignoring a tcp_example_offer without host, port and ticket", context.nodeId());
            return true;
        }
        synchronized (lock) {
            if (closed) {
                return true;
            }
            if (loop != null) {
                loop.stop();
            }
            loop = new Loop(h, p.intValue(), message.session());
            loop.start();
        }
        return true;
    }
    // end::tcp-node-offer[]

    /** The control socket closed: the gateway forgets our ticket, so stop until the next offer. */
    @Override
    public void onDisconnected() {
        synchronized (lock) {
            if (loop != null) {
                loop.stop();
                loop = null;
            }
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (loop != null) {
                loop.stop();
                loop = null;
            }
        }
    }

    /** Connects to one offer, serves the connection, reconnects with backoff; its own daemon thread. */
    private final class Loop implements Runnable {
        private final String host;
        private final int port;
        private final String ticket;
        private final Thread thread;
        private volatile boolean stopped;
        private volatile FrameConnection connection;

        Loop(String host, int port, String ticket) {
            this.host = host;
            this.port = port;
            this.ticket = ticket;
            this.thread = new Thread(this, "clawgo-tcp-example-" + context.nodeId());
            this.thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void stop() {
            stopped = true;
            thread.interrupt();
            FrameConnection c = connection;
            if (c != null) {
                c.close("stopped");
            }
        }

        @Override
        public void run() {
            long backoff = BACKOFF_MIN_MILLIS;
            while (!stopped) {
                boolean refused;
                try {
                    refused = connectAndServe();
                    backoff = BACKOFF_MIN_MILLIS; // it was open: start the backoff again
                } catch (IOException e) {
                    refused = false;
                    if (!stopped) {
                        LOG.debug("node {}: tcp_example connection to {}:{} failed: {}", context.nodeId(), host, port,
                                e.toString());
                    }
                }
                if (refused || stopped) {
                    return; // a refused ticket stays refused: wait for the next offer
                }
                try {
                    Thread.sleep(ThreadLocalRandom.current().nextLong(backoff / 2, backoff + 1));
                } catch (InterruptedException e) {
                    return;
                }
                backoff = Math.min(backoff * 2, BACKOFF_MAX_MILLIS);
            }
        }

        /**
         * One connection: hello, then requests until it closes.
         *
         * @return {@code true} when the gateway refused the ticket
         */
        private boolean connectAndServe() throws IOException {
            Socket socket = new Socket();
            FrameConnection c = null;
            try {
                socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
                socket.setSoTimeout(CONNECT_TIMEOUT_MILLIS);
                c = new FrameConnection(socket, context.maxMessageBytes(), thread.getName());
                connection = c;
                if (stopped) {
                    return false;
                }
                c.writeNow(codec.toJson(new WireMessage(TcpExampleProvider.HELLO, null, context.nodeId(),
                        MessageTypes.GATEWAY, ticket, null, null, null, null)));
                Frame answer = codec.decodeFrame(c.read(4096), 4096);
                if (!(answer instanceof Frame.Ack ack) || !ack.ack().ok()) {
                    LOG.warn("node {}: the gateway refused the tcp_example connection: {}", context.nodeId(),
                            answer instanceof Frame.Ack a ? a.ack().error() : "no ack");
                    return true;
                }
                socket.setSoTimeout(0);
                c.startWriter();
                LOG.info("node {}: tcp_example connection to {}:{} open", context.nodeId(), host, port);
                while (c.isOpen()) {
                    onFrame(c, c.read());
                }
                return false;
            } catch (ProtocolException e) {
                throw new IOException("bad frame from the gateway: " + e.getMessage(), e);
            } catch (EOFException e) {
                return false; // the gateway closed it
            } finally {
                if (c != null) {
                    c.close("connection ended");
                }
                socket.close();
                connection = null;
            }
        }
    }

    // tag::tcp-node-request[]
    /** A {@code node_request}: run it on the node's executor and answer on the same connection. */
    private void onFrame(FrameConnection c, String text) {
        WireMessage msg;
        try {
            Frame f = codec.decodeFrame(text, context.maxMessageBytes());
            msg = f instanceof Frame.Message m ? m.message() : null;
        } catch (ProtocolException e) {
            LOG.debug("node {}: skipping an invalid tcp_example frame: {}", context.nodeId(), e.getMessage());
            return;
        }
        if (msg == null || !MessageTypes.NODE_REQUEST.equals(msg.normalizedType()) || msg.id() == null) {
            return;
        }
        Request request = msg.request();
        if (request == null) {
            answer(c, msg.id(), Response.error(ErrorCodes.INVALID_REQUEST, "node_request without a request"));
            return;
        }
        context.execute(request).whenComplete((response, error) -> answer(c, msg.id(), error == null ? response
                : Response.error(request, ErrorCodes.REMOTE_ERROR, "the node failed: " + error)));
    }

    private void answer(FrameConnection c, String id, Response response) {
        String json = codec.toJson(WireMessage.nodeResponse(id, context.nodeId(), response));
        if (json.getBytes(StandardCharsets.UTF_8).length > context.maxMessageBytes()) {
            json = codec.toJson(WireMessage.nodeResponse(id, context.nodeId(), new Response(false,
                    ErrorCodes.PAYLOAD_TOO_LARGE, "the response is larger than " + context.maxMessageBytes()
                    + " bytes", context.nodeId(), response.action(), null)));
        }
        if (!c.send(json)) {
            LOG.debug("node {}: could not answer {} (connection closed)", context.nodeId(), id);
        }
    }
    // end::tcp-node-request[]
}
