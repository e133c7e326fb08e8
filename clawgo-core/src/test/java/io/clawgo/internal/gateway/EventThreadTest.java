package io.clawgo.internal.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EventThreadTest {

    /** Takes dispatch events; the first waits for {@code release}. */
    static final class Slow implements GatewayEvents {
        final CountDownLatch holding = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<String> tasks = new CopyOnWriteArrayList<>();

        @Override
        public void onDispatch(Request request, DispatchMode mode, Response response, Instant startedAt,
                               long durationNanos) {
            holding.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            tasks.add(request.task());
        }
    }

    private static void dispatch(EventThread events, String task) {
        events.onDispatch(new Request("run", "n1", task, null, null), DispatchMode.AUTO, Response.ok(null),
                Instant.now(), 1000);
    }

    @Test
    void aFullQueueDropsNewEventsAndCountsThemWithoutBlockingTheCaller() throws Exception {
        Slow slow = new Slow();
        EventThread events = new EventThread(slow, 3);
        try {
            dispatch(events, "held");
            assertThat(slow.holding.await(5, TimeUnit.SECONDS)).isTrue();
            long t0 = System.nanoTime();
            for (int i = 0; i < 10; i++) {
                dispatch(events, "q" + i); // three fit in the queue, seven do not
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("the caller never waits")
                    .isLessThan(1000);
            assertThat(events.dropped()).isEqualTo(7);
            slow.release.countDown();
        } finally {
            events.close();
        }
        assertThat(slow.tasks).containsExactly("held", "q0", "q1", "q2");
    }

    @Test
    void closeGivesUpOnAListenerThatDoesNotReturnAndTheEventsAfterItAreNotDelivered() {
        Slow slow = new Slow();
        EventThread events = new EventThread(slow, 10);
        dispatch(events, "held");
        dispatch(events, "after");
        long t0 = System.nanoTime();
        events.close(); // the listener is interrupted after the close wait
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(tookMs).isBetween(EventThread.CLOSE_WAIT_MILLIS - 100, EventThread.CLOSE_WAIT_MILLIS + 3000);
        assertThat(slow.tasks).doesNotContain("after");
        dispatch(events, "closed"); // after close: dropped quietly, not counted as a slow listener's loss
        assertThat(events.dropped()).isZero();
    }
}
