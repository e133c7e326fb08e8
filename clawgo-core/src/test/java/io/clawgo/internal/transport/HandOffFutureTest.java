package io.clawgo.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HandOffFutureTest {
    private final ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "handoff-test-pool");
        t.setDaemon(true);
        return t;
    });

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** Every non-async way of attaching a continuation, each reporting the thread it ran on. */
    private static List<CompletionStage<String>> attachAll(CompletableFuture<String> f) {
        Function<Object, String> here = x -> Thread.currentThread().getName();
        CompletableFuture<String> other = CompletableFuture.completedFuture("o");
        List<CompletionStage<String>> out = new ArrayList<>();
        out.add(f.thenApply(here));
        CompletableFuture<String> accepted = new CompletableFuture<>();
        f.thenAccept(v -> accepted.complete(here.apply(v)));
        out.add(accepted);
        CompletableFuture<String> ran = new CompletableFuture<>();
        f.thenRun(() -> ran.complete(here.apply(null)));
        out.add(ran);
        out.add(f.thenCombine(other, (a, b) -> here.apply(a)));
        CompletableFuture<String> both = new CompletableFuture<>();
        f.thenAcceptBoth(other, (a, b) -> both.complete(here.apply(a)));
        out.add(both);
        CompletableFuture<String> afterBoth = new CompletableFuture<>();
        f.runAfterBoth(other, () -> afterBoth.complete(here.apply(null)));
        out.add(afterBoth);
        CompletableFuture<String> never = new CompletableFuture<>();
        out.add(f.applyToEither(never, here));
        CompletableFuture<String> either = new CompletableFuture<>();
        f.acceptEither(never, v -> either.complete(here.apply(v)));
        out.add(either);
        CompletableFuture<String> afterEither = new CompletableFuture<>();
        f.runAfterEither(never, () -> afterEither.complete(here.apply(null)));
        out.add(afterEither);
        out.add(f.thenCompose(v -> CompletableFuture.completedFuture(here.apply(v))));
        CompletableFuture<String> whenDone = new CompletableFuture<>();
        f.whenComplete((v, e) -> whenDone.complete(here.apply(v)));
        out.add(whenDone);
        out.add(f.handle((v, e) -> here.apply(v)));
        out.add(f.thenApply(v -> v).thenApply(here)); // a derived stage hands off too
        CompletableFuture<String> minimal = new CompletableFuture<>();
        f.minimalCompletionStage().thenAccept(v -> minimal.complete(here.apply(v)));
        out.add(minimal);
        return out;
    }

    @Test
    void continuationsRunOnTheExecutorNotOnTheCompletingThread() throws Exception {
        HandOffFuture<String> f = new HandOffFuture<>(pool);
        List<CompletionStage<String>> stages = attachAll(f);
        Thread completer = new Thread(() -> f.complete("v"), "socket-reader");
        completer.start();
        completer.join(5000);
        for (CompletionStage<String> s : stages) {
            assertThat(s.toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("handoff-test-pool");
        }
    }

    @Test
    void continuationsAttachedAfterCompletionRunOnTheExecutorToo() throws Exception {
        HandOffFuture<String> f = new HandOffFuture<>(pool);
        f.complete("v");
        for (CompletionStage<String> s : attachAll(f)) {
            assertThat(s.toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("handoff-test-pool");
        }
    }

    @Test
    void failuresReachExceptionallyOnTheExecutor() throws Exception {
        HandOffFuture<String> f = new HandOffFuture<>(pool);
        CompletableFuture<String> recovered = f.exceptionally(e -> e.getMessage() + "@" + Thread.currentThread().getName());
        CompletableFuture<String> composed = f.exceptionallyCompose(
                e -> CompletableFuture.completedFuture(Thread.currentThread().getName()));
        f.completeExceptionally(new IllegalStateException("boom"));
        assertThat(recovered.get(5, TimeUnit.SECONDS)).isEqualTo("boom@handoff-test-pool");
        assertThat(composed.get(5, TimeUnit.SECONDS)).isEqualTo("handoff-test-pool");
        assertThatThrownBy(() -> f.get(1, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasRootCauseMessage("boom");
    }

    @Test
    void ofFollowsTheSourceWithoutChangingIt() throws Exception {
        CompletableFuture<String> source = new CompletableFuture<>();
        HandOffFuture<String> f = HandOffFuture.of(source, pool);
        CompletableFuture<String> onSource = source.thenApply(v -> Thread.currentThread().getName());
        CompletableFuture<String> onHandOff = f.thenApply(v -> Thread.currentThread().getName());
        Thread completer = new Thread(() -> source.complete("v"), "socket-reader");
        completer.start();
        completer.join(5000);
        assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo("v");
        assertThat(onSource.get(5, TimeUnit.SECONDS)).isEqualTo("socket-reader");
        assertThat(onHandOff.get(5, TimeUnit.SECONDS)).isEqualTo("handoff-test-pool");

        CompletableFuture<String> failing = new CompletableFuture<>();
        HandOffFuture<String> g = HandOffFuture.of(failing, pool);
        failing.completeExceptionally(new IllegalArgumentException("no"));
        assertThatThrownBy(() -> g.get(5, TimeUnit.SECONDS)).hasRootCauseMessage("no");
    }

    @Test
    void aShutDownExecutorRunsContinuationsOnTheCompletingThreadInsteadOfThrowingThere() throws Exception {
        HandOffFuture<String> f = new HandOffFuture<>(pool);
        CompletableFuture<String> where = f.thenApply(v -> Thread.currentThread().getName());
        pool.shutdown();
        assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        Thread completer = new Thread(() -> f.complete("v"), "socket-reader");
        completer.start();
        completer.join(5000);
        assertThat(where.get(5, TimeUnit.SECONDS)).isEqualTo("socket-reader");
    }
}
