package io.clawgo.internal.transport;

import io.clawgo.protocol.DispatchMode;
import io.clawgo.internal.audit.Clipped;
import io.clawgo.internal.audit.JsonlAudit;
import io.clawgo.internal.audit.UtcMillis;
import io.clawgo.internal.registry.NodeRegistry;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one entry point for sending a request to a node: checks the node (known, online, supports the action), routes
 * it, appends every dispatch to the dispatch audit and tells its {@link Observer}.
 */
public final class NodeDispatcher {
    /** Told of every dispatch once it has completed, on the completing thread: it must return at once. */
    @FunctionalInterface
    public interface Observer {
        /** Observes nothing. */
        Observer NONE = (request, mode, response, startedAt, durationNanos) -> {
        };

        /**
         * @param request       the request as the caller gave it
         * @param mode          the dispatch mode
         * @param response      the response the caller gets (an error response when the dispatch failed)
         * @param startedAt     when the dispatch was asked for
         * @param durationNanos how long it took until the response
         */
        void onDispatch(Request request, DispatchMode mode, Response response, Instant startedAt, long durationNanos);
    }

    private static final Logger LOG = LoggerFactory.getLogger(NodeDispatcher.class);
    private static final int TASK_PREVIEW_CHARS = 200;

    private final NodeRegistry registry;
    private final Router router;
    private final JsonlAudit audit;
    private final Observer observer;
    private final Remote remote;
    /** The longest node-supplied error kept in a dispatch record. */
    private final int maxStoredChars;
    /** Dispatch counts per minute of the last hour: [minute index][0 = all, 1 = failed]. */
    private final long[][] minutes = new long[60][2];
    private final long[] minuteStamp = new long[60];
    private final Clock clock;

    /**
     * Where dispatches go for nodes this gateway does not hold online: the other gateways of its cluster.
     * {@link #NONE} for a single gateway.
     */
    public interface Remote {
        /** No cluster: nothing is routed elsewhere, responses stay as they are. */
        Remote NONE = new Remote() {
            @Override
            public Optional<CompletableFuture<Response>> route(Request request, DispatchMode mode, Duration timeout) {
                return Optional.empty();
            }

            @Override
            public Response annotateLocal(Response r) {
                return r;
            }
        };

        /** The dispatch forwarded to the gateway that holds the node, or empty when no other gateway does. */
        Optional<CompletableFuture<Response>> route(Request request, DispatchMode mode, Duration timeout);

        /** Adds what a cluster says of a dispatch run here ({@code via_gateway}). */
        Response annotateLocal(Response r);
    }

    /**
     * @param maxStoredChars the longest node-supplied error kept in a dispatch record (the caller and the observer
     *                       still get the whole response)
     * @param remote         the other gateways, or {@link Remote#NONE}
     */
    public NodeDispatcher(NodeRegistry registry, Router router, JsonlAudit audit, Observer observer,
                          int maxStoredChars, Remote remote) {
        this(registry, router, audit, observer, maxStoredChars, remote, Clock.systemUTC());
    }

    /**
     * @param maxStoredChars the longest node-supplied error kept in a dispatch record (the caller and the observer
     *                       still get the whole response)
     * @param remote         the other gateways, or {@link Remote#NONE}
     * @param clock          the wall-clock time of each dispatch record ({@code time}, the observer's
     *                       {@code startedAt}) and of the per-minute counts; durations are measured with
     *                       {@link System#nanoTime()}
     */
    public NodeDispatcher(NodeRegistry registry, Router router, JsonlAudit audit, Observer observer,
                          int maxStoredChars, Remote remote, Clock clock) {
        this.clock = java.util.Objects.requireNonNull(clock, "clock");
        this.registry = registry;
        this.router = router;
        this.audit = audit;
        this.observer = observer;
        this.maxStoredChars = maxStoredChars;
        this.remote = remote;
    }

    /**
     * Dispatches: to a node this gateway holds, through the router; to a node another gateway of the cluster holds,
     * through that gateway. The future always completes normally within {@code timeout}.
     */
    public CompletableFuture<Response> dispatch(Request request, DispatchMode mode, Duration timeout) {
        return dispatch(request, mode, timeout, true);
    }

    /** Dispatches to a node this gateway holds, never forwarding (for requests other gateways forwarded here). */
    public CompletableFuture<Response> dispatchLocal(Request request, DispatchMode mode, Duration timeout) {
        return dispatch(request, mode, timeout, false);
    }

