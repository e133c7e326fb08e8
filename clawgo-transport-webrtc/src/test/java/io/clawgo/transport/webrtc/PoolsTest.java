package io.clawgo.transport.webrtc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The transport's pools: a flood of work queues on a fixed number of threads; nothing is rejected or lost. */
class PoolsTest {

    @Test
    void aFloodOfWorkRunsOnAFixedNumberOfThreadsAndAllOfItRuns() throws Exception {
        ExecutorService pool = Pools.fixed("pools-test");
        try {
            int tasks = 500;
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(tasks);
            Set<String> threads = ConcurrentHashMap.newKeySet();
            AtomicInteger busyAtOnce = new AtomicInteger();
            AtomicInteger maxBusy = new AtomicInteger();
            for (int i = 0; i < tasks; i++) {
                pool.execute(() -> {
                    threads.add(Thread.currentThread().getName());
                    maxBusy.accumulateAndGet(busyAtOnce.incrementAndGet(), Math::max);
                    try {
                        release.await(10, TimeUnit.SECONDS); // the first ones block: the rest must queue
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    busyAtOnce.decrementAndGet();
                    done.countDown();
                });
            }
            Thread.sleep(200);
            assertThat(maxBusy.get()).isEqualTo(Pools.FIXED_THREADS);
            release.countDown();
            assertThat(done.await(20, TimeUnit.SECONDS)).as("every task ran").isTrue();
            assertThat(threads).hasSize(Pools.FIXED_THREADS)
                    .allSatisfy(n -> assertThat(n).startsWith("pools-test-"));
        } finally {
            Pools.shutdown(pool, 1000);
        }
    }

    @Test
    void theApplicationsThreadFactoryMakesThePoolsThreadsWhenItGaveOne() throws Exception {
        AtomicInteger made = new AtomicInteger();
        java.util.concurrent.ThreadFactory app = r -> {
            Thread t = new Thread(r, "app-" + made.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        for (ExecutorService pool : new ExecutorService[] {Pools.fixed("pools-test", java.util.Optional.of(app)),
                Pools.cached("pools-test-drain", java.util.Optional.of(app))}) {
            try {
                java.util.concurrent.CompletableFuture<String> name = new java.util.concurrent.CompletableFuture<>();
                pool.execute(() -> name.complete(Thread.currentThread().getName()));
                assertThat(name.get(5, TimeUnit.SECONDS)).startsWith("app-");
            } finally {
                Pools.shutdown(pool, 1000);
            }
        }
        assertThat(made.get()).isEqualTo(2);
    }
}
