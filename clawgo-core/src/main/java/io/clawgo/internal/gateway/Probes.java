package io.clawgo.internal.gateway;

import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import java.time.Instant;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's synchronous observers, added and removed at any time. Each event goes to every probe on the calling
 * thread; a probe that throws is logged (at WARN at most once a minute) and the others still get the event. With no probe, every method
 * returns after one check of an empty list, without allocating: the dispatch and HTTP paths pay nothing then.
 */
final class Probes implements GatewayProbe {
    private static final Logger LOG = LoggerFactory.getLogger(Probes.class);

    private static final long WARN_INTERVAL_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(1);

    private final CopyOnWriteArrayList<GatewayProbe> probes = new CopyOnWriteArrayList<>();
    private volatile long lastWarnNanos = System.nanoTime() - WARN_INTERVAL_NANOS;

    void add(GatewayProbe p) {
        probes.addIfAbsent(p);
    }

    void remove(GatewayProbe p) {
        probes.remove(p);
    }

    /** Whether no probe is registered: callers skip the work of building an event. */
    boolean isEmpty() {
        return probes.isEmpty();
    }

    @Override
    public void onOnline(NodeInfo n) {
        if (!probes.isEmpty()) {
            for (GatewayProbe p : probes) {
                try {
                    p.onOnline(n);
                } catch (RuntimeException e) {
                    failed(p, e);
                }
            }
        }
    }

    @Override
    public void onOffline(NodeInfo n, String reason) {
        if (!probes.isEmpty()) {
            for (GatewayProbe p : probes) {
                try {
                    p.onOffline(n, reason);
                } catch (RuntimeException e) {
                    failed(p, e);
                }
            }
        }
    }

    @Override
    public void onRemoved(String id) {
        if (!probes.isEmpty()) {
            for (GatewayProbe p : probes) {
                try {
                    p.onRemoved(id);
                } catch (RuntimeException e) {
                    failed(p, e);
                }
            }
        }
    }

    @Override
    public void onRegistration(String id, String outcome) {
        if (!probes.isEmpty()) {
            for (GatewayProbe p : probes) {
                try {
                    p.onRegistration(id, outcome);
                } catch (RuntimeException e) {
                    failed(p, e);
                }
            }
        }
    }

    @Override
    public void onDispatch(Request request, DispatchMode mode, Response response, Instant startedAt,
                           long durationNanos) {
        if (!probes.isEmpty()) {
            for (GatewayProbe p : probes) {
                try {
                    p.onDispatch(request, mode, response, startedAt, durationNanos);
                } catch (RuntimeException e) {
                    failed(p, e);
                }
            }
        }
    }

    @Override
    public void onHttpRequest(String route, String method, int status, long durationNanos) {
        if (!probes.isEmpty()) {
            for (GatewayProbe p : probes) {
                try {
                    p.onHttpRequest(route, method, status, durationNanos);
                } catch (RuntimeException e) {
                    failed(p, e);
                }
            }
        }
    }

    private void failed(GatewayProbe p, RuntimeException e) {
        long now = System.nanoTime();
        if (now - lastWarnNanos >= WARN_INTERVAL_NANOS) {
            lastWarnNanos = now; // a race only costs a second line
            LOG.warn("gateway observer {} failed: {} (logged at most once a minute)", p, e.toString());
        } else {
            LOG.debug("gateway observer {} failed: {}", p, e.toString());
        }
    }
}
