package io.clawgo.internal.gateway;

import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes every gateway event (the registry's node events and the dispatcher's finished dispatches) to each of its
 * subscribers, in the order they subscribed, on the thread that caused the event. The registry and the dispatcher
 * know only this one listener; the application's listener thread, the web UI's dispatch statistics and its event
 * streams subscribe here. A subscriber must return at once; one that throws is logged and the others still get the
 * event.
 */
final class EventFanOut implements GatewayEvents {
    private static final Logger LOG = LoggerFactory.getLogger(EventFanOut.class);

    private final List<GatewayEvents> subscribers = new CopyOnWriteArrayList<>();

    /** Adds a subscriber; it gets the events that happen from now on. */
    void subscribe(GatewayEvents subscriber) {
        subscribers.add(subscriber);
    }

    @Override
    public void onOnline(NodeInfo n) {
        for (GatewayEvents s : subscribers) {
            try {
                s.onOnline(n);
            } catch (RuntimeException e) {
                failed(s, e);
            }
        }
    }

    @Override
    public void onOffline(NodeInfo n, String reason) {
        for (GatewayEvents s : subscribers) {
            try {
                s.onOffline(n, reason);
            } catch (RuntimeException e) {
                failed(s, e);
            }
        }
    }

    @Override
    public void onRemoved(String id) {
        for (GatewayEvents s : subscribers) {
            try {
                s.onRemoved(id);
            } catch (RuntimeException e) {
                failed(s, e);
            }
        }
    }

    @Override
    public void onRegistration(String id, String outcome) {
        for (GatewayEvents s : subscribers) {
            try {
                s.onRegistration(id, outcome);
            } catch (RuntimeException e) {
                failed(s, e);
            }
        }
    }

    @Override
    public void onDispatch(Request request, DispatchMode mode, Response response, Instant startedAt,
                           long durationNanos) {
        for (GatewayEvents s : subscribers) {
            try {
                s.onDispatch(request, mode, response, startedAt, durationNanos);
            } catch (RuntimeException e) {
                failed(s, e);
            }
        }
    }

    private static void failed(GatewayEvents s, RuntimeException e) {
        LOG.warn("gateway event subscriber {} failed: {}", s.getClass().getSimpleName(), e.toString());
    }
}