    private CompletableFuture<Response> dispatch(Request request, DispatchMode mode, Duration timeout,
                                                 boolean mayForward) {
        long started = System.nanoTime();
        Instant at = clock.instant();
        Response rejected = check(request);
        CompletableFuture<Response> result;
        if (rejected == null) {
            result = router.dispatch(request, mode, timeout).thenApply(remote::annotateLocal);
        } else if (mayForward && (ErrorCodes.NODE_NOT_FOUND.equals(rejected.code())
                || ErrorCodes.NODE_OFFLINE.equals(rejected.code()))) {
            result = remote.route(request, mode, timeout).orElse(CompletableFuture.completedFuture(rejected));
        } else {
            result = CompletableFuture.completedFuture(rejected);
        }
        return result.thenApply(r -> {
            record(at, request, mode, r, System.nanoTime() - started);
            return r;
        });
    }

    /** Recent dispatch records, newest first. */
    public List<Map<String, Object>> recent(int limit) {
        return audit.recent(limit);
    }

    /** Recent dispatch records of one node, newest first (searched among the newest kept in memory). */
    public List<Map<String, Object>> recent(int limit, String node) {
        if (node == null || node.isBlank()) {
            return audit.recent(limit);
        }
        return audit.recent(Integer.MAX_VALUE).stream().filter(r -> node.equals(r.get("node"))).limit(limit).toList();
    }

    /** {@code dispatches_last_hour} and {@code failures_last_hour}, counted exactly (not from the kept records). */
    public synchronized Map<String, Object> lastHour() {
        long now = clock.millis() / 60_000;
        long all = 0;
        long failed = 0;
        for (int i = 0; i < 60; i++) {
            if (now - minuteStamp[i] < 60) {
                all += minutes[i][0];
                failed += minutes[i][1];
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dispatches_last_hour", all);
        m.put("failures_last_hour", failed);
        return m;
    }

    private synchronized void count(boolean ok) {
        long minute = clock.millis() / 60_000;
        int i = (int) (minute % 60);
        if (minuteStamp[i] != minute) {
            minuteStamp[i] = minute;
            minutes[i][0] = 0;
            minutes[i][1] = 0;
        }
        minutes[i][0]++;
        if (!ok) {
            minutes[i][1]++;
        }
    }

    private Response check(Request request) {
        if (request.node() == null || request.node().isBlank()) {
            return Response.error(request, ErrorCodes.INVALID_REQUEST, "node id required");
        }
        if (request.action() == null || request.action().isBlank()) {
            return Response.error(request, ErrorCodes.INVALID_REQUEST, "action required");
        }
        Optional<NodeInfo> node = registry.get(request.node());
        if (node.isEmpty()) {
            return Response.error(request, ErrorCodes.NODE_NOT_FOUND, "node " + request.node() + " not found");
        }
        if (!node.get().online()) {
            return Response.error(request, ErrorCodes.NODE_OFFLINE, "node " + request.node() + " is offline");
        }
        if (!node.get().supports(request.action())) {
            return Response.error(request, ErrorCodes.UNSUPPORTED_ACTION,
                    "node " + request.node() + " does not support action " + request.action());
        }
        return null;
    }

    private void record(Instant at, Request request, DispatchMode mode, Response r, long durationNanos) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("time", UtcMillis.format(at));
        row.put("node", request.node());
        row.put("action", request.action());
        row.put("mode", mode.wire());
        row.put("ok", r.ok());
        // code and error may come from the node: bounded here, whole for the caller and the observer
        row.put("code", Clipped.text(r.code(), Clipped.CODE_CHARS));
        if (r.error() != null) {
            row.put("error", Clipped.text(r.error(), maxStoredChars));
        }
        Object used = r.payload().get("used_transport");
        if (used != null) {
            row.put("used_transport", used);
        }
        Object fallback = r.payload().get("fallback_from");
        if (fallback != null) {
            row.put("fallback_from", fallback);
        }
        Object via = r.payload().get("via_gateway");
        if (via != null) {
            row.put("via_gateway", via);
        }
        row.put("duration_ms", durationNanos / 1_000_000);
        if (request.traceparent() != null) {
            row.put("trace_id", request.traceId());
        }
        if (request.task() != null && !request.task().isEmpty()) {
            String t = request.task();
            row.put("task", t.length() > TASK_PREVIEW_CHARS ? t.substring(0, TASK_PREVIEW_CHARS) + "..." : t);
        }
        audit.append(row);
        count(r.ok());
        if (!r.ok()) {
            // no transport when the router refused before sending (node_offline, node_not_found, ...)
            LOG.info("dispatch {} to {} failed{}: {} {}", Clipped.forLog(request.action()),
                    Clipped.forLog(request.node()), used == null ? "" : " over " + Clipped.forLog(used.toString()),
                    Clipped.forLog(Clipped.text(r.code(), Clipped.CODE_CHARS)), Clipped.forLog(r.error()));
        }
        try {
            observer.onDispatch(request, mode, r, at, durationNanos);
        } catch (RuntimeException e) {
            LOG.warn("dispatch observer failed: {}", e.toString());
        }
    }
}
