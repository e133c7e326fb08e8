package io.clawgo.transport.webrtc;

import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.MessageTypes;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireAck;
import io.clawgo.protocol.WireMessage;
import io.clawgo.spi.ControlChannel;
import io.clawgo.spi.GatewayContext;
import io.clawgo.spi.GatewayTransport;
import io.clawgo.spi.SessionStatus;
import io.clawgo.spi.TransportStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway side of the {@code webrtc} transport: one {@link GatewaySession} per node, created by the first request
 * to it (never by a signal), signalling over the node's control channel, requests and responses over the DataChannel.
 */
final class WebRtcGatewayTransport implements GatewayTransport {
    private static final Logger LOG = LoggerFactory.getLogger(WebRtcGatewayTransport.class);
    /** Session records of nodes that are gone are dropped after this long without change. */
    private static final Duration RETENTION = Duration.ofMinutes(10);
    /** Period of the request deadline sweep. */
    private static final long SWEEP_MILLIS = 20;

    private final GatewayEnv env;
    private final ConcurrentHashMap<String, GatewaySession> sessions = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> pruner;
    private final ScheduledFuture<?> sweeper;
    private volatile boolean closed;

    WebRtcGatewayTransport(GatewayContext ctx, WebRtcSettings settings) {
        this.env = new GatewayEnv(ctx, settings, Pools.fixed("clawgo-webrtc-gw", ctx.threadFactory()),
                Pools.cached("clawgo-webrtc-gw-drain", ctx.threadFactory()));
        this.pruner = ctx.scheduler().scheduleWithFixedDelay(() -> env.run(this::prune), 60, 60, TimeUnit.SECONDS);
        this.sweeper = ctx.scheduler().scheduleWithFixedDelay(env::sweep, SWEEP_MILLIS, SWEEP_MILLIS,
                TimeUnit.MILLISECONDS);
        LOG.info("webrtc transport ready (ice servers: {}, relay only: {}, ready timeout: {} ms)",
                env.iceServers.size(), settings.relayOnly(), settings.readyTimeout().toMillis());
    }

    @Override
    public String name() {
        return WebRtcProvider.NAME;
    }

    @Override
    public CompletionStage<Response> send(Request request, Duration timeout) {
        String node = request == null || request.node() == null ? "" : request.node().trim();
        if (node.isEmpty()) {
            return CompletableFuture.completedFuture(Response.error(request, ErrorCodes.P2P_UNAVAILABLE,
                    "node id required"));
        }
        if (closed) {
            return CompletableFuture.completedFuture(Response.error(request, ErrorCodes.P2P_UNAVAILABLE,
                    "the webrtc transport is closed"));
        }
        NodeInfo info = env.ctx.node(node).orElse(null);
        if (info != null && !info.mayOffer(name())) {
            // the node runs no webrtc transport (no natives there, or not on its class path): say so at once
            // instead of offering and waiting for the ready timeout
            return CompletableFuture.completedFuture(Response.error(request, ErrorCodes.P2P_UNAVAILABLE,
                    "node " + node + " does not offer webrtc (its transports: " + info.transports() + ")"));
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            // what earlier attempts of the dispatch left: nothing (the SPI's contract; as websocket_tunnel does)
            return CompletableFuture.completedFuture(Response.error(request, ErrorCodes.P2P_TIMEOUT,
                    "no time left to send the request to node " + node));
        }
        long millis = timeout == null ? env.ctx.p2p().requestTimeout().toMillis() : Math.max(1, timeout.toMillis());
        GatewaySession s = sessions.get(node);
        if (s == null) {
            if (env.ctx.controlChannel(node).isEmpty()) {
                // no record for a node that cannot be signalled: nothing to show, nothing to retry
                return CompletableFuture.completedFuture(Response.error(request, ErrorCodes.P2P_UNAVAILABLE,
                        "node " + node + " has no open control connection for webrtc signalling"));
            }
            s = sessions.computeIfAbsent(node, n -> new GatewaySession(n, env));
        }
        return s.submit(request, Math.max(1, millis));
    }

    @Override
    public void onNodeConnected(ControlChannel channel) {
        GatewaySession s = sessions.get(channel.nodeId());
        if (s != null) {
            s.controlChanged(channel, true);
        }
    }

    /**
     * Ends the session that signalled over {@code channel} and drops the node's record: an offline node has no
     * session (the registry's {@code node_offline} says the rest).
     */
    @Override
    public void onNodeDisconnected(ControlChannel channel) {
        GatewaySession s = sessions.get(channel.nodeId());
        if (s != null) {
            s.controlChanged(channel, false);
            if (s.idleSince(Instant.MAX) && env.ctx.controlChannel(channel.nodeId()).isEmpty()) {
                sessions.remove(channel.nodeId(), s);
            }
        }
    }

    /**
     * Takes {@code signal_answer} and {@code signal_candidate} for the gateway and acks them: {@code signaled}, or an
     * error when no attempt of this node waits for them (a stray signal never creates a session).
     */
    @Override
    public boolean onControlMessage(ControlChannel from, WireMessage message) {
        String type = message.normalizedType();
        if (!MessageTypes.SIGNAL_ANSWER.equals(type) && !MessageTypes.SIGNAL_CANDIDATE.equals(type)) {
            return false;
        }
        String node = from.nodeId();
        GatewaySession s = node == null ? null : sessions.get(node);
        OfferAttempt a = s == null || closed ? null : s.attemptOn(from);
        String error = a == null ? "no webrtc session is waiting for signals from node " + node
                : a.onSignal(type, message.payload());
        from.sendAck(error == null ? WireAck.ok(MessageTypes.SIGNALED, message.id())
                : WireAck.error(message.type(), message.id(), error));
        if (error != null) {
            LOG.debug("refused a {} from node {}: {}", type, node, error);
        }
        return true;
    }

    @Override
    public TransportStatus status() {
        List<SessionStatus> nodes = new ArrayList<>();
        int open = 0;
        for (GatewaySession s : sessions.values()) {
            nodes.add(s.status());
            if (s.isOpen()) {
                open++;
            }
        }
        nodes.sort(Comparator.comparing(SessionStatus::node));
        return new TransportStatus(name(), open, env.iceServers.size(), nodes);
    }

    /** Ends the node's current session (tests and operators: forces a re-establishment on the next request). */
    void resetSession(String nodeId, String reason) {
        GatewaySession s = sessions.get(nodeId);
        if (s != null) {
            s.endCurrent("closed", reason);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pruner.cancel(false);
        sweeper.cancel(false);
        for (GatewaySession s : sessions.values()) {
            s.endCurrent("closed", "the gateway's webrtc transport closed");
        }
        Pools.shutdown(env.pool, 3000);
        Pools.shutdown(env.drains, 1000);
        env.release();
        LOG.debug("webrtc transport closed");
    }

    private void prune() {
        Instant before = Instant.now().minus(RETENTION);
        sessions.entrySet().removeIf(e -> env.ctx.controlChannel(e.getKey()).isEmpty()
                && e.getValue().idleSince(before));
    }
}
