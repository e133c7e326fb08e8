package io.clawgo.internal.transport;

import io.clawgo.protocol.DispatchMode;
import io.clawgo.config.DispatchPolicy;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.spi.GatewayTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Picks the transport of one dispatch and annotates the response payload with {@code dispatch_mode},
 * {@code used_transport} and, after a fallback, {@code fallback_from}.
 *
 * <p>In {@code auto} mode the relay is tried only when the P2P attempt failed before the node ran the request
 * ({@link ErrorCodes#P2P_TRANSPORT_FAILURES}); an application error from the node is returned as is, so a
 * non-idempotent action never runs twice. The whole dispatch, fallback included, ends within the given timeout.
 *
 * <p>Transports may complete on any thread, a socket reader included: what runs there is this class's bookkeeping.
 * A fallback attempt is the exception, because the next transport's {@code send} may take its time: it starts on the
 * fallback executor.
 */
public final class Router implements AutoCloseable {
    /** Precision of the guard that ends a dispatch whose transport does not answer within its timeout. */
    private static final long GUARD_SWEEP_MILLIS = 250;

    private final List<GatewayTransport> p2p;
    private final GatewayTransport relay;
    private final DispatchPolicy policy;
    private final DeadlineGuard guard;
    private final Executor fallbacks;
    /** Requests handed to each transport and not answered yet, by transport (fixed at construction). */
    private final java.util.IdentityHashMap<GatewayTransport, java.util.concurrent.atomic.AtomicInteger> inFlight =
            new java.util.IdentityHashMap<>();

    /**
     * @param p2p    P2P transports in order of preference (the configured one first, then fallbacks such as the
     *               tunnel behind webrtc); empty when P2P is disabled
     * @param relay  the relay transport (never {@code null})
     * @param policy    fallback policy
     * @param scheduler runs the sweep of the guard against transports that never answer
     * @param fallbacks starts the attempts after a P2P transport failure (a task it refuses runs at once)
     */
    public Router(List<GatewayTransport> p2p, GatewayTransport relay, DispatchPolicy policy,
                  ScheduledExecutorService scheduler, Executor fallbacks) {
        this.p2p = List.copyOf(p2p);
        this.relay = relay;
        this.policy = policy;
        this.guard = new DeadlineGuard(scheduler, GUARD_SWEEP_MILLIS);
        this.fallbacks = NeverRejecting.wrap(fallbacks);
        for (GatewayTransport t : this.p2p) {
            inFlight.put(t, new java.util.concurrent.atomic.AtomicInteger());
        }
        inFlight.put(relay, new java.util.concurrent.atomic.AtomicInteger());
    }

    /**
     * Requests in flight on each transport: handed to its {@code send} and not answered yet (nor given up by the
     * guard), in the order of preference, the relay last.
     */
    public java.util.Map<String, Integer> inFlight() {
        java.util.Map<String, Integer> out = new LinkedHashMap<>();
        for (GatewayTransport t : p2p) {
            out.merge(t.name(), inFlight.get(t).get(), Integer::sum);
        }
        out.merge(relay.name(), inFlight.get(relay).get(), Integer::sum);
        return out;
    }

    /** Stops the guard's sweep; the transports are closed by their owner. */
    @Override
    public void close() {
        guard.close();
    }

    /** Dispatches {@code request}; the future always completes normally within {@code timeout}. */
    public CompletableFuture<Response> dispatch(Request request, DispatchMode mode, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        return switch (mode) {
            case RELAY -> send(relay, request, timeout).thenApply(r -> annotate(r, mode, relay.name(), null));
            case P2P -> p2p.isEmpty()
                    ? CompletableFuture.completedFuture(annotate(Response.error(request, ErrorCodes.P2P_UNAVAILABLE,
                            "P2P is disabled on this gateway"), mode, null, null))
                    : chain(request, mode, p2p, deadline, null, null);
            case AUTO -> {
                List<GatewayTransport> order = new ArrayList<>();
                if (policy.preferP2p()) {
                    order.addAll(p2p);
                }
                if (order.isEmpty() || policy.allowRelayFallback()) {
                    order.add(relay);
                }
                yield chain(request, mode, order, deadline, null, null);
            }
        };
    }

    /**
     * Tries {@code order} in turn, moving on only after a P2P transport failure (the node did not run the request).
     */
    private CompletableFuture<Response> chain(Request request, DispatchMode mode, List<GatewayTransport> order,
                                              long deadline, String firstFailed, Response lastFailure) {
        GatewayTransport t = order.get(0);
        return send(t, request, remaining(deadline)).thenCompose(r -> {
            boolean transportFailure = !r.ok() && ErrorCodes.P2P_TRANSPORT_FAILURES.contains(r.code());
            boolean more = order.size() > 1 && !remaining(deadline).isZero();
            if (transportFailure && more) {
                String from = firstFailed == null ? t.name() : firstFailed;
                return CompletableFuture.supplyAsync(() -> chain(request, mode, order.subList(1, order.size()),
                        deadline, from, r), fallbacks).thenCompose(next -> next);
            }
            Response annotated = annotate(r, mode, t.name(), firstFailed);
            if (!r.ok() && lastFailure != null && lastFailure.error() != null) {
                // keep why the P2P attempt failed next to this failure
                Map<String, Object> extra = new LinkedHashMap<>();
                extra.put("p2p_error", lastFailure.error());
                annotated = annotated.withPayloadEntries(extra);
            }
            return CompletableFuture.completedFuture(annotated);
        });
    }

    private static Duration remaining(long deadline) {
        long left = deadline - System.nanoTime();
        return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
    }

    /** Calls {@code t.send}, turning exceptions and late answers into failed responses. */
    private CompletableFuture<Response> send(GatewayTransport t, Request request, Duration timeout) {
        CompletableFuture<Response> out;
        java.util.concurrent.atomic.AtomicInteger counter = inFlight.get(t);
        counter.incrementAndGet();
        try {
            CompletionStage<Response> stage = t.send(request, timeout);
            out = stage == null ? CompletableFuture.failedFuture(new IllegalStateException("send returned null"))
                    : stage.toCompletableFuture();
        } catch (RuntimeException e) {
            out = CompletableFuture.failedFuture(e);
        }
        // a guard one second past the deadline, in case a transport breaks its contract
        long guardAt = System.nanoTime() + timeout.toNanos() + TimeUnit.SECONDS.toNanos(1);
        return guard.watch(out.copy(), guardAt, () -> Response.error(request, ErrorCodes.TIMEOUT,
                        t.name() + " did not answer within " + timeout.toMillis() + " ms"))
                .handle((r, e) -> {
                    counter.decrementAndGet();
                    if (e != null) {
                        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                                ? e.getCause() : e;
                        return Response.error(request, ErrorCodes.TRANSPORT_ERROR,
                                t.name() + " failed: " + cause.getMessage());
                    }
                    return r == null ? Response.error(request, ErrorCodes.INVALID_RESPONSE,
                            t.name() + " returned no response") : r.backfill(request);
                });
    }

    private static Response annotate(Response r, DispatchMode mode, String used, String fallbackFrom) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("dispatch_mode", mode.wire());
        if (used != null) {
            extra.put("used_transport", used);
        }
        if (fallbackFrom != null) {
            extra.put("fallback_from", fallbackFrom);
        }
        return r.withPayloadEntries(extra);
    }
}
