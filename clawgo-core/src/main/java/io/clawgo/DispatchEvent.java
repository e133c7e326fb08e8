package io.clawgo;

import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One finished node dispatch, as a {@link Gateway.Listener} sees it: every {@link Gateway#dispatch}, every node task of
 * the subagent runtime and every REST replay, successful or not (a dispatch refused before it was sent, for example
 * {@code node_offline}, is one too). The same facts as a line of the dispatch audit.
 *
 * @param request   the request as the caller gave it
 * @param mode      the mode the dispatch was made in ({@link DispatchMode#wire()} gives the {@code auto},
 *                  {@code p2p} or {@code relay} of the audit and the REST API)
 * @param response  what the caller got: the node's response, or an error response with a {@code code}
 * @param startedAt when the dispatch was asked for
 * @param duration  from then until the response
 */
public record DispatchEvent(Request request, DispatchMode mode, Response response, Instant startedAt,
                            Duration duration) {

    /**
     * Checks that every component is there.
     *
     * @param request   the request as the caller gave it
     * @param mode      the mode the dispatch was made in
     * @param response  what the caller got
     * @param startedAt when the dispatch was asked for
     * @param duration  from then until the response
     * @throws NullPointerException when a component is {@code null}
     */
    public DispatchEvent {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(response, "response");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(duration, "duration");
    }

    /** @return the node the request was for */
    public String node() {
        return request.node();
    }

    /** @return the requested action */
    public String action() {
        return request.action();
    }

    /** @return whether the node answered with success */
    public boolean ok() {
        return response.ok();
    }

    /** @return the response's code: {@code ok} on success (as nodes send it), else {@code timeout}, {@code node_offline}, ... */
    public String code() {
        return response.code();
    }

    /**
     * @return the transport that carried the request ({@code websocket_tunnel}, {@code webrtc}, {@code http_relay},
     *         ...), or {@code null} when none did (the dispatch was refused before it was sent)
     */
    public String usedTransport() {
        return response.payloadString("used_transport");
    }

    /**
     * @return the trace id of the W3C {@code traceparent} the dispatch carried (32 hexadecimal digits), or
     *         {@code null} when the caller gave none
     */
    public String traceId() {
        return request.traceId();
    }

    /** @return the P2P transport that failed before {@link #usedTransport()} took over, or {@code null} */
    public String fallbackFrom() {
        return response.payloadString("fallback_from");
    }
}
