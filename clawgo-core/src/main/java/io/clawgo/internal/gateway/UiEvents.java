package io.clawgo.internal.gateway;

import io.clawgo.internal.audit.UtcMillis;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.spi.GatewayTransport;
import io.clawgo.spi.SessionStatus;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what happens in the gateway into the web UI's events on {@link EventStreams}: {@code node} (online, offline,
 * removed) and {@code dispatch} (one per finished dispatch) from the gateway's events, and {@code session} (a node's
 * P2P session changed status) from a look at the P2P transport's status every {@link #SESSION_CHECK_MILLIS} while a
 * stream is open (the transport SPI has no session events), compared with the look before (the first one taken when
 * the first stream opens). Nothing is built while no stream is open.
 */
final class UiEvents implements GatewayEvents, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UiEvents.class);
    /** How often the P2P sessions are compared with the last look while a stream is open. */
    static final long SESSION_CHECK_MILLIS = 1_000;

    private final EventStreams streams;
    private final GatewayTransport p2p;
    private final ScheduledFuture<?> sessionCheck;
    /** Node id to session status at the last look; {@code null} while no stream was open. Guarded by this. */
    private Map<String, String> lastSessions;

    /**
     * @param p2p the P2P transport whose sessions are watched, or {@code null}
     */
    UiEvents(EventStreams streams, GatewayTransport p2p, ScheduledExecutorService scheduler) {
        this.streams = streams;
        this.p2p = p2p;
        this.sessionCheck = p2p == null ? null : scheduler.scheduleWithFixedDelay(this::checkSessions,
                SESSION_CHECK_MILLIS, SESSION_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        if (p2p != null) {
            streams.onOpen(this::startWatching);
        }
    }

    /**
     * A stream opens: without a look at the sessions yet, take one now, so that the new stream hears of every change
     * after its {@code hello}.
     */
    private synchronized void startWatching() {
        if (lastSessions == null) {
            lastSessions = sessions();
        }
    }

    @Override
    public void onOnline(NodeInfo n) {
        if (streams.active()) {
            streams.publish("node", node(n.id(), "online"));
        }
    }

    @Override
    public void onOffline(NodeInfo n, String reason) {
        if (streams.active()) {
            Map<String, Object> m = node(n.id(), "offline");
            m.put("reason", reason);
            streams.publish("node", m);
        }
    }

    @Override
    public void onRemoved(String id) {
        if (streams.active()) {
            streams.publish("node", node(id, "removed"));
        }
    }

    private static Map<String, Object> node(String id, String state) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", id);
        m.put("state", state);
        return m;
    }

    @Override
    public void onDispatch(Request request, DispatchMode mode, Response response, Instant startedAt,
                           long durationNanos) {
        if (!streams.active()) {
            return;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", UtcMillis.format(startedAt));
        m.put("node", request.node());
        m.put("action", request.action());
        m.put("ok", response.ok());
        m.put("code", response.code() == null ? null : clip(response.code(), 64));
        m.put("used_transport", response.payload().get("used_transport"));
        m.put("fallback_from", response.payload().get("fallback_from"));
        m.put("duration_ms", durationNanos / 1_000_000);
        if (request.traceparent() != null) {
            m.put("trace_id", request.traceId());
        }
        streams.publish("dispatch", m);
    }

    private static String clip(String s, int max) {
        return s.length() > max ? s.substring(0, max) : s;
    }

    /** Node id to session status now, or {@code null} when the transport failed to say. */
    private Map<String, String> sessions() {
        Map<String, String> now = new HashMap<>();
        try {
            for (SessionStatus s : p2p.status().nodes()) {
                now.put(s.node(), s.status() == null || s.status().isBlank() ? "connecting" : s.status());
            }
        } catch (RuntimeException e) {
            LOG.debug("P2P status failed: {}", e.toString());
            return null;
        }
        return now;
    }

    /** Publishes the sessions whose status changed since the last look (timer thread). */
    private synchronized void checkSessions() {
        if (!streams.active()) {
            lastSessions = null; // the next stream starts from a fresh look, without a burst of old changes
            return;
        }
        Map<String, String> now = sessions();
        if (now == null) {
            return;
        }
        Map<String, String> before = lastSessions;
        lastSessions = now;
        if (before == null) {
            return;
        }
        now.forEach((node, status) -> {
            if (!status.equals(before.get(node))) {
                publishSession(node, status);
            }
        });
        before.keySet().forEach(node -> {
            if (!now.containsKey(node)) {
                publishSession(node, "none");
            }
        });
    }

    private void publishSession(String node, String status) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", node);
        m.put("status", status);
        m.put("transport", p2p.name());
        streams.publish("session", m);
    }

    @Override
    public void close() {
        if (sessionCheck != null) {
            sessionCheck.cancel(false);
        }
    }
}
