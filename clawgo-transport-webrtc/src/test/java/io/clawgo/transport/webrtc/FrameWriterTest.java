package io.clawgo.transport.webrtc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Flow control of the writer against a fake channel that drains at a chosen pace. */
class FrameWriterTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** A channel whose buffer grows with every send and is drained by the test. */
    private static class FakeChannel implements FrameWriter.Sink {
        final AtomicLong buffered = new AtomicLong();
        final AtomicLong maxSeen = new AtomicLong();
        final List<byte[]> sent = new ArrayList<>();
        volatile boolean closed;

        @Override
        public long bufferedAmount() throws IOException {
            if (closed) {
                throw new IOException("closed");
            }
            return buffered.get();
        }

        @Override
        public synchronized void send(ChunkCodec.Frame frame) throws IOException, FrameWriter.WouldBlock {
            if (closed) {
                throw new IOException("closed");
            }
            sent.add(frame.data());
            maxSeen.accumulateAndGet(buffered.addAndGet(frame.data().length), Math::max);
        }
    }

    private static List<ChunkCodec.Frame> frames(int count, int size) {
        List<ChunkCodec.Frame> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(new ChunkCodec.Frame(new byte[size], true));
        }
        return out;
    }

    @Test
    void aPoolThatCannotStartAThreadFailsTheQueuedWritesAndReportsTheLink() throws Exception {
        // the JVM's answer when no native thread can be created: the writer must not stay "draining" for ever
        java.util.concurrent.Executor noThreads = r -> {
            throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
        };
        FakeChannel ch = new FakeChannel();
        ch.buffered.set(5000); // above the high watermark: the writer goes on from the pool
        AtomicReference<String> stalled = new AtomicReference<>();
        FrameWriter w = new FrameWriter(ch, noThreads, 1000, 200, 1 << 20, 5000, stalled::set);
        CompletableFuture<Void> first = w.write(frames(2, 100));
        assertThat(first).failsWithin(1, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
                .withMessageContaining("could not start the DataChannel writer");
        assertThat(stalled.get()).contains("unable to create native thread");
        assertThat(w.write(frames(1, 10))).as("a later write fails at once, it does not wait")
                .failsWithin(1, TimeUnit.SECONDS);
        assertThat(ch.sent).isEmpty();
    }

    @Test
    void aSerialExecutorWhosePoolCannotStartAThreadKeepsItsTasksForTheNextTry() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.Executor flaky = r -> {
            if (broken.get()) {
                throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
            }
            pool.execute(r);
        };
        SerialExecutor serial = new SerialExecutor(flaky);
        List<Integer> ran = java.util.Collections.synchronizedList(new ArrayList<>());
        serial.execute(() -> ran.add(1));
        broken.set(false);
        CompletableFuture<Void> second = new CompletableFuture<>();
        serial.execute(() -> {
            ran.add(2);
            second.complete(null);
        });
        second.get(5, TimeUnit.SECONDS);
        assertThat(ran).as("nothing lost, order kept").containsExactly(1, 2);
    }

    @Test
    void sendsInlineWhileBelowTheHighWatermark() throws Exception {
        FakeChannel ch = new FakeChannel();
        FrameWriter w = new FrameWriter(ch, pool, 1000, 200, 1 << 20, 5000, e -> { });
        w.write(frames(3, 100)).get(1, TimeUnit.SECONDS);
        assertThat(ch.sent).hasSize(3);
    }

    @Test
    void aCallerThatMayNotWaitLeavesABusyChannelToThePoolWithoutLosingOrReorderingFrames() throws Exception {
        Thread caller = Thread.currentThread();
        List<String> senders = new ArrayList<>();
        FakeChannel ch = new FakeChannel() {
            @Override
            public synchronized void send(ChunkCodec.Frame frame) throws IOException, FrameWriter.WouldBlock {
                // busy for the calling thread (a webrtc callback, in PeerLink): it must hand over, not wait
                if (Thread.currentThread() == caller) {
                    throw FrameWriter.WouldBlock.INSTANCE;
                }
                senders.add(Thread.currentThread().getName());
                super.send(frame);
            }
        };
        FrameWriter w = new FrameWriter(ch, pool, 1000, 200, 1 << 20, 5000, e -> { });
        List<ChunkCodec.Frame> frames = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            frames.add(new ChunkCodec.Frame(new byte[] {(byte) i}, true));
        }
        w.write(frames).get(5, TimeUnit.SECONDS);
        assertThat(ch.sent).extracting(b -> b[0]).containsExactly((byte) 0, (byte) 1, (byte) 2, (byte) 3, (byte) 4);
        assertThat(senders).hasSize(5).noneMatch(n -> n.equals(caller.getName()));
        assertThat(w.queuedBytes()).isZero();
        // the writer is idle again: the next message from a thread that may wait is sent inline
        w.write(frames(1, 10)).get(1, TimeUnit.SECONDS);
        assertThat(ch.sent).hasSize(6);
    }

    @Test
    void waitsForTheLowWatermarkAndNeverOverfillsTheChannel() throws Exception {
        FakeChannel ch = new FakeChannel();
        FrameWriter w = new FrameWriter(ch, pool, 1000, 200, 1 << 20, 5000, e -> { });
        CompletableFuture<Void> done = w.write(frames(100, 100));
        // drain slowly, like a peer that reads 100 bytes per millisecond
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!done.isDone() && System.nanoTime() < end) {
            ch.buffered.updateAndGet(b -> Math.max(0, b - 100));
            Thread.sleep(1);
        }
        done.get(1, TimeUnit.SECONDS);
        assertThat(ch.sent).hasSize(100);
        assertThat(ch.maxSeen.get()).isLessThanOrEqualTo(1000 + 100);
    }

    @Test
    void aStalledChannelFailsTheWriteAndReportsIt() throws Exception {
        FakeChannel ch = new FakeChannel();
        AtomicReference<String> stall = new AtomicReference<>();
        FrameWriter w = new FrameWriter(ch, pool, 1000, 200, 1 << 20, 200, stall::set);
        CompletableFuture<Void> done = w.write(frames(50, 100));
        try {
            done.get(3, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(IOException.class).hasMessageContaining("did not drain");
        }
        assertThat(stall.get()).contains("did not drain");
        assertThat(w.write(frames(1, 1))).isCompletedExceptionally();
    }

    @Test
    void closeFailsQueuedMessagesAndAFullQueueIsRefused() throws Exception {
        FakeChannel ch = new FakeChannel();
        ch.buffered.set(5000);
        FrameWriter w = new FrameWriter(ch, pool, 1000, 200, 1000, 60_000, e -> { });
        CompletableFuture<Void> first = w.write(frames(5, 100));
        CompletableFuture<Void> second = w.write(frames(6, 100));
        assertThat(second).isCompletedExceptionally();
        w.close("bye");
        try {
            first.get(2, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).hasMessageContaining("bye");
        }
    }
}
