package io.clawgo.cluster.nats;

import io.clawgo.spi.cluster.ClusterBackend;
import io.clawgo.spi.cluster.ClusterContext;
import io.clawgo.spi.cluster.ClusterHealth;
import io.clawgo.spi.cluster.Forwarder;
import io.clawgo.spi.cluster.NodeDirectory;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gateway's member of a NATS cluster: the connection (kept up by jnats, reconnecting without end), the directory,
 * the forwarder and the responder, a heartbeat, and a readiness probe that goes through the server.
 *
 * <p>On every (re)connect the directory watches the bucket again and republishes this gateway's nodes; while
 * disconnected, forwarded dispatches fail fast with {@code cluster_unavailable} and the gateway serves its own nodes.
 */
final class NatsCluster implements ClusterBackend {
    private static final Logger LOG = LoggerFactory.getLogger(NatsCluster.class);
    /** How long start() waits for a first connection before it lets the gateway start and keeps trying. */
    private static final Duration FIRST_CONNECT_WAIT = Duration.ofSeconds(3);

    private final ClusterContext context;
    private final NatsSettings settings;
    private final Subjects subjects;
    private final NatsDirectory directory;
    private final NatsForwarder forwarder;
    private final DispatchResponder responder;
    private final CompletableFuture<Void> firstAttach = new CompletableFuture<>();
    /** Attaches the directory off jnats's own threads, one (re)connect at a time. */
    private final ExecutorService attacher = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "clawgo-cluster-attach");
        t.setDaemon(true);
        return t;
    });
    private volatile Connection connection;
    private volatile boolean subscribed;
    /** An attach is queued or running: ticks do not queue more while one waits for the engine. */
    private final java.util.concurrent.atomic.AtomicBoolean attaching = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile long lastProbeOkNanos;
    private volatile String lastProblem = "not connected yet";
    private ScheduledFuture<?> ticker;
    private volatile boolean closed;

    NatsCluster(ClusterContext context, NatsSettings settings) {
        this.context = context;
        this.settings = settings;
        this.subjects = new Subjects(context.clusterName());
        this.forwarder = new NatsForwarder(context, subjects, () -> connection, this::alive);
        this.directory = new NatsDirectory(context, subjects, settings, forwarder::gatewayGone);
        this.responder = new DispatchResponder(context, subjects, directory);
    }

    @Override
    public void start() throws Exception {
        ConnectionListener connections = (conn, event) -> onEvent(conn, event);
        ErrorListener errors = new ErrorListener() {
            @Override
            public void errorOccurred(Connection conn, String error) {
                lastProblem = error;
                LOG.warn("cluster: NATS error: {}", error);
            }

            @Override
            public void exceptionOccurred(Connection conn, Exception exp) {
                LOG.debug("cluster: NATS exception: {}", exp.toString());
            }

            @Override
            public void slowConsumerDetected(Connection conn, Consumer consumer) {
                LOG.warn("cluster: a NATS subscription of this gateway is a slow consumer; messages were dropped");
            }
        };
        Nats.connectAsynchronously(settings.options("clawgo-gateway-" + context.gatewayId(), connections, errors),
                true);
        long period = settings.heartbeat().toMillis();
        ticker = context.scheduler().scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
        try {
            firstAttach.get(FIRST_CONNECT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn("cluster: NATS at {} not reachable yet ({}); serving local nodes and retrying",
                    settings.servers(), lastProblem);
        }
    }

    private void onEvent(Connection conn, ConnectionListener.Events event) {
        if (closed) {
            closeQuietly(conn); // connected after close(): the background connect must not live on
            return;
        }
        // every event carries the connection, even the failed attempts before the first connect: keep it so that
        // close() can stop those attempts
        connection = conn;
        switch (event) {
            case CONNECTED, RECONNECTED, RESUBSCRIBED -> {
                if (event != ConnectionListener.Events.RESUBSCRIBED) {
                    LOG.info("cluster: {} to NATS {} as gateway {}", event == ConnectionListener.Events.CONNECTED
                            ? "connected" : "reconnected", conn.getConnectedUrl(), context.gatewayId());
                    scheduleAttach(conn);
                }
            }
            case DISCONNECTED -> {
                lastProblem = "disconnected from NATS";
                LOG.warn("cluster: disconnected from NATS; cross-gateway dispatches fail with cluster_unavailable "
                        + "until it is back");
                directory.detach();
                forwarder.connectionLost();
            }
            case CLOSED -> directory.detach();
            default -> LOG.debug("cluster: NATS event {}", event);
        }
    }

    private void scheduleAttach(Connection conn) {
        if (attaching.compareAndSet(false, true)) {
            try {
                attacher.execute(() -> {
                    try {
                        attach(conn);
                    } finally {
                        attaching.set(false);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                attaching.set(false); // closed
            }
        }
    }

    private void attach(Connection conn) {
        if (closed) {
            return;
        }
        try {
            long needed = (long) context.maxMessageBytes() + Headers.OVERHEAD_BYTES + 64 * 1024;
            if (conn.getMaxPayload() < needed) {
                LOG.warn("cluster: the NATS server's max_payload is {} bytes, below gateway.max_message_bytes {}: "
                        + "larger cross-gateway messages fail with payload_too_large. Set max_payload to at least {} "
                        + "in the server's configuration", conn.getMaxPayload(), context.maxMessageBytes(), needed);
            }
            if (!subscribed) {
                responder.subscribe(conn);
                subscribed = true;
            }
            directory.attach(conn);
            probe();
            firstAttach.complete(null);
        } catch (Exception e) {
            lastProblem = "cannot use JetStream key-value bucket " + subjects.bucket() + ": " + e;
            LOG.warn("cluster: {} (is JetStream enabled on the NATS server?); retrying at the next heartbeat",
                    lastProblem);
        }
    }

    private void tick() {
        Connection c = connection;
        if (closed || c == null) {
            return;
        }
        if (c.getStatus() == Connection.Status.CONNECTED && !directory.watching()) {
            scheduleAttach(c);
            return;
        }
        directory.heartbeat();
        probe();
    }

    /** A round trip through the server to this gateway's own subject: proves the route works, not just the socket. */
    private void probe() {
        Connection c = connection;
        if (c == null || c.getStatus() != Connection.Status.CONNECTED) {
            return;
        }
        c.requestWithTimeout(subjects.ping(context.gatewayId()), new byte[0], settings.heartbeat())
                .whenComplete((m, err) -> {
                    if (err == null && !m.isStatusMessage()) {
                        lastProbeOkNanos = System.nanoTime();
                    } else {
                        lastProblem = "probe through NATS failed: " + (err == null ? m.getStatus() : err);
                    }
                });
    }

    private static void closeQuietly(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.debug("cluster: closing the NATS connection: {}", e.toString());
        }
    }

    private boolean alive(String gatewayId) {
        return directory.alive(gatewayId);
    }

    @Override
    public NodeDirectory directory() {
        return directory;
    }

    @Override
    public Forwarder forwarder() {
        return forwarder;
    }

    @Override
    public ClusterHealth health() {
        Connection c = connection;
        if (c == null || c.getStatus() != Connection.Status.CONNECTED) {
            return new ClusterHealth(false, "nats: " + lastProblem);
        }
        if (!directory.watching()) {
            return new ClusterHealth(false, "nats: directory not watched yet: " + lastProblem);
        }
        long age = System.nanoTime() - lastProbeOkNanos;
        if (lastProbeOkNanos == 0 || age > settings.deadAfter().toNanos()) {
            return new ClusterHealth(false, "nats: " + lastProblem);
        }
        return new ClusterHealth(true, "nats: connected to " + c.getConnectedUrl() + " as gateway "
                + context.gatewayId());
    }

    @Override
    public void close() {
        closed = true;
        if (ticker != null) {
            ticker.cancel(false);
        }
        directory.leave();
        closeQuietly(connection);
        forwarder.connectionLost();
        directory.close();
        attacher.shutdownNow();
    }
}
