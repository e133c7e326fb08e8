package io.clawgo.transport.webrtc;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a shared pool. Used to move work off webrtc's native signalling
 * thread while keeping the events of one peer connection in order. A task that throws is logged; the next one runs.
 */
final class SerialExecutor implements Executor {
    private static final Logger LOG = LoggerFactory.getLogger(SerialExecutor.class);

    private final Executor pool;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    SerialExecutor(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (tasks) {
            tasks.add(task);
            if (running) {
                return;
            }
            running = true;
        }
        try {
            pool.execute(this::drain);
        } catch (RejectedExecutionException e) {
            synchronized (tasks) {
                tasks.clear();
                running = false;
            }
            LOG.debug("dropping tasks: the pool is shut down");
        } catch (Error e) {
            // no thread could be started (e.g. "unable to create native thread"): keep the tasks, and let the next
            // execute() try again instead of leaving this executor marked running forever
            synchronized (tasks) {
                running = false;
            }
            LOG.warn("could not start a webrtc task: {}", e.toString());
        }
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (tasks) {
                next = tasks.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            try {
                next.run();
            } catch (Throwable t) {
                LOG.warn("a webrtc task failed: {}", t.toString(), t);
            }
        }
    }
}
