package io.clawgo.internal.node;

import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;

/**
 * A synchronous observer of the requests a node runs ({@code NodeAgent.Observer} behind it). Called on the thread that
 * completed the request (an executor thread, the deadline sweep, or the receiving thread for a refusal): count and
 * return.
 */
public interface NodeProbe {
    /**
     * The node answered a request that reached it over a transport.
     *
     * @param request       the request
     * @param response      the answer, a failed one with its code included ({@code node_busy}, {@code timeout}, ...)
     * @param durationNanos from receiving the request until the answer
     */
    void onRequest(Request request, Response response, long durationNanos);
}
