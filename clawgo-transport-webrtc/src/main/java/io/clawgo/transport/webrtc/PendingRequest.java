package io.clawgo.transport.webrtc;

import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import java.util.concurrent.CompletableFuture;

/**
 * One request on its way to a node over webrtc. Its state decides the failure code when something goes wrong:
 * {@code WAITING} (the channel is not open yet: the node cannot have run it, so a {@code p2p_*} code and the router may
 * fall back), {@code WRITING} (handed to the writer; the write's outcome decides) and {@code SENT} (the node may run or
 * have run it: never a fallback code).
 */
final class PendingRequest {
    enum State { WAITING, WRITING, SENT }

    final String id;
    final Request request;
    final long timeoutMillis;
    final CompletableFuture<Response> result = new CompletableFuture<>();
    /** {@link System#nanoTime()} when the request times out. */
    final long deadlineAt;
    private volatile State state = State.WAITING;
    /** {@link System#nanoTime()} when waiting for the channel ends, or 0 (see {@link GatewayEnv#sweep}). */
    volatile long readyWaitAt;
    volatile long readyWaitMillis;

    PendingRequest(String id, Request request, long timeoutMillis) {
        this.id = id;
        this.request = request;
        this.timeoutMillis = timeoutMillis;
        this.deadlineAt = System.nanoTime() + timeoutMillis * 1_000_000L;
    }

    State state() {
        return state;
    }

    void state(State s) {
        state = s;
    }

    /** Completes once; later calls are ignored. */
    boolean complete(Response r) {
        return result.complete(r);
    }

    boolean fail(String code, String message) {
        return complete(Response.error(request, code, message));
    }
}
