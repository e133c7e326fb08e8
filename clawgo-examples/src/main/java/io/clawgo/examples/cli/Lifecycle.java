package io.clawgo.examples.cli;

import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Clean shutdown of the long-running commands on SIGINT (Ctrl-C) and SIGTERM, with exit status 0.
 *
 * <p>A JVM that receives SIGTERM runs its shutdown hooks and exits with status 143. The long-running commands call
 * {@link #install()}; the hook it adds then completes {@link #stopRequested()}, waits (bounded) until the command has
 * closed what it started and returned, and ends the process with the command's exit code. A command that ends on its
 * own goes through {@link #exit(int)}, which the hook then leaves alone. Only standard APIs are used, so this works
 * the same on every OS the JVM runs on.
 */
final class Lifecycle {

    /** How long the hook waits for the command to close everything before it gives up (exit code 1). */
    static final long CLEANUP_TIMEOUT_MILLIS = 10_000;

    private static final int RUNNING = 0;
    private static final int EXITING = 1;
    private static final int SIGNALLED = 2;

    private static final AtomicInteger STATE = new AtomicInteger(RUNNING);
    private static final CompletableFuture<Void> STOP = new CompletableFuture<>();
    private static final CountDownLatch CLEANED_UP = new CountDownLatch(1);
    private static volatile int exitCode = Cli.OK;
    private static boolean installed;

    private Lifecycle() {
    }

    /** Turns SIGINT/SIGTERM into {@link #stopRequested()} for this process. Idempotent. */
    static synchronized void install() {
        if (installed) {
            return;
        }
        installed = true;
        Thread hook = new Thread(Lifecycle::onShutdown, "clawgo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Completes when the process was asked to stop (SIGINT, SIGTERM, or any other JVM shutdown). */
    static CompletableFuture<Void> stopRequested() {
        return STOP;
    }

    /**
     * Ends the process with {@code code}. When a signal started the shutdown, this hands the code to the hook (which
     * is waiting for it) and never returns.
     */
    static void exit(int code) {
        if (STATE.compareAndSet(RUNNING, EXITING)) {
            System.exit(code);
        }
        exitCode = code;
        CLEANED_UP.countDown();
        while (true) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                // the hook halts the JVM
            }
        }
    }

    private static void onShutdown() {
        if (!STATE.compareAndSet(RUNNING, SIGNALLED)) {
            return; // an ordinary System.exit from exit(int)
        }
        STOP.complete(null);
        boolean done;
        try {
            done = CLEANED_UP.await(CLEANUP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            done = false;
        }
        PrintStream err = System.err;
        if (!done) {
            err.println("error: shutdown did not finish within " + CLEANUP_TIMEOUT_MILLIS / 1000 + " s; exiting");
        }
        System.out.flush();
        err.flush();
        Runtime.getRuntime().halt(done ? exitCode : Cli.FAILED);
    }
}
