package io.clawgo.cluster.nats;

import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.Traceparent;
import io.clawgo.protocol.WireCodec;
import io.clawgo.spi.cluster.ClusterContext;
import io.clawgo.spi.cluster.DirectoryEntry;
import io.clawgo.spi.cluster.Forwarder;
import io.nats.client.Connection;
import io.nats.client.JetStreamStatusException;
import io.nats.client.Message;
import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Forwards dispatches as NATS requests to {@code clawgo.<cluster>.gw.<owner>.dispatch}, at most once: a request is
 * published once, and a reply that does not come is an error, never a retry.
 *
 * <p>Failures: no subscriber on the owner's subject (it is gone) is {@code node_offline} within a round trip; a
 * request whose owner stops heart-beating while it waits is {@code gateway_lost} at once; a request that outlives its
 * budget is {@code timeout} (or {@code gateway_lost} when the owner has gone meanwhile); a request sent while the
 * engine cannot be reached, or in flight when the connection drops, is {@code cluster_unavailable}.
 */
final class NatsForwarder implements Forwarder {
    /** Time granted past the caller's budget for the reply's trip back. */
    private static final Duration MARGIN = Duration.ofMillis(500);

    private final ClusterContext context;
    private final Subjects subjects;
    private final Supplier<Connection> connection;
    private final Predicate<String> alive;
    private final WireCodec codec = WireCodec.get();
    /** Requests in flight by target gateway, so that a gateway's death fails them at once. */
    private final Map<String, Set<CompletableFuture<Response>>> inFlight = new ConcurrentHashMap<>();

    NatsForwarder(ClusterContext context, Subjects subjects, Supplier<Connection> connection, Predicate<String> alive) {
        this.context = context;
        this.subjects = subjects;
        this.connection = connection;
        this.alive = alive;
    }

    @Override
    public CompletableFuture<Response> forward(DirectoryEntry target, Request request, DispatchMode mode,
                                               Duration budget) {
        Connection c = connection.get();
        if (c == null || c.getStatus() != Connection.Status.CONNECTED) {
            return done(Response.error(request, ErrorCodes.CLUSTER_UNAVAILABLE,
                    "node " + request.node() + " is connected to gateway " + target.gatewayId()
                            + ", which cannot be reached: the cluster engine is down"));
        }
        if (budget.isNegative() || budget.isZero()) {
            return done(Response.error(request, ErrorCodes.TIMEOUT, "no time left to forward the request"));
        }
        byte[] body = codec.toJsonBytes(request);
        long max = c.getMaxPayload() - Headers.OVERHEAD_BYTES;
        if (body.length > max) {
            return done(Response.error(request, ErrorCodes.PAYLOAD_TOO_LARGE, "request of " + body.length
                    + " bytes exceeds what the NATS server carries (max_payload " + c.getMaxPayload()
                    + "); raise max_payload above gateway.max_message_bytes (docs/cluster.md)"));
        }
        io.nats.client.impl.Headers h = new io.nats.client.impl.Headers()
                .add(Headers.MODE, mode.wire())
                .add(Headers.BUDGET_MS, Long.toString(Math.max(1, budget.toMillis())))
                .add(Headers.GENERATION, Long.toString(target.generation()))
                .add(Headers.FROM, context.gatewayId());
        if (request.traceparent() != null) {
            // the body carries it to the other gateway; the header is for NATS tools that look for trace context
            h.add(Traceparent.HEADER, request.traceparent());
        }
        Message m = NatsMessage.builder().subject(subjects.dispatch(target.gatewayId())).headers(h).data(body).build();
        CompletableFuture<Response> result = new CompletableFuture<>();
        String gw = target.gatewayId();
        Set<CompletableFuture<Response>> set = inFlight.computeIfAbsent(gw, k -> ConcurrentHashMap.newKeySet());
        set.add(result);
        CompletableFuture<Message> reply;
        try {
            reply = c.requestWithTimeout(m, budget.plus(MARGIN));
        } catch (RuntimeException e) {
            set.remove(result);
            return done(Response.error(request, ErrorCodes.CLUSTER_UNAVAILABLE, "cannot forward: " + e.getMessage()));
        }
        reply.whenComplete((msg, err) -> {
            set.remove(result);
            result.complete(err == null ? decode(request, msg) : failure(request, gw, err));
        });
        return result;
    }

    /** Fails every request in flight to {@code gatewayId} with {@code gateway_lost}. */
    void gatewayGone(String gatewayId) {
        Set<CompletableFuture<Response>> set = inFlight.remove(gatewayId);
        if (set != null) {
            for (CompletableFuture<Response> f : set) {
                f.complete(Response.error(ErrorCodes.GATEWAY_LOST, "gateway " + gatewayId
                        + " went away while it held the request; the node may or may not have run it"));
            }
        }
    }

    /** Fails every request in flight with {@code cluster_unavailable}: the connection dropped, replies are lost. */
    void connectionLost() {
        for (String gw : Set.copyOf(inFlight.keySet())) {
            Set<CompletableFuture<Response>> set = inFlight.remove(gw);
            if (set != null) {
                for (CompletableFuture<Response> f : set) {
                    f.complete(Response.error(ErrorCodes.CLUSTER_UNAVAILABLE, "the connection to the cluster engine "
                            + "dropped while gateway " + gw + " held the request; the node may or may not have run it"));
                }
            }
        }
    }

    private Response decode(Request request, Message msg) {
        if (msg.isStatusMessage()) {
            return Response.error(request, ErrorCodes.NODE_OFFLINE, "no gateway serves node " + request.node()
                    + " now (" + msg.getStatus() + ")");
        }
        try {
            Response r = codec.decode(new String(msg.getData(), StandardCharsets.UTF_8), Response.class,
                    Integer.MAX_VALUE);
            return r.backfill(request);
        } catch (Exception e) {
            return Response.error(request, ErrorCodes.INVALID_RESPONSE, "the owning gateway's answer cannot be read: "
                    + e.getMessage());
        }
    }

    private Response failure(Request request, String gw, Throwable err) {
        Throwable t = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        if (t instanceof JetStreamStatusException s && s.getStatus() != null && s.getStatus().isNoResponders()) {
            return Response.error(request, ErrorCodes.NODE_OFFLINE, "no gateway serves node " + request.node()
                    + " now (gateway " + gw + " is gone)");
        }
        if (t instanceof TimeoutException) {
            return alive.test(gw)
                    ? Response.error(request, ErrorCodes.TIMEOUT, "gateway " + gw + " did not answer in time")
                    : Response.error(request, ErrorCodes.GATEWAY_LOST, "gateway " + gw
                            + " went away while it held the request; the node may or may not have run it");
        }
        if (t instanceof CancellationException) {
            return Response.error(request, ErrorCodes.CLUSTER_UNAVAILABLE, "the request to gateway " + gw
                    + " was cancelled (connection to the cluster engine closed)");
        }
        return Response.error(request, ErrorCodes.CLUSTER_UNAVAILABLE, "forwarding to gateway " + gw + " failed: " + t);
    }

    private static CompletableFuture<Response> done(Response r) {
        return CompletableFuture.completedFuture(r);
    }
}
