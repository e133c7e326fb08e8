package io.clawgo.internal.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A part of the gateway that is not a Jetty {@code LifeCycle} of its own (a registry, a transport, a thread pool), as
 * a bean of {@link GatewayRuntime}'s container: what starting it does (often nothing: it started when it was made)
 * and what stopping it does ({@code close()}, or shutting down executors with a bounded wait).
 *
 * <p>Stopping never throws: a failure is logged at WARN with the component's name and the container goes on with the
 * next component, as a gateway's close always did. Starting throws what the start action throws; the container then
 * stops what started before it, and this component too (its stop action must cope with a half-done start). Jetty's
 * {@link AbstractLifeCycle} makes start and stop run once each, under its lock.
 */
final class Component extends AbstractLifeCycle {
    private static final Logger LOG = LoggerFactory.getLogger(Component.class);

    /** A start or stop step. */
    @FunctionalInterface
    interface Action {
        /** Runs the step. */
        void run() throws Exception;
    }

    private static final Action NOTHING = () -> { };

    private final String name;
    private final Action start;
    private final Action stop;

    private Component(String name, Action start, Action stop) {
        this.name = Objects.requireNonNull(name, "name");
        this.start = Objects.requireNonNull(start, "start");
        this.stop = Objects.requireNonNull(stop, "stop");
    }

    /** A component started by {@code start} and stopped by {@code stop}. */
    static Component of(String name, Action start, Action stop) {
        return new Component(name, start, stop);
    }

    /** A component already running (made and started by its constructor), stopped by its {@code close()}. */
    static Component closing(String name, AutoCloseable c) {
        Objects.requireNonNull(c, name);
        return new Component(name, NOTHING, c::close);
    }

    /**
     * Thread pools that finish what they hold: stopping shuts them all down (no new tasks) and then waits for them,
     * up to {@code await} in all; tasks still running after that finish on their own (the pools' threads are daemons
     * by default) and are logged at DEBUG.
     */
    static Component draining(String name, Duration await, List<? extends ExecutorService> pools) {
        List<? extends ExecutorService> all = List.copyOf(pools);
        return new Component(name, NOTHING, () -> {
            for (ExecutorService p : all) {
                p.shutdown();
            }
            long until = System.nanoTime() + await.toNanos();
            for (ExecutorService p : all) {
                if (!p.awaitTermination(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    // not dropped: a caller's continuation that never ran would be lost without a trace
                    LOG.debug("{}: tasks still running after close; they finish on their own threads", name);
                }
            }
        });
    }

    /**
     * A thread pool whose pending tasks are dropped when it stops ({@code shutdownNow}, running ones interrupted),
     * then awaited up to {@code await} ({@link Duration#ZERO}: not awaited).
     */
    static Component interrupting(String name, Duration await, ExecutorService pool) {
        Objects.requireNonNull(pool, name);
        return new Component(name, NOTHING, () -> {
            pool.shutdownNow();
            if (!await.isZero() && !pool.awaitTermination(await.toNanos(), TimeUnit.NANOSECONDS)) {
                LOG.debug("{}: threads still running {} ms after close", name, await.toMillis());
            }
        });
    }

    @Override
    protected void doStart() throws Exception {
        start.run();
    }

    @Override
    protected void doStop() {
        try {
            stop.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.debug("interrupted while closing {}", name);
        } catch (Exception e) {
            LOG.warn("closing {} failed: {}", name, e.toString());
        }
    }

    @Override
    public String toString() {
        return name + "{" + getState() + "}";
    }
}
