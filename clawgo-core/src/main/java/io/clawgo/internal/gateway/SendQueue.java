package io.clawgo.internal.gateway;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The outbound side of one control socket: text frames written in order, one at a time (Jetty allows one pending
 * text write per session), bounded in frames and in bytes (counted in chars, which is what the strings hold).
 *
 * <p>Three ways in:
 * <ul>
 *   <li>{@link #offer}: the gateway's own frames (acks, signals it answers, pings are not queued). They may fill the
 *       whole bound; past it the offer answers {@link Offer#FULL} and the owner closes the connection (4004): a node
 *       that does not read its socket.</li>
 *   <li>{@link #offerUnderHalf}: signals relayed from other nodes, taken only while the queue is less than half full
 *       and otherwise refused at once, so another node can never get this one closed.</li>
 *   <li>{@link #offerWhenRoom}: requests. Taken while the queue is less than half full; beyond that they wait in
 *       arrival order, holding no thread, until the writer has drained the queue below half; one whose deadline has
 *       passed when the writer comes to it, or that still waits when the connection closes, is refused (the future
 *       says {@code false}). A burst of large requests is thus slowed down to what the node
 *       reads instead of overflowing the queue and closing the node's connection. At most {@code maxFrames} wait.</li>
 * </ul>
 *
 * <p>Thread-safe: every state change happens under one lock; the writer loop runs on the thread that queued into an
 * idle queue or on Jetty's write-completion thread, and completes synchronous writes in a loop, never by recursion.
 * Futures of waiting frames are completed outside the lock.
 */
final class SendQueue {
    /** What {@link #offer} did. */
    enum Offer { QUEUED, FULL, CLOSED }

    /** Writes one frame and calls back exactly once. */
    interface Writer {
        /** @return {@code false} when there is nothing to write to (the session is gone); no callback then */
        boolean write(String text, Runnable written, Consumer<Throwable> failed);
    }

    private record Waiting(String text, long deadlineNanos, CompletableFuture<Boolean> queued) {
    }

    private final long maxChars;
    private final int maxFrames;
    private final Writer writer;
    private final ArrayDeque<String> queue = new ArrayDeque<>();
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private long queuedChars;
    /** When a write last finished, or writing last started from idle. */
    private long progressNanos = System.nanoTime();
    private boolean writing;
    private boolean closed;

    /**
     * @param maxChars  bound of the queued text, in chars
     * @param maxFrames bound of queued frames, and of frames waiting for room
     * @param writer    writes to the socket
     */
    SendQueue(long maxChars, int maxFrames, Writer writer) {
        this.maxChars = maxChars;
        this.maxFrames = maxFrames;
        this.writer = writer;
    }

    /** Queues one of the gateway's own frames, up to the whole bound. */
    Offer offer(String text) {
        synchronized (this) {
            if (closed) {
                return Offer.CLOSED;
            }
            if (queue.size() >= maxFrames || queuedChars + text.length() > maxChars) {
                return Offer.FULL;
            }
            add(text);
            if (!startWriting()) {
                return Offer.QUEUED;
            }
        }
        drain();
        return Offer.QUEUED;
    }

    /** Queues a frame only while the queue stays under half of its bound with it; never waits. */
    boolean offerUnderHalf(String text) {
        synchronized (this) {
            if (closed || !underHalf(text) || !waiting.isEmpty()) {
                return false;
            }
            add(text);
            if (!startWriting()) {
                return true;
            }
        }
        drain();
        return true;
    }

    /**
     * Queues a frame when the queue has room under half of its bound, waiting for room until {@code deadlineNanos}
     * ({@link System#nanoTime()}) in arrival order.
     *
     * @return a future: {@code true} once queued; {@code false} when the queue closed or the deadline passed first;
     *         {@code null} when the waiting line is full (an overflow: the node reads far slower than requests come)
     */
    CompletableFuture<Boolean> offerWhenRoom(String text, long deadlineNanos) {
        CompletableFuture<Boolean> result;
        synchronized (this) {
            if (closed) {
                return CompletableFuture.completedFuture(false);
            }
            if (waiting.isEmpty() && underHalf(text)) {
                add(text);
                result = CompletableFuture.completedFuture(true);
            } else if (waiting.size() >= maxFrames) {
                return null;
            } else {
                Waiting w = new Waiting(text, deadlineNanos, new CompletableFuture<>());
                waiting.add(w);
                result = w.queued;
            }
            if (!startWriting()) {
                return result; // the running writer moves it in as the queue drains
            }
        }
        drain();
        return result;
    }

    /** Whether frames are queued behind the one being written. */
    synchronized boolean hasQueued() {
        return !queue.isEmpty();
    }

    /** Frames waiting for room (not yet queued). */
    synchronized int waitingFrames() {
        return waiting.size();
    }

    /**
     * How long frames have been waiting for room while no write finished: 0 when none waits.
     *
     * @param now {@link System#nanoTime()}
     */
    synchronized long stalledNanos(long now) {
        return waiting.isEmpty() ? 0 : Math.max(0, now - progressNanos);
    }

    /** Drops every queued frame and refuses every waiting one; later offers are dropped. */
    void close() {
        ArrayDeque<Waiting> refused;
        synchronized (this) {
            closed = true;
            queue.clear();
            queuedChars = 0;
            refused = new ArrayDeque<>(waiting);
            waiting.clear();
        }
        for (Waiting w : refused) {
            w.queued.complete(false);
        }
    }

    /** Under the lock: the next frame to write, no longer counted as queued. */
    private String poll() {
        String next = queue.poll();
        if (next != null) {
            queuedChars -= next.length();
        }
        return next;
    }

    private boolean underHalf(String text) {
        return queue.size() < maxFrames / 2 && queuedChars + text.length() <= maxChars / 2;
    }

    private void add(String text) {
        queue.add(text);
        queuedChars += text.length();
    }

    /** Under the lock: claims the writer role; {@code true} when the caller must now run {@link #drain}. */
    private boolean startWriting() {
        if (writing) {
            return false;
        }
        writing = true;
        return true;
    }

    /** The writer loop: runs while this thread holds the writer role. */
    private void drain() {
        while (true) {
            String next;
            List<Waiting> expired = null;
            List<Waiting> moved = null;
            synchronized (this) {
                progressNanos = System.nanoTime(); // a write finished, or writing starts from idle
                next = poll();
                // frames waiting for room move in behind it as the queue drains, or are refused once their deadline
                // passed; with nothing else queued one moves in even if it alone is more than half the bound
                long now = progressNanos;
                while (!waiting.isEmpty()) {
                    Waiting w = waiting.peek();
                    if (now - w.deadlineNanos >= 0) {
                        waiting.poll();
                        (expired == null ? expired = new ArrayList<>() : expired).add(w);
                    } else if (underHalf(w.text) || (queue.isEmpty() && next == null)) {
                        waiting.poll();
                        add(w.text);
                        (moved == null ? moved = new ArrayList<>() : moved).add(w);
                    } else {
                        break;
                    }
                }
                if (next == null) {
                    next = poll();
                }
                if (next == null) {
                    writing = false;
                }
            }
            complete(expired, false);
            complete(moved, true);
            if (next == null) {
                return;
            }
            AtomicInteger state = new AtomicInteger();
            boolean started = writer.write(next, () -> {
                if (!state.compareAndSet(0, 1)) {
                    drain(); // the write finished after write() returned: this thread now carries the loop
                }
            }, failure -> close());
            if (!started) {
                close();
                return;
            }
            if (state.compareAndSet(0, 2)) {
                return; // the callback continues the loop when the write completes
            }
        }
    }

    private static void complete(List<Waiting> ws, boolean queued) {
        if (ws != null) {
            for (Waiting w : ws) {
                w.queued.complete(queued);
            }
        }
    }
}
