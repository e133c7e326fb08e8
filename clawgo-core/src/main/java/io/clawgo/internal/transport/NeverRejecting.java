package io.clawgo.internal.transport;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs a task that {@code delegate} refuses (it was shut down) at once, on the calling thread: for hand-offs made from
 * a thread that completes futures (a socket reader), which must never see an exception.
 */
record NeverRejecting(Executor delegate) implements Executor {
    static Executor wrap(Executor executor) {
        return executor instanceof NeverRejecting ? executor : new NeverRejecting(executor);
    }

    @Override
    public void execute(Runnable task) {
        try {
            delegate.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }
}
