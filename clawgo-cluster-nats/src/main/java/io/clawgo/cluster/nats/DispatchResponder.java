package io.clawgo.cluster.nats;

import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireCodec;
import io.clawgo.spi.cluster.ClusterContext;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the dispatches other gateways forward to this one, and its own readiness probe. Runs a request only when
 * this gateway still holds the connection generation the caller meant; otherwise answers {@code node_moved} at once,
 * without running it.
 */
final class DispatchResponder {
    private static final Logger LOG = LoggerFactory.getLogger(DispatchResponder.class);

    private final ClusterContext context;
    private final Subjects subjects;
    private final NatsDirectory directory;
    private final WireCodec codec = WireCodec.get();

    DispatchResponder(ClusterContext context, Subjects subjects, NatsDirectory directory) {
        this.context = context;
        this.subjects = subjects;
        this.directory = directory;
    }

    /** Subscribes this gateway's subjects; jnats subscribes them again after every reconnect. */
    Dispatcher subscribe(Connection c) {
        Dispatcher d = c.createDispatcher(m -> handle(c, m));
        d.subscribe(subjects.dispatch(context.gatewayId()));
        d.subscribe(subjects.ping(context.gatewayId()));
        return d;
    }

    private void handle(Connection c, Message m) {
        if (m.getReplyTo() == null) {
            return;
        }
        if (m.getSubject().equals(subjects.ping(context.gatewayId()))) {
            c.publish(m.getReplyTo(), new byte[0]);
            return;
        }
        Request request;
        try {
            request = codec.decode(new String(m.getData(), StandardCharsets.UTF_8), Request.class, Integer.MAX_VALUE);
        } catch (Exception e) {
            reply(c, m, Response.error(ErrorCodes.INVALID_REQUEST, "forwarded request cannot be read: "
                    + e.getMessage()));
            return;
        }
        long budgetMs = header(m, Headers.BUDGET_MS, 0);
        long generation = header(m, Headers.GENERATION, -1);
        DispatchMode mode;
        try {
            mode = DispatchMode.parse(m.getHeaders() == null ? null : m.getHeaders().getFirst(Headers.MODE));
        } catch (IllegalArgumentException e) {
            reply(c, m, Response.error(request, ErrorCodes.INVALID_REQUEST, e.getMessage()));
            return;
        }
        String node = request.node() == null ? "" : request.node();
        long held = directory.heldGeneration(node);
        if (held == 0 || held != generation) {
            reply(c, m, Response.error(request, ErrorCodes.NODE_MOVED, "gateway " + context.gatewayId()
                    + " does not hold this connection of node " + node + " (generation " + generation + ", held "
                    + held + ")"));
            return;
        }
        if (budgetMs <= 0) {
            reply(c, m, Response.error(request, ErrorCodes.TIMEOUT, "no time left"));
            return;
        }
        context.dispatchHere(request, mode, Duration.ofMillis(budgetMs))
                .whenComplete((r, err) -> reply(c, m, err == null ? r
                        : Response.error(request, ErrorCodes.TRANSPORT_ERROR, String.valueOf(err))));
    }

    private void reply(Connection c, Message m, Response r) {
        byte[] body = codec.toJsonBytes(r);
        long max = c.getMaxPayload() - Headers.OVERHEAD_BYTES;
        if (body.length > max) {
            LOG.warn("cluster: answer of {} bytes for node {} exceeds the NATS server's max_payload {}; raise it above "
                    + "gateway.max_message_bytes", body.length, r.node(), c.getMaxPayload());
            body = codec.toJsonBytes(new Response(false, ErrorCodes.PAYLOAD_TOO_LARGE, "the node's answer of "
                    + body.length + " bytes exceeds what the NATS server carries (max_payload " + c.getMaxPayload()
                    + ")", r.node(), r.action(), null));
        }
        try {
            c.publish(m.getReplyTo(), body);
        } catch (RuntimeException e) {
            LOG.debug("cluster: reply lost: {}", e.toString());
        }
    }

    private static long header(Message m, String name, long def) {
        String v = m.getHeaders() == null ? null : m.getHeaders().getFirst(name);
        if (v == null) {
            return def;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return def;
        }
    }
}
