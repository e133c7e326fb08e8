package io.clawgo.internal.node;

import io.clawgo.internal.http.EndpointClient;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.RequestHandler;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireSizes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs requests for the node: on a bounded pool ({@code maxConcurrent} threads of the given factory, by default
 * named {@code clawgo-node-exec-N}; a queue of {@code maxQueued}), each with a deadline. Every returned future
 * completes normally, with a failed {@link Response} for every failure: {@code node_busy} when saturated,
 * {@code timeout}, {@code remote_error} (the handler threw; only its message is kept), {@code endpoint_missing},
 * {@code payload_too_large}, or {@code transport_error} when the agent closes while the request is pending. With
 * {@code direct}, an in-process handler runs on the calling thread instead, without pool or deadline.
 */
final class RequestExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(RequestExecutor.class);

    /** Room kept below {@code maxMessageBytes} for the {@code node_response} envelope around a response. */
    static final int ENVELOPE_RESERVE = 512;
    /** Period of the request deadline sweep, in milliseconds. */
    static final long SWEEP_MILLIS = 20;

    private final String nodeId;
    private final RequestHandler handler;
    private final EndpointClient endpointClient;
    private final String endpoint;
    private final String nodeToken;
    private final Duration timeout;
    private final int maxMessageBytes;
    private final ThreadPoolExecutor pool;
    private final int maxConcurrent;
    private final int maxQueued;
    private final Map<CompletableFuture<Response>, Tracked> pending = new ConcurrentHashMap<>();
    private final long timeoutNanos;
    private final ScheduledFuture<?> sweeper;
    /** Run the handler on the calling (receiving) thread: see {@code NodeAgent.Builder#directHandler}. */
    private final boolean direct;
    private volatile boolean closed;
    /** Requests refused with {@code node_busy}. */
    private final java.util.concurrent.atomic.AtomicLong rejected = new java.util.concurrent.atomic.AtomicLong();

    RequestExecutor(String nodeId, RequestHandler handler, EndpointClient endpointClient, String endpoint,
                    String nodeToken, int maxConcurrent, int maxQueued, Duration timeout, int maxMessageBytes,
                    ScheduledExecutorService scheduler, boolean direct, ThreadFactory threads) {
        this.nodeId = nodeId;
        this.direct = direct && handler != null;
        this.handler = handler;
        this.endpointClient = endpointClient;
        this.endpoint = endpoint == null || endpoint.isBlank() ? null : endpoint.trim();
        this.nodeToken = nodeToken;
        this.timeout = timeout;
        this.maxMessageBytes = maxMessageBytes;
        this.maxConcurrent = maxConcurrent;
        this.maxQueued = maxQueued;
        BlockingQueue<Runnable> queue = maxQueued > 0 ? new ArrayBlockingQueue<>(maxQueued) : new SynchronousQueue<>();
        this.pool = new ThreadPoolExecutor(maxConcurrent, maxConcurrent, 30, TimeUnit.SECONDS, queue,
                threads, new ThreadPoolExecutor.AbortPolicy());
        this.pool.allowCoreThreadTimeOut(true);
        this.timeoutNanos = saturatedNanos(timeout);
        this.sweeper = scheduler.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    private static long saturatedNanos(Duration d) {
        try {
            return Math.min(d.toNanos(), Long.MAX_VALUE / 4);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }

    /** Accepts {@code request}; the future completes within the request timeout (or at close). */
    CompletableFuture<Response> execute(Request request) {
        CompletableFuture<Response> result = new CompletableFuture<>();
        if (request == null) {
            result.complete(new Response(false, ErrorCodes.INVALID_REQUEST, "request missing", nodeId, null, null));
            return result;
        }
        Request req = request.node() == null || request.node().isBlank() ? request.withNode(nodeId) : request;
        if (closed) {
            result.complete(Response.error(req, ErrorCodes.TRANSPORT_ERROR, "node agent is closed"));
            return result;
        }
        if (direct) {
            run(req, result); // on the receiving thread: no pool, no deadline (it could not interrupt anyway)
            return result;
        }
        Tracked tracked = new Tracked(req, System.nanoTime() + timeoutNanos);
        pending.put(result, tracked);
        result.whenComplete((r, e) -> {
            pending.remove(result);
            Future<?> task = tracked.task;
            if (task != null) {
                task.cancel(true);
            }
        });
        try {
            tracked.task = pool.submit(() -> run(req, result));
        } catch (RejectedExecutionException e) {
            if (!closed) {
                rejected.incrementAndGet();
            }
            result.complete(Response.error(req, ErrorCodes.NODE_BUSY, closed ? "node agent is closed"
                    : "node is busy: " + maxConcurrent + " requests running and " + maxQueued
                    + " queued (raise maxConcurrentRequests / maxQueuedRequests)"));
            return result;
        }
        if (result.isDone()) {
            tracked.task.cancel(true); // completed (timed out, closed) before the task was recorded
        }
        if (closed) {
            // closed between the check above and the registration: close() may not have seen this one
            result.complete(Response.error(req, ErrorCodes.TRANSPORT_ERROR, "node agent is closed"));
        }
        return result;
    }

    /** Requests waiting in the queue for a thread. */
    int queued() {
        return pool.getQueue().size();
    }

    /** Requests running on the pool now (approximate, as {@link ThreadPoolExecutor#getActiveCount()}). */
    int running() {
        return pool.getActiveCount();
    }

    /** Requests refused with {@code node_busy} because the pool and its queue were full. */
    long rejected() {
        return rejected.get();
    }

    /**
     * Expires request deadlines; runs every {@link #SWEEP_MILLIS} ms on the node's scheduler. One sweep instead of a
     * timer per request, which woke the timer thread on every request (precision: the sweep period).
     */
    private void sweep() {
        if (pending.isEmpty()) {
            return;
        }
        try {
            long now = System.nanoTime();
            pending.forEach((result, t) -> {
                if (now - t.deadlineAt >= 0 && result.complete(Response.error(t.request, ErrorCodes.TIMEOUT,
                        "request did not complete on the node within " + timeout.toMillis() + " ms"))) {
                    LOG.warn("node {}: request {} timed out after {} ms", nodeId, t.request.action(),
                            timeout.toMillis());
                }
            });
        } catch (RuntimeException e) {
            // a periodic task that throws is never run again: keep sweeping
            LOG.warn("node {}: request deadline sweep failed: {}", nodeId, e.toString());
        }
    }

    /** A request being run: its deadline and its task, cancelled when the result completes first. */
    private static final class Tracked {
        final Request request;
        final long deadlineAt;
        volatile Future<?> task;

        Tracked(Request request, long deadlineAt) {
            this.request = request;
            this.deadlineAt = deadlineAt;
        }
    }

    private void run(Request req, CompletableFuture<Response> result) {
        if (result.isDone()) {
            return;
        }
        Response r;
        CompletableFuture<Response> forwarded = null;
        try {
            if (handler != null) {
                r = handler.handle(req);
                if (r == null) {
                    r = Response.error(req, ErrorCodes.INVALID_RESPONSE, "the request handler returned no response");
                }
            } else if (endpoint != null) {
                forwarded = endpointClient.send(endpoint, nodeToken, req, timeout);
                r = forwarded.get();
            } else {
                r = Response.error(req, ErrorCodes.ENDPOINT_MISSING,
                        "node endpoint not configured and no in-process handler set");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (forwarded != null) {
                forwarded.cancel(false); // timed out or closed: the HTTP call to the endpoint ends too
            }
            result.complete(closed ? Response.error(req, ErrorCodes.TRANSPORT_ERROR, "node agent closed")
                    : Response.error(req, ErrorCodes.TIMEOUT, "request interrupted on the node"));
            return;
        } catch (ExecutionException e) {
            r = Response.error(req, ErrorCodes.TRANSPORT_ERROR, "forwarding to the endpoint failed: " + message(e));
        } catch (Throwable t) {
            if (!result.isDone()) {
                LOG.warn("node {}: handler failed for action {}: {}", nodeId, req.action(), t.toString());
                LOG.debug("handler failure", t);
            }
            r = Response.error(req, ErrorCodes.REMOTE_ERROR, message(t));
        }
        result.complete(normalize(req, r));
    }

    /** Backfills node and action and replaces a response too large for one frame. */
    Response normalize(Request req, Response r) {
        Response out = r.backfill(req);
        if (out.node() == null || out.node().isBlank()) {
            out = new Response(out.ok(), out.code(), out.error(), nodeId, out.action(), out.payload());
        }
        int limit = Math.max(0, maxMessageBytes - ENVELOPE_RESERVE);
        if (upperBound(out) <= limit) {
            return out; // certainly fits: no need to encode it only to measure it
        }
        long size = WireSizes.utf8Length(WireCodec.get().toJson(out));
        if (size > limit) {
            LOG.warn("node {}: response to {} is {} bytes, above the limit of {}; replaced by payload_too_large",
                    nodeId, req.action(), size, limit);
            out = new Response(false, ErrorCodes.PAYLOAD_TOO_LARGE, "response of " + size
                    + " bytes exceeds the node's message limit of " + limit + " bytes", out.node(), out.action(),
                    null);
        }
        return out;
    }

    /** An upper bound of the UTF-8 JSON size of {@code r}, without encoding it ({@code Long.MAX_VALUE}: unknown). */
    static long upperBound(Response r) {
        long n = 128;
        for (String f : new String[] {r.code(), r.error(), r.node(), r.action()}) {
            n += f == null ? 0 : bound(f);
        }
        return n + bound(r.payload(), 0);
    }

    private static long bound(String s) {
        return 2 + 6L * s.length(); // at worst every char becomes a six-character escape
    }

    private static long bound(Object v, int depth) {
        if (v == null || v instanceof Boolean) {
            return 5;
        }
        if (v instanceof String s) {
            return bound(s);
        }
        if (v instanceof Number) {
            return 32;
        }
        if (depth > 64) {
            return Long.MAX_VALUE / 4;
        }
        long n = 2;
        if (v instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                n += bound(String.valueOf(e.getKey())) + 1 + bound(e.getValue(), depth + 1) + 1;
                if (n > Long.MAX_VALUE / 8) {
                    return n;
                }
            }
            return n;
        }
        if (v instanceof java.util.Collection<?> c) {
            for (Object o : c) {
                n += bound(o, depth + 1) + 1;
                if (n > Long.MAX_VALUE / 8) {
                    return n;
                }
            }
            return n;
        }
        return Long.MAX_VALUE / 4; // an unknown object: measure it by encoding
    }

    private static String message(Throwable t) {
        Throwable c = t instanceof ExecutionException && t.getCause() != null ? t.getCause() : t;
        String m = c.getMessage();
        return m == null || m.isBlank() ? c.getClass().getSimpleName() : m;
    }

    /** Stops accepting work, interrupts running requests and fails every pending one. */
    void close() {
        closed = true;
        sweeper.cancel(false);
        List<Runnable> dropped = pool.shutdownNow();
        for (Map.Entry<CompletableFuture<Response>, Tracked> e : List.copyOf(pending.entrySet())) {
            e.getKey().complete(Response.error(e.getValue().request, ErrorCodes.TRANSPORT_ERROR,
                    "node agent closed"));
        }
        if (!dropped.isEmpty()) {
            LOG.debug("node {}: {} queued requests failed at close", nodeId, dropped.size());
        }
    }

    boolean awaitTermination(long millis) throws InterruptedException {
        return pool.awaitTermination(millis, TimeUnit.MILLISECONDS);
    }
}
