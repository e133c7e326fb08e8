package io.clawgo.transport.webrtc;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creation and bounded shutdown of the transport's own thread pools (named daemon threads). */
final class Pools {
    private static final Logger LOG = LoggerFactory.getLogger(Pools.class);

    private Pools() {
    }

    /**
     * A cached pool of daemon threads named {@code <name>-N}: threads exist only while there is work (and 30 s after),
     * so idle transports hold no threads.
     */
    static ExecutorService cached(String name) {
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            // through SLF4J, not the JVM's default handler on System.err
            t.setUncaughtExceptionHandler((th, e) -> LOG.warn("uncaught in {}: {}", th.getName(), e.toString(), e));
            return t;
        });
    }

    /** Shuts down and waits at most {@code millis}, then interrupts what is left. */
    static void shutdown(ExecutorService pool, long millis) {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(millis, TimeUnit.MILLISECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
