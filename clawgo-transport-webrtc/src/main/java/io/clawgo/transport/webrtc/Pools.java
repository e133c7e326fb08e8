package io.clawgo.transport.webrtc;

import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creation and bounded shutdown of the transport's own thread pools: named daemon threads, or on the gateway the
 * threads of the application's factory ({@code Gateway.Builder.threadFactory}, {@code GatewayContext.threadFactory()})
 * when it gave one.
 */
final class Pools {
    private static final Logger LOG = LoggerFactory.getLogger(Pools.class);

    private Pools() {
    }

    /** Threads of a {@link #fixed} pool: at least 4, at most 16, else one per core. */
    static final int FIXED_THREADS = Math.max(4, Math.min(16, Runtime.getRuntime().availableProcessors()));

    /**
     * A cached pool of daemon threads named {@code <name>-N}: threads exist only while there is work (and 30 s after),
     * so idle transports hold no threads. Only for work whose amount is bounded elsewhere (the writers' drains: one
     * per link at a time).
     */
    static ExecutorService cached(String name) {
        return cached(name, Optional.empty());
    }

    /** As {@link #cached(String)}, its threads made by {@code given} when the application gave a factory. */
    static ExecutorService cached(String name, Optional<ThreadFactory> given) {
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                given.orElseGet(() -> factory(name)));
    }

    /**
     * At most {@link #FIXED_THREADS} daemon threads named {@code <name>-N}, which end after 30 s without work, and an
     * unbounded queue: a flood of peer messages queues (their bytes are already in memory) instead of starting a
     * thread each, and nothing is ever rejected before shutdown. Its tasks must not wait for one another.
     */
    static ExecutorService fixed(String name) {
        return fixed(name, Optional.empty());
    }

    /** As {@link #fixed(String)}, its threads made by {@code given} when the application gave a factory. */
    static ExecutorService fixed(String name, Optional<ThreadFactory> given) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(FIXED_THREADS, FIXED_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), given.orElseGet(() -> factory(name)));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private static ThreadFactory factory(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            // through SLF4J, not the JVM's default handler on System.err
            t.setUncaughtExceptionHandler((th, e) -> LOG.warn("uncaught in {}: {}", th.getName(), e.toString(), e));
            return t;
        };
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
