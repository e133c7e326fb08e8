package io.clawgo.internal.transport;

import io.clawgo.protocol.DispatchMode;
import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.config.DispatchPolicy;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.spi.GatewayTransport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Routing rules: which transport carries a request, when the router falls back, and how it annotates. */
class RouterTest {

    /** A transport that answers with a scripted function and counts its calls. */
    static final class Scripted implements GatewayTransport {
        final String name;
        final Function<Request, CompletionStage<Response>> answer;
        final AtomicInteger calls = new AtomicInteger();

        Scripted(String name, Function<Request, CompletionStage<Response>> answer) {
            this.name = name;
            this.answer = answer;
        }

        static Scripted ok(String name) {
            return new Scripted(name, r -> CompletableFuture.completedFuture(
                    Response.ok(Map.of("result", "from " + name))));
        }

        static Scripted failing(String name, String code) {
            return new Scripted(name, r -> CompletableFuture.completedFuture(Response.error(r, code, name + " says " + code)));
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public CompletionStage<Response> send(Request request, Duration timeout) {
            calls.incrementAndGet();
            return answer.apply(request);
        }

        @Override
        public void close() {
        }
    }

    private static final Request REQ = new Request("run", "edge-1", null, null, null);
    private static final Duration T = Duration.ofSeconds(2);
    private static final ScheduledExecutorService TIMERS = Executors.newSingleThreadScheduledExecutor();
    private static final ExecutorService FALLBACKS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "router-fallback");
        t.setDaemon(true);
        return t;
    });

    @AfterAll
    static void stopTimers() {
        TIMERS.shutdownNow();
        FALLBACKS.shutdownNow();
    }

    @Test
    void autoPrefersP2pAndAnnotates() {
        Scripted p2p = Scripted.ok("websocket_tunnel");
        Scripted relay = Scripted.ok("http_relay");
        Response r = new Router(List.of(p2p), relay, DispatchPolicy.DEFAULT, TIMERS, FALLBACKS).dispatch(REQ, DispatchMode.AUTO, T).join();
        assertThat(r.ok()).isTrue();
        assertThat(r.payload()).containsEntry("dispatch_mode", "auto").containsEntry("used_transport", "websocket_tunnel")
                .doesNotContainKey("fallback_from").containsEntry("result", "from websocket_tunnel");
        assertThat(r.node()).isEqualTo("edge-1");
        assertThat(relay.calls).hasValue(0);
    }

    @Test
    void autoFallsBackOnTransportFailureThroughTheChainAndRecordsTheFirstFailure() {
        Scripted webrtc = Scripted.failing("webrtc", ErrorCodes.P2P_TIMEOUT);
        Scripted tunnel = Scripted.failing("websocket_tunnel", ErrorCodes.P2P_UNAVAILABLE);
        Scripted relay = Scripted.ok("http_relay");
        Response r = new Router(List.of(webrtc, tunnel), relay, DispatchPolicy.DEFAULT, TIMERS, FALLBACKS)
                .dispatch(REQ, DispatchMode.AUTO, T).join();
        assertThat(r.ok()).isTrue();
        assertThat(r.payload()).containsEntry("used_transport", "http_relay").containsEntry("fallback_from", "webrtc");
        assertThat(List.of(webrtc.calls.get(), tunnel.calls.get(), relay.calls.get())).containsExactly(1, 1, 1);

        Scripted tunnelOk = Scripted.ok("websocket_tunnel");
        Response viaTunnel = new Router(List.of(Scripted.failing("webrtc", ErrorCodes.P2P_TIMEOUT), tunnelOk), relay,
                DispatchPolicy.DEFAULT, TIMERS, FALLBACKS).dispatch(REQ, DispatchMode.AUTO, T).join();
        assertThat(viaTunnel.payload()).containsEntry("used_transport", "websocket_tunnel")
                .containsEntry("fallback_from", "webrtc");
    }

    @Test
    void aFallbackAttemptStartsOnTheFallbackExecutorNotOnTheThreadThatReportedTheFailure() {
        CompletableFuture<Response> failure = new CompletableFuture<>();
        Scripted p2p = new Scripted("websocket_tunnel", r -> failure);
        AtomicReference<String> relayThread = new AtomicReference<>();
        Scripted relay = new Scripted("http_relay", r -> {
            relayThread.set(Thread.currentThread().getName());
            return CompletableFuture.completedFuture(Response.ok(Map.of()));
        });
        CompletableFuture<Response> result = new Router(List.of(p2p), relay, DispatchPolicy.DEFAULT, TIMERS, FALLBACKS)
                .dispatch(REQ, DispatchMode.AUTO, T);
        Thread reader = new Thread(() -> failure.complete(Response.error(REQ, ErrorCodes.P2P_UNAVAILABLE, "closed")),
                "socket-reader");
        reader.start();
        Response r = result.join();
        assertThat(r.payload()).containsEntry("used_transport", "http_relay")
                .containsEntry("fallback_from", "websocket_tunnel");
        assertThat(relayThread.get()).isEqualTo("router-fallback");
    }

    @Test
    void anApplicationErrorFromTheNodeIsNeverRetriedElsewhere() {
        Scripted p2p = Scripted.failing("websocket_tunnel", ErrorCodes.REMOTE_ERROR);
        Scripted timeout = Scripted.failing("webrtc", ErrorCodes.TIMEOUT);
        Scripted relay = Scripted.ok("http_relay");
        Response r = new Router(List.of(p2p), relay, DispatchPolicy.DEFAULT, TIMERS, FALLBACKS).dispatch(REQ, DispatchMode.AUTO, T).join();
        assertThat(r.ok()).isFalse();
        assertThat(r.code()).isEqualTo(ErrorCodes.REMOTE_ERROR);
        assertThat(r.payload()).containsEntry("used_transport", "websocket_tunnel");
        // a request that was sent but not answered in time may have run: no second attempt either
        Response t = new Router(List.of(timeout), relay, DispatchPolicy.DEFAULT, TIMERS, FALLBACKS).dispatch(REQ, DispatchMode.AUTO, T).join();
        assertThat(t.code()).isEqualTo(ErrorCodes.TIMEOUT);
        assertThat(relay.calls).hasValue(0);
    }

    @Test
    void policyAndModesAreHonoured() {
        Scripted p2p = Scripted.failing("websocket_tunnel", ErrorCodes.P2P_UNAVAILABLE);
        Scripted relay = Scripted.ok("http_relay");
        Response noFallback = new Router(List.of(p2p), relay, new DispatchPolicy(true, false), TIMERS, FALLBACKS)
                .dispatch(REQ, DispatchMode.AUTO, T).join();
        assertThat(noFallback.code()).isEqualTo(ErrorCodes.P2P_UNAVAILABLE);
        assertThat(relay.calls).hasValue(0);

        Response relayFirst = new Router(List.of(p2p), relay, new DispatchPolicy(false, true), TIMERS, FALLBACKS)
                .dispatch(REQ, DispatchMode.AUTO, T).join();
        assertThat(relayFirst.payload()).containsEntry("used_transport", "http_relay").doesNotContainKey("fallback_from");

        Response p2pOnly = new Router(List.of(p2p), relay, DispatchPolicy.DEFAULT, TIMERS, FALLBACKS).dispatch(REQ, DispatchMode.P2P, T).join();
        assertThat(p2pOnly.code()).isEqualTo(ErrorCodes.P2P_UNAVAILABLE);
        assertThat(p2pOnly.payload()).containsEntry("dispatch_mode", "p2p");

        Response disabled = new Router(List.of(), relay, DispatchPolicy.DEFAULT, TIMERS, FALLBACKS).dispatch(REQ, DispatchMode.P2P, T).join();
        assertThat(disabled.code()).isEqualTo(ErrorCodes.P2P_UNAVAILABLE);
        Response relayMode = new Router(List.of(), relay, DispatchPolicy.DEFAULT, TIMERS, FALLBACKS).dispatch(REQ, DispatchMode.RELAY, T).join();
        assertThat(relayMode.payload()).containsEntry("dispatch_mode", "relay").containsEntry("used_transport", "http_relay");
    }

    @Test
    void brokenTransportsBecomeCleanFailuresWithinTheTimeout() {
        Scripted throwing = new Scripted("bad", r -> {
            throw new IllegalStateException("boom");
        });
        Scripted exceptional = new Scripted("worse", r -> CompletableFuture.failedFuture(new RuntimeException("kaput")));
        Scripted silent = new Scripted("silent", r -> new CompletableFuture<>());
        Router router = new Router(List.of(), throwing, DispatchPolicy.DEFAULT, TIMERS, FALLBACKS);
        Response r1 = router.dispatch(REQ, DispatchMode.RELAY, T).join();
        assertThat(r1.code()).isEqualTo(ErrorCodes.TRANSPORT_ERROR);
        assertThat(r1.error()).contains("boom");
        Response r2 = new Router(List.of(), exceptional, DispatchPolicy.DEFAULT, TIMERS, FALLBACKS).dispatch(REQ, DispatchMode.RELAY, T).join();
        assertThat(r2.code()).isEqualTo(ErrorCodes.TRANSPORT_ERROR);
        long t0 = System.nanoTime();
        Response r3 = new Router(List.of(), silent, DispatchPolicy.DEFAULT, TIMERS, FALLBACKS)
                .dispatch(REQ, DispatchMode.RELAY, Duration.ofMillis(100)).join();
        assertThat(r3.code()).isEqualTo(ErrorCodes.TIMEOUT);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void theGuardForgetsAnsweredDispatchesAndEndsSilentOnesAfterTheirDeadline() throws Exception {
        try (DeadlineGuard guard = new DeadlineGuard(TIMERS, 20)) {
            CompletableFuture<String> answered = guard.watch(new CompletableFuture<>(), System.nanoTime()
                    + Duration.ofMillis(50).toNanos(), () -> "expired");
            CompletableFuture<String> silent = guard.watch(new CompletableFuture<>(), System.nanoTime()
                    + Duration.ofMillis(50).toNanos(), () -> "expired");
            assertThat(guard.size()).isEqualTo(2);
            answered.complete("answer");
            assertThat(guard.size()).isEqualTo(1);
            assertThat(silent.get(2, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("expired");
            assertThat(answered.join()).isEqualTo("answer");
            assertThat(guard.size()).isZero();
            // an already completed future is not watched at all
            guard.watch(CompletableFuture.completedFuture("done"), System.nanoTime(), () -> "expired");
            assertThat(guard.size()).isZero();
        }
    }
}
