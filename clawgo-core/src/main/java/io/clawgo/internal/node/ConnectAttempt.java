package io.clawgo.internal.node;

import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.WireAck;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireMessage;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt of a node to connect to one gateway, run once with {@link #run()}, which returns how it went as a value:
 * {@link Connected} with a registered {@link GatewayConnection}, or {@link Failed} with the reason and what kind of
 * refusal it was. The steps:
 *
 * <ol>
 *   <li>{@code POST /nodes/register} over REST (the REST client's deadline, plus 5 s for a call stuck in the
 *       dispatcher's queue);</li>
 *   <li>open the control WebSocket ({@link #OPEN_TIMEOUT});</li>
 *   <li>send the {@code register} frame on it and wait for the {@code registered} ack (the settings' register
 *       timeout).</li>
 * </ol>
 *
 * <p>No outcome is fatal: the node retries every failure after its backoff ({@link Refusal#UNAUTHORIZED} after the
 * largest delay), so that a node outlives a gateway that is down, full or misconfigured for a while.
 *
 * <p>Threads: {@link #run()} blocks the calling thread (the node's connection loop) and is interruptible; an interrupt
 * ends the attempt's connection and is rethrown. On every outcome but {@link Connected} the attempt has ended its
 * connection itself (a graceful close when the node is closing) and told the {@link Node}; on {@link Connected} the
 * caller owns the connection.
 */
final class ConnectAttempt {
    /** The node runtime's logger: the node's log lines keep the category they had before the split. */
    private static final Logger LOG = LoggerFactory.getLogger(NodeRuntime.class);

    /** How long the WebSocket upgrade may take. */
    static final Duration OPEN_TIMEOUT = Duration.ofSeconds(15);
    /** What a REST call stuck in the dispatcher's queue adds to the REST client's own deadline. */
    private static final long QUEUE_GRACE_MILLIS = 5_000;

    /** What the attempt needs from the node it runs for. */
    interface Node {
        /** A new connection (not open yet), made the node's current one. */
        GatewayConnection newConnection();

        /** The attempt gave {@code connection} up (it ended); it is no longer the node's current one. */
        void abandoned(GatewayConnection connection);

        /** Whether the node is closing. */
        boolean closing();
    }

    /** How an attempt went. */
    sealed interface Outcome permits Connected, Failed {
    }

    /**
     * Connected and registered.
     *
     * @param connection the open, registered connection, owned by the caller from now
     */
    record Connected(GatewayConnection connection) implements Outcome {
    }

    /**
     * Not connected; the node retries after its backoff.
     *
     * @param reason  human text: the gateway's error, a transport failure, a deadline
     * @param refusal whether and how the gateway refused the node
     */
    record Failed(String reason, Refusal refusal) implements Outcome {
        /** @throws NullPointerException when an argument is null */
        Failed {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(refusal, "refusal");
        }

        /** Whether the gateway answered and refused (what {@code onRegistrationFailed} reports). */
        boolean rejected() {
            return refusal != Refusal.NONE;
        }
    }

    /** Whether and how the gateway refused an attempt. */
    enum Refusal {
        /** No refusal: the gateway could not be reached, did not answer in time, or the socket ended. */
        NONE,
        /** The gateway refused the registration (HTTP non-2xx, a refused upgrade, an error ack). */
        REJECTED,
        /** The gateway rejected the token (HTTP 401, over REST or at the upgrade): retried after the largest delay. */
        UNAUTHORIZED,
        /** The gateway is full ({@code too_many_nodes}): a transient refusal, retried as any failure. */
        GATEWAY_FULL
    }

    private final NodeSettings settings;
    private final GatewayRestClient rest;
    private final ControlSocketClient sockets;
    private final String gatewayUrl;
    private final Supplier<NodeInfo> registration;
    private final Node node;
    private final WireCodec codec = WireCodec.get();

    /**
     * @param settings     the node's settings (gateway token, register timeout)
     * @param rest         the REST client of the gateway to try
     * @param sockets      opens the control socket
     * @param gatewayUrl   the base URL of that gateway (the socket goes to its {@code /nodes/connect})
     * @param registration what to register (asked once for the REST call and once for the frame)
     * @param node         the node the attempt runs for
     */
    ConnectAttempt(NodeSettings settings, GatewayRestClient rest, ControlSocketClient sockets, String gatewayUrl,
                   Supplier<NodeInfo> registration, Node node) {
        this.settings = settings;
        this.rest = rest;
        this.sockets = sockets;
        this.gatewayUrl = gatewayUrl;
        this.registration = registration;
        this.node = node;
    }

    /**
     * Runs the attempt.
     *
     * @return {@link Connected} or {@link Failed}
     * @throws InterruptedException when the thread is interrupted (the node is closing)
     */
    Outcome run() throws InterruptedException {
        Failed refusedOverRest = registerOverRest();
        if (refusedOverRest != null) {
            return refusedOverRest;
        }
        return openAndRegister();
    }

    /** Step 1, {@code POST /nodes/register}: {@code null} when accepted, else the failure. */
    private Failed registerOverRest() throws InterruptedException {
        CompletableFuture<Map<String, Object>> reg = rest.postJsonAsync("/nodes/register", registration.get());
        try {
            // the call has its own deadline; this bound also covers a call stuck in the dispatcher's queue
            reg.get(rest.timeout().toMillis() + QUEUE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            return null;
        } catch (InterruptedException e) {
            reg.cancel(true);
            throw e;
        } catch (TimeoutException e) {
            reg.cancel(true);
            return new Failed("registration: no answer from the gateway within " + rest.timeout().toSeconds()
                    + " s", Refusal.NONE);
        } catch (ExecutionException | CancellationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof GatewayHttpException ge) {
                boolean rejected = ge.status() != 0;
                if (ErrorCodes.TOO_MANY_NODES.equals(ge.code())) {
                    return new Failed(ge.getMessage(), Refusal.GATEWAY_FULL);
                }
                return new Failed(ge.getMessage(), ge.unauthorized() ? Refusal.UNAUTHORIZED
                        : rejected ? Refusal.REJECTED : Refusal.NONE);
            }
            return new Failed("registration failed: " + cause, Refusal.NONE);
        }
    }

    /** Steps 2 and 3: the control socket, and the registration on it. */
    private Outcome openAndRegister() throws InterruptedException {
        GatewayConnection conn = node.newConnection();
        String endReason = null;
        boolean connected = false;
        try {
            // 2. Control socket.
            conn.open(sockets, NodeSettings.connectUrl(gatewayUrl), settings.gatewayToken());
            if (!waitFor(conn.opened, conn, OPEN_TIMEOUT)) {
                conn.fail("websocket not open within " + OPEN_TIMEOUT.toSeconds() + " s");
            }
            if (conn.isEnded()) {
                String reason = conn.ended.getNow("closed");
                int status = conn.endStatus;
                return new Failed(reason, status == 401 ? Refusal.UNAUTHORIZED
                        : status != 0 ? Refusal.REJECTED : Refusal.NONE);
            }

            // 3. Register on the socket.
            if (!conn.send(codec.toJson(WireMessage.register(registration.get())))) {
                conn.refused("register frame");
                try {
                    conn.ended.get(GatewayConnection.REFUSED_SEND_GRACE_MILLIS + 1000, TimeUnit.MILLISECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    // the reason below says what is known
                }
                return new Failed(conn.ended.getNow("register frame could not be queued"), Refusal.NONE);
            }
            if (!waitFor(conn.registerAck, conn, settings.registerTimeout())) {
                conn.fail("no registered ack within " + settings.registerTimeout().toMillis() + " ms");
            }
            WireAck ack = conn.registerAck.getNow(null);
            if (ack != null && !ack.ok()) {
                String error = "registration rejected by the gateway: "
                        + FrameRouter.blankTo(ack.error(), "unknown error");
                conn.rejectAndClose(error);
                if (ack.error() != null && ack.error().startsWith(ErrorCodes.TOO_MANY_NODES + ":")) {
                    return new Failed(error, Refusal.GATEWAY_FULL);
                }
                return new Failed(error, Refusal.REJECTED);
            }
            if (ack == null || conn.isEnded()) {
                return new Failed(conn.ended.getNow("closed"), Refusal.NONE);
            }
            connected = true;
            return new Connected(conn);
        } catch (InterruptedException e) {
            endReason = "node closing";
            throw e;
        } catch (RuntimeException e) {
            endReason = "connection error: " + e;
            LOG.warn("node {}: unexpected error on the control connection", settings.nodeId(), e);
            conn.fail(endReason);
            return new Failed(endReason, Refusal.NONE);
        } finally {
            if (!connected) {
                if (node.closing()) {
                    conn.closeGracefully("node closing");
                } else if (!conn.isEnded()) {
                    conn.fail(endReason == null ? "connection abandoned" : endReason);
                }
                node.abandoned(conn);
            }
        }
    }

    /** Waits for {@code f} or the end of {@code conn}; {@code false} on timeout. */
    private static boolean waitFor(CompletableFuture<?> f, GatewayConnection conn, Duration timeout)
            throws InterruptedException {
        try {
            CompletableFuture.anyOf(f, conn.ended).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }
}
