package io.clawgo.internal.gateway;

import io.clawgo.spi.cluster.ClusterBackend;
import io.clawgo.spi.cluster.ClusterContext;
import io.clawgo.spi.cluster.ClusterHealth;
import io.clawgo.spi.cluster.ClusterProvider;
import io.clawgo.spi.cluster.Forwarder;
import io.clawgo.spi.cluster.NodeDirectory;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A cluster provider ({@value #NAME}) whose backend fails to start half-way: it starts an engine thread
 * ({@value #ENGINE_THREAD}), then throws. Only on the class path through
 * {@link io.clawgo.testing.ExtraServices#loader}. The cluster member starts last, so its failure comes when every other
 * part of the gateway runs.
 */
public final class BrokenClusterProvider extends ClusterProvider {
    /** The provider's name. */
    public static final String NAME = "broken-test";
    /** The name of the thread the backend leaves running when its start fails. */
    public static final String ENGINE_THREAD = "broken-cluster-engine";
    /** The last backend made. */
    public static final AtomicReference<Backend> LAST = new AtomicReference<>();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ClusterBackend create(ClusterContext context) {
        Backend b = new Backend();
        LAST.set(b);
        return b;
    }

    /** Starts its engine thread, then refuses to start; {@link #close()} stops the thread. */
    public static final class Backend implements ClusterBackend {
        private volatile Thread engine;
        /** Whether {@link #close()} was called. */
        public volatile boolean closed;

        @Override
        public void start() throws Exception {
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    // closed
                }
            }, ENGINE_THREAD);
            t.setDaemon(true);
            t.start();
            engine = t;
            throw new IOException("the cluster engine refused our credentials");
        }

        @Override
        public NodeDirectory directory() {
            throw new IllegalStateException("not started");
        }

        @Override
        public Forwarder forwarder() {
            throw new IllegalStateException("not started");
        }

        @Override
        public ClusterHealth health() {
            return new ClusterHealth(false, "broken");
        }

        @Override
        public void close() {
            closed = true;
            Thread t = engine;
            if (t != null) {
                t.interrupt();
            }
        }
    }
}
