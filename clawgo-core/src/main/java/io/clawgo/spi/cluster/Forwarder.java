package io.clawgo.spi.cluster;

import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Sends a dispatch to the gateway that holds the node's connection and brings its answer back. The receiving
 * gateway runs it through {@link ClusterContext#dispatchHere}.
 *
 * <p>Delivery is at most once per call: a request is never sent twice, and an answer lost on the way is reported as
 * an error, never retried.
 */
public interface Forwarder {

    /**
     * Forwards one dispatch.
     *
     * @param target  the directory entry of the node (its gateway and generation)
     * @param request the request
     * @param mode    the dispatch mode, applied on the receiving gateway
     * @param budget  the caller's remaining time; the receiving gateway gets it too
     * @return a future that always completes normally within {@code budget} (plus the engine's round trip): the
     *         node's response, or an error response such as {@code node_offline} (no gateway serves the node),
     *         {@code cluster_unavailable} (the engine cannot be reached), {@code gateway_lost} (the receiving gateway
     *         went away with the request) or {@code timeout}
     */
    CompletableFuture<Response> forward(DirectoryEntry target, Request request, DispatchMode mode, Duration budget);
}
