package io.clawgo.internal.concurrent;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Daemon threads named {@code <prefix>N}, N from 1; an uncaught exception is logged, never printed. */
public final class NamedThreadFactory implements ThreadFactory {
    private static final Logger LOG = LoggerFactory.getLogger(NamedThreadFactory.class);

    private final String prefix;
    private final AtomicInteger next = new AtomicInteger(1);

    /** @param prefix the thread name before the number, for example {@code clawgo-callback-} */
    public NamedThreadFactory(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public Thread newThread(Runnable r) {
        Thread t = new Thread(r, prefix + next.getAndIncrement());
        t.setDaemon(true);
        t.setUncaughtExceptionHandler((th, e) -> LOG.error("uncaught exception in {}", th.getName(), e));
        return t;
    }
}
