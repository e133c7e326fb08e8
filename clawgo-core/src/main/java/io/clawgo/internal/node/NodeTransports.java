package io.clawgo.internal.node;

import io.clawgo.internal.transport.TransportCatalog;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireSizes;
import io.clawgo.protocol.WireMessage;
import io.clawgo.spi.NodeContext;
import io.clawgo.spi.NodeTransport;
import io.clawgo.spi.TransportProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node transports of one node and the {@link NodeContext} they are given: creates them from the providers found
 * by {@code ServiceLoader} ({@link #create()}), tells them of connections ({@link #connected(boolean)}), closes them,
 * remembers the ones that withdrew themselves, and builds what the node registers ({@link #registration()}: its info
 * with the names of the transports it runs).
 *
 * <p>Threads: {@link #create()} runs once on the thread that starts the node; {@link #connected} on the connection
 * loop; the context's methods on any thread (transports call them from their own threads). The list of transports is
 * published once and never changes; the withdrawn names are a concurrent set. Failure modes: a provider or transport
 * that throws ({@code RuntimeException} or {@code LinkageError}, for example a missing native library) is logged and
 * left out or skipped; it never stops the node.
 */
final class NodeTransports {
    /** How long an answer waits for room in a nearly full send queue ({@link NodeContext#sendAnswer}). */
    private static final Duration ANSWER_ROOM_WAIT = Duration.ofSeconds(30);

    /** The node runtime's logger: the node's log lines keep the category they had before the split. */
    private static final Logger LOG = LoggerFactory.getLogger(NodeRuntime.class);

    /** What a node that withdrew all its P2P transports registers as its list. */
    static final String RELAY_ONLY = TransportCatalog.HTTP_RELAY;

    private final NodeSettings settings;
    private final String nodeId;
    private final ClassLoader serviceLoader;
    private final Context context;
    private final Supplier<GatewayConnection> active;
    private volatile List<NodeTransport> transports = List.of();
    /** Transports that withdrew themselves ({@link NodeContext#withdraw}): no longer registered. */
    private final Set<String> withdrawn = ConcurrentHashMap.newKeySet();

    /**
     * @param settings      the node's settings (id, info, the transports it may run, the frame limit)
     * @param serviceLoader where to look for {@link TransportProvider}s
     * @param active        the registered connection transports send on, or {@code null} when there is none
     * @param execute       runs a request on the node (the context's {@link NodeContext#execute})
     * @param scheduler     the node's timer, lent to transports
     */
    NodeTransports(NodeSettings settings, ClassLoader serviceLoader, Supplier<GatewayConnection> active,
                   Function<Request, CompletionStage<Response>> execute, ScheduledExecutorService scheduler) {
        this.settings = settings;
        this.nodeId = settings.nodeId();
        this.serviceLoader = serviceLoader;
        this.active = active;
        this.context = new Context(execute, scheduler);
    }

    /** The context given to node transports. */
    NodeContext context() {
        return context;
    }

    /** The node transports created by {@link #create()}; empty before. */
    List<NodeTransport> list() {
        return transports;
    }

    /**
     * Creates the node side of every available provider (or of those the settings name), best first, and keeps them.
     * A provider that returns {@code null} or throws is left out.
     *
     * @return the transports created
     */
    List<NodeTransport> create() {
        TransportCatalog catalog = TransportCatalog.load(serviceLoader);
        List<String> only = settings.transports();
        List<NodeTransport> out = new ArrayList<>();
        for (TransportProvider p : catalog.bestAvailable()) {
            if (only != null && !only.contains(p.name())) {
                LOG.debug("node {}: transport {} left out (not in the node's transports {})", nodeId, p.name(), only);
                continue;
            }
            try {
                NodeTransport t = p.createNodeTransport(context);
                if (t != null) {
                    out.add(t);
                    LOG.debug("node {}: node transport {} ready", nodeId, p.name());
                }
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("node {}: transport {} failed to start on the node: {}", nodeId, p.name(), e.toString());
            }
        }
        transports = List.copyOf(out);
        return transports;
    }

    /**
     * What the node registers: its info plus the names of the node transports it runs, so that a gateway does not
     * wait for a P2P session the node cannot answer (for example webrtc on a node without its natives).
     */
    NodeInfo registration() {
        List<NodeTransport> ts = transports;
        List<String> given = settings.info().transports();
        if (ts.isEmpty() && given.isEmpty()) {
            if (settings.transports() != null) {
                // limited to no P2P transport: an empty list would mean "did not say", so name the relay
                return settings.info().toBuilder().transports(List.of(RELAY_ONLY)).build();
            }
            return settings.info(); // no list: gateways try every transport, as with nodes that send none
        }
        List<String> names = new ArrayList<>();
        if (given.isEmpty()) {
            for (NodeTransport t : ts) {
                names.add(t.name());
            }
        } else {
            names.addAll(given);
        }
        if (!withdrawn.isEmpty() && names.removeAll(withdrawn) && names.isEmpty()) {
            // an empty list would mean "did not say": name the relay, the one way left to reach this node
            names.add(RELAY_ONLY);
        }
        return settings.info().toBuilder().transports(names).build();
    }

    /** Tells every transport that the node connected ({@code true}) or lost its connection. */
    void connected(boolean connected) {
        for (NodeTransport t : transports) {
            try {
                if (connected) {
                    t.onConnected();
                } else {
                    t.onDisconnected();
                }
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("node {}: transport {} failed in {}: {}", nodeId, safeName(t),
                        connected ? "onConnected" : "onDisconnected", e.toString());
            }
        }
    }

    /** Closes every transport; one that throws is logged. */
    void closeAll() {
        for (NodeTransport nt : transports) {
            try {
                nt.close();
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("node {}: transport {} failed to close: {}", nodeId, safeName(nt), e.toString());
            }
        }
    }

    /** A transport's name, or its class name when {@code name()} throws. */
    static String safeName(NodeTransport t) {
        try {
            return t.name();
        } catch (RuntimeException e) {
            return t.getClass().getName();
        }
    }

    /** The {@link NodeContext} given to node transports. */
    private final class Context implements NodeContext {
        private final Function<Request, CompletionStage<Response>> execute;
        private final ScheduledExecutorService scheduler;
        private final WireCodec codec = WireCodec.get();

        Context(Function<Request, CompletionStage<Response>> execute, ScheduledExecutorService scheduler) {
            this.execute = execute;
            this.scheduler = scheduler;
        }

        @Override
        public String nodeId() {
            return nodeId;
        }

        @Override
        public boolean send(WireMessage message) {
            return send(message, false);
        }

        @Override
        public boolean sendAnswer(WireMessage answer) {
            return send(answer, true);
        }

        private boolean send(WireMessage message, boolean waitForRoom) {
            GatewayConnection c = active.get();
            if (message == null || c == null || c.isEnded()) {
                return false;
            }
            String json = codec.toJson(message);
            if (!WireSizes.fits(json, settings.maxMessageBytes())) {
                LOG.warn("node {}: not sending a {} of {} bytes (limit {} bytes)", nodeId, message.normalizedType(),
                        WireSizes.utf8Length(json), settings.maxMessageBytes());
                return false;
            }
            if (!waitForRoom) {
                return c.send(json);
            }
            if (c.sendWhenRoom(json, ANSWER_ROOM_WAIT)) {
                return true;
            }
            if (!c.isEnded()) {
                LOG.warn("node {}: dropped the answer to {}: no room for it in the control socket's send queue ({} "
                        + "bytes not yet read by the gateway) within {} s", nodeId, message.id(), c.queuedBytes(),
                        ANSWER_ROOM_WAIT.toSeconds());
            }
            return false;
        }

        @Override
        public CompletionStage<Response> execute(Request request) {
            return execute.apply(request);
        }

        @Override
        public int maxMessageBytes() {
            return settings.maxMessageBytes();
        }

        @Override
        public ScheduledExecutorService scheduler() {
            return scheduler;
        }

        @Override
        public void withdraw(String transport, String reason) {
            if (transport == null || transport.isBlank() || !withdrawn.add(transport)) {
                return;
            }
            LOG.warn("node {}: no longer offers the {} transport: {}", nodeId, transport, reason);
            GatewayConnection c = active.get();
            if (c != null && !c.isEnded()) {
                c.reRegister(); // the gateway learns it now, not at the next reconnect
            }
        }
    }
}
