package io.clawgo.internal.transport;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A future that may be completed on a socket reader yet never runs a caller's code there: every continuation attached
 * without an executor ({@code thenApply}, {@code whenComplete}, ...) runs on {@link #executor} instead, as if its
 * {@code ...Async(fn, executor)} twin had been called. A thread blocked in {@code get} or {@code join} is woken by the
 * completing thread directly, with no hand-off: the reader only unparks it.
 *
 * <p>Stages derived from it are {@code HandOffFuture}s too, so the rule holds down a chain. A continuation attached
 * after completion also runs on the executor, not on the attaching thread. {@link #minimalCompletionStage()} keeps the
 * rule too. Completing it ({@code complete}, {@code completeExceptionally}) works as usual.
 *
 * @param <T> the result type
 */
public final class HandOffFuture<T> extends CompletableFuture<T> {
    private final Executor executor;

    /**
     * @param executor where continuations attached without an executor run; when it rejects a task (it was shut
     *                 down), the task runs on the completing thread rather than throwing there
     */
    public HandOffFuture(Executor executor) {
        Objects.requireNonNull(executor, "executor");
        this.executor = NeverRejecting.wrap(executor);
    }

    /**
     * A future completed like {@code source} that hands its continuations to {@code executor}.
     *
     * @param source   the future to follow; its own continuations are not affected
     * @param executor where continuations attached to the result without an executor run
     * @param <T>      the result type
     * @return the new future
     */
    public static <T> HandOffFuture<T> of(CompletableFuture<T> source, Executor executor) {
        HandOffFuture<T> out = new HandOffFuture<>(executor);
        source.whenComplete((v, e) -> {
            if (e != null) {
                out.completeExceptionally(e);
            } else {
                out.complete(v);
            }
        });
        return out;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new HandOffFuture<>(executor); // already wrapped: used as it is
    }

    @Override
    public Executor defaultExecutor() {
        return executor;
    }

    /**
     * A copy of this future, as a stage that keeps the rule: the JDK's minimal stage would run continuations attached
     * after completion on the attaching thread, and those attached before on the completing one. Completing the copy
     * does not complete this future.
     */
    @Override
    public CompletionStage<T> minimalCompletionStage() {
        return copy();
    }

    @Override
    public <U> CompletableFuture<U> thenApply(Function<? super T, ? extends U> fn) {
        return thenApplyAsync(fn, executor);
    }

    @Override
    public CompletableFuture<Void> thenAccept(Consumer<? super T> action) {
        return thenAcceptAsync(action, executor);
    }

    @Override
    public CompletableFuture<Void> thenRun(Runnable action) {
        return thenRunAsync(action, executor);
    }

    @Override
    public <U, V> CompletableFuture<V> thenCombine(CompletionStage<? extends U> other,
                                                   BiFunction<? super T, ? super U, ? extends V> fn) {
        return thenCombineAsync(other, fn, executor);
    }

    @Override
    public <U> CompletableFuture<Void> thenAcceptBoth(CompletionStage<? extends U> other,
                                                      BiConsumer<? super T, ? super U> action) {
        return thenAcceptBothAsync(other, action, executor);
    }

    @Override
    public CompletableFuture<Void> runAfterBoth(CompletionStage<?> other, Runnable action) {
        return runAfterBothAsync(other, action, executor);
    }

    @Override
    public <U> CompletableFuture<U> applyToEither(CompletionStage<? extends T> other, Function<? super T, U> fn) {
        return applyToEitherAsync(other, fn, executor);
    }

    @Override
    public CompletableFuture<Void> acceptEither(CompletionStage<? extends T> other, Consumer<? super T> action) {
        return acceptEitherAsync(other, action, executor);
    }

    @Override
    public CompletableFuture<Void> runAfterEither(CompletionStage<?> other, Runnable action) {
        return runAfterEitherAsync(other, action, executor);
    }

    @Override
    public <U> CompletableFuture<U> thenCompose(Function<? super T, ? extends CompletionStage<U>> fn) {
        return thenComposeAsync(fn, executor);
    }

    @Override
    public CompletableFuture<T> whenComplete(BiConsumer<? super T, ? super Throwable> action) {
        return whenCompleteAsync(action, executor);
    }

    @Override
    public <U> CompletableFuture<U> handle(BiFunction<? super T, Throwable, ? extends U> fn) {
        return handleAsync(fn, executor);
    }

    @Override
    public CompletableFuture<T> exceptionally(Function<Throwable, ? extends T> fn) {
        return exceptionallyAsync(fn, executor);
    }

    @Override
    public CompletableFuture<T> exceptionallyCompose(Function<Throwable, ? extends CompletionStage<T>> fn) {
        return exceptionallyComposeAsync(fn, executor);
    }
}
