package io.clawgo.internal.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The send queue's bounds and its waiting line, driven by a writer whose writes the test completes by hand (a socket
 * that drains when the test says so); the same queue under real sockets is covered by the tunnel's BackpressureTest.
 */
class SendQueueTest {
    private static final long FAR = TimeUnit.SECONDS.toNanos(60);

    /** A socket that takes one frame at a time and finishes it when {@link #finishOne} is called. */
    static final class HandWriter implements SendQueue.Writer {
        final List<String> written = new ArrayList<>();
        final ArrayDeque<Runnable> pending = new ArrayDeque<>();

        @Override
        public synchronized boolean write(String text, Runnable done, java.util.function.Consumer<Throwable> failed) {
            written.add(text);
            pending.add(done);
            return true;
        }

        void finishOne() {
            Runnable r;
            synchronized (this) {
                r = pending.poll();
            }
            if (r != null) {
                r.run();
            }
        }

        synchronized int writtenCount() {
            return written.size();
        }
    }

    private static String frame(int chars, char c) {
        return String.valueOf(c).repeat(chars);
    }

    @Test
    void ownFramesFillTheWholeBoundThenReportFull() {
        HandWriter w = new HandWriter();
        SendQueue q = new SendQueue(100, 64, w);
        assertThat(q.offer(frame(40, 'a'))).isEqualTo(SendQueue.Offer.QUEUED); // handed to the writer at once
        assertThat(q.offer(frame(50, 'b'))).isEqualTo(SendQueue.Offer.QUEUED);
        assertThat(q.offer(frame(50, 'c'))).isEqualTo(SendQueue.Offer.QUEUED);
        assertThat(q.offer(frame(1, 'd'))).isEqualTo(SendQueue.Offer.FULL);
        assertThat(w.writtenCount()).isEqualTo(1);
        w.finishOne();
        assertThat(w.written).containsExactly(frame(40, 'a'), frame(50, 'b'));
    }

    @Test
    void requestsBeyondHalfTheBoundWaitInOrderAndMoveInAsTheSocketDrains() throws Exception {
        HandWriter w = new HandWriter();
        SendQueue q = new SendQueue(100, 64, w);
        long deadline = System.nanoTime() + FAR;
        CompletableFuture<Boolean> first = q.offerWhenRoom(frame(30, '1'), deadline); // written at once
        CompletableFuture<Boolean> second = q.offerWhenRoom(frame(30, '2'), deadline); // queued: 30 of 50
        CompletableFuture<Boolean> third = q.offerWhenRoom(frame(30, '3'), deadline); // would be 60: waits
        CompletableFuture<Boolean> fourth = q.offerWhenRoom(frame(5, '4'), deadline); // fits, but waits behind 3
        assertThat(first).isCompletedWithValue(true);
        assertThat(second).isCompletedWithValue(true);
        assertThat(third).isNotDone();
        assertThat(fourth).isNotDone();
        assertThat(q.waitingFrames()).isEqualTo(2);
        // the gateway's own frames still fit (the other half is theirs) and never wait
        assertThat(q.offer(frame(40, 'x'))).isEqualTo(SendQueue.Offer.QUEUED);

        w.finishOne(); // '1' written: '2' goes to the socket, '3' and '4' still do not fit beside 'x'
        assertThat(third).isNotDone();
        w.finishOne(); // '2' written: 'x' goes to the socket; the queue is empty: '3' and '4' move in
        assertThat(third).isCompletedWithValue(true);
        assertThat(fourth).isCompletedWithValue(true);
        for (int i = 0; i < 3; i++) {
            w.finishOne();
        }
        assertThat(w.written).containsExactly(frame(30, '1'), frame(30, '2'), frame(40, 'x'), frame(30, '3'),
                frame(5, '4'));
    }

    @Test
    void aWaitingRequestWhoseDeadlinePassedIsRefusedNotSent() throws Exception {
        HandWriter w = new HandWriter();
        SendQueue q = new SendQueue(100, 64, w);
        q.offerWhenRoom(frame(30, '1'), System.nanoTime() + FAR);
        q.offerWhenRoom(frame(30, '2'), System.nanoTime() + FAR);
        CompletableFuture<Boolean> late = q.offerWhenRoom(frame(30, '3'), System.nanoTime() + 1_000_000);
        Thread.sleep(5);
        w.finishOne();
        assertThat(late).isCompletedWithValue(false);
        w.finishOne();
        assertThat(w.written).doesNotContain(frame(30, '3'));
    }

    @Test
    void closingRefusesWhatWaitsAndDropsLaterOffers() {
        HandWriter w = new HandWriter();
        SendQueue q = new SendQueue(100, 64, w);
        q.offerWhenRoom(frame(30, '1'), System.nanoTime() + FAR);
        q.offerWhenRoom(frame(30, '2'), System.nanoTime() + FAR);
        CompletableFuture<Boolean> waiting = q.offerWhenRoom(frame(30, '3'), System.nanoTime() + FAR);
        q.close();
        assertThat(waiting).isCompletedWithValue(false);
        assertThat(q.offer("x")).isEqualTo(SendQueue.Offer.CLOSED);
        assertThat(q.offerWhenRoom("y", System.nanoTime() + FAR)).isCompletedWithValue(false);
        assertThat(q.offerUnderHalf("z")).isFalse();
    }

    @Test
    void relayedFramesAreRefusedBeyondHalfAndNeverWait() {
        HandWriter w = new HandWriter();
        SendQueue q = new SendQueue(100, 64, w);
        assertThat(q.offerUnderHalf(frame(30, 'a'))).isTrue(); // to the socket
        assertThat(q.offerUnderHalf(frame(30, 'b'))).isTrue(); // queued: 30
        assertThat(q.offerUnderHalf(frame(30, 'c'))).isFalse(); // would be 60 of 100
        assertThat(q.waitingFrames()).isZero();
    }

    @Test
    void theWaitingLineIsBoundedInFramesAndReportsAnOverflow() {
        HandWriter w = new HandWriter();
        SendQueue q = new SendQueue(1000, 4, w);
        q.offerWhenRoom(frame(450, '0'), System.nanoTime() + FAR); // to the socket
        q.offerWhenRoom(frame(450, '1'), System.nanoTime() + FAR); // queued
        List<CompletableFuture<Boolean>> waiting = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            waiting.add(q.offerWhenRoom(frame(60, 'w'), System.nanoTime() + FAR)); // 450 + 60 > 500: waits
        }
        assertThat(waiting).allSatisfy(f -> assertThat(f).isNotNull().isNotDone());
        assertThat(q.offerWhenRoom(frame(60, 'x'), System.nanoTime() + FAR)).as("a fifth frame").isNull();

    }

    @Test
    void itIsStalledOnlyWhileRequestsWaitAndNoWriteFinishes() throws Exception {
        HandWriter w = new HandWriter();
        SendQueue q = new SendQueue(100, 64, w);
        q.offerWhenRoom(frame(30, '1'), System.nanoTime() + FAR);
        q.offerWhenRoom(frame(30, '2'), System.nanoTime() + FAR);
        assertThat(q.stalledNanos(System.nanoTime() + FAR)).as("nothing waits").isZero();
        q.offerWhenRoom(frame(30, '3'), System.nanoTime() + FAR); // waits
        long later = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        assertThat(q.stalledNanos(later)).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(5));
        w.finishOne(); // progress: '2' to the socket, '3' moves in
        assertThat(q.waitingFrames()).isZero();
        assertThat(q.stalledNanos(later)).isZero();
    }
}
