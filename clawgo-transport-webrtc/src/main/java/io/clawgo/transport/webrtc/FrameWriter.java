package io.clawgo.transport.webrtc;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The single writer of one DataChannel, with flow control.
 *
 * <p>webrtc-java 0.14.0 never calls {@code onBufferedAmountChange} and silently closes the channel once about 16 MiB
 * are queued, so this writer polls the buffered amount: it sends while the amount stays at most {@code high}; above
 * it, it waits (on a pool thread, never on the caller's) until the amount drops to {@code low}. A reading of the amount
 * is a cross-thread call into libwebrtc, so the writer keeps a credit ({@code high} minus the last reading) and reads
 * again only when the credit is spent. A channel that does not
 * drain within {@code stallMillis} is reported through {@code onStall} and the writer fails.
 *
 * <p>The frames of one message are queued together and never interleaved with another message's. The caller that finds
 * the writer idle sends inline (no thread hop for small messages); later callers only queue. A caller that may not wait
 * (a webrtc callback thread) hands the rest to the pool when the sink is busy ({@link WouldBlock}).
 */
final class FrameWriter {

    /** Where frames go. */
    interface Sink {
        /** Bytes queued in the channel; throws when the channel is gone. */
        long bufferedAmount() throws IOException, WouldBlock;

        /** Hands one frame to the channel; throws when the channel is gone. */
        void send(ChunkCodec.Frame frame) throws IOException, WouldBlock;
    }

    /**
     * The sink cannot be used on this thread without waiting, which this thread may not do: go on from the writer's
     * executor.
     */
    static final class WouldBlock extends Exception {
        static final WouldBlock INSTANCE = new WouldBlock();

        private WouldBlock() {
            super("the channel is busy", null, false, false);
        }
    }

    private record Item(ChunkCodec.Frame frame, CompletableFuture<Void> done) {
    }

    private final Sink sink;
    private final Executor pool;
    private final long high;
    private final long low;
    private final long maxQueuedBytes;
    private final long stallMillis;
    private final Consumer<String> onStall;
    private final ArrayDeque<Item> queue = new ArrayDeque<>();
    private long queuedBytes;
    private boolean draining;
    /** Bytes that may still be sent before the buffered amount must be read again (only the drainer uses it). */
    private long credit;
    private IOException failure;

    FrameWriter(Sink sink, Executor pool, long high, long low, long maxQueuedBytes, long stallMillis,
                Consumer<String> onStall) {
        this.sink = sink;
        this.pool = pool;
        this.high = high;
        this.low = low;
        this.maxQueuedBytes = maxQueuedBytes;
        this.stallMillis = stallMillis;
        this.onStall = onStall;
    }

    /**
     * Queues the frames of one message. The future completes when the last frame was handed to the channel, or fails
     * with an {@link IOException} when the writer is closed, its queue is full, or the channel fails first.
     */
    CompletableFuture<Void> write(List<ChunkCodec.Frame> frames) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        long size = 0;
        for (ChunkCodec.Frame f : frames) {
            size += f.data().length;
        }
        synchronized (queue) {
            if (failure != null) {
                return CompletableFuture.failedFuture(failure);
            }
            if (queuedBytes + size > maxQueuedBytes && !queue.isEmpty()) {
                return CompletableFuture.failedFuture(new IOException("the DataChannel send queue is full ("
                        + queuedBytes + " bytes queued)"));
            }
            for (int i = 0; i < frames.size(); i++) {
                queue.add(new Item(frames.get(i), i == frames.size() - 1 ? done : null));
            }
            queuedBytes += size;
            if (draining) {
                return done;
            }
            draining = true;
        }
        drain(false);
        return done;
    }

    /** Fails everything queued; later writes fail at once. Idempotent. */
    void close(String reason) {
        fail(new IOException(reason));
    }

    /** Bytes waiting in this writer (not yet handed to the channel). */
    long queuedBytes() {
        synchronized (queue) {
            return queuedBytes;
        }
    }

    private void drain(boolean onPool) {
        while (true) {
            Item next;
            synchronized (queue) {
                next = queue.peek();
                if (next == null || failure != null) {
                    draining = false;
                    return;
                }
            }
            try {
                int len = next.frame().data().length;
                if (len > credit) {
                    // only ask the channel (a cross-thread call into libwebrtc) when our credit runs out
                    long buffered = sink.bufferedAmount();
                    if (buffered > high) {
                        if (!onPool) {
                            onPool();
                            return;
                        }
                        buffered = awaitLow();
                        if (buffered < 0) {
                            String why = "the DataChannel did not drain below " + low + " bytes within "
                                    + stallMillis + " ms";
                            onStall.accept(why);
                            fail(new IOException(why));
                            return;
                        }
                    }
                    credit = high - buffered;
                }
                sink.send(next.frame());
                credit -= len;
                synchronized (queue) {
                    if (queue.peek() == next) { // else fail() emptied the queue meanwhile
                        queue.poll();
                        queuedBytes -= len;
                    }
                }
            } catch (WouldBlock e) {
                // only a thread that may not wait gets this (a webrtc callback): the frame stays first in line
                onPool();
                return;
            } catch (IOException | RuntimeException e) {
                fail(e instanceof IOException io ? io : new IOException(e.toString(), e));
                return;
            }
            if (next.done() != null) {
                next.done().complete(null);
            }
        }
    }

    /** Goes on draining from the writer's executor (the link's drain pool). */
    private void onPool() {
        try {
            pool.execute(() -> drain(true));
        } catch (RejectedExecutionException e) {
            fail(new IOException("the transport is closing"));
        } catch (Error e) {
            // no thread could be started: what is queued fails (its requests get an error) instead of waiting on a
            // writer that stays marked as draining forever, and the session ends (a later request makes a new one)
            String why = "could not start the DataChannel writer: " + e;
            fail(new IOException(why));
            onStall.accept(why);
        }
    }

    /** Waits until the channel holds at most {@code low} bytes; returns that amount, or -1 after the stall time. */
    private long awaitLow() throws IOException, WouldBlock {
        long deadline = System.nanoTime() + stallMillis * 1_000_000L;
        long pause = 20_000;
        long buffered;
        while ((buffered = sink.bufferedAmount()) > low) {
            synchronized (queue) {
                if (failure != null) {
                    throw failure;
                }
            }
            if (System.nanoTime() > deadline) {
                return -1;
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 1_000_000);
        }
        return buffered;
    }

    private void fail(IOException cause) {
        ArrayDeque<Item> dropped;
        synchronized (queue) {
            if (failure == null) {
                failure = cause;
            }
            dropped = new ArrayDeque<>(queue);
            queue.clear();
            queuedBytes = 0;
        }
        for (Item i : dropped) {
            if (i.done() != null) {
                i.done().completeExceptionally(cause);
            }
        }
    }
}
