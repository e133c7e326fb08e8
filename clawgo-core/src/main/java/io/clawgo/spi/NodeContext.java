package io.clawgo.spi;

import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireMessage;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;

/** What the node core gives a node-side transport. */
public interface NodeContext {

    /** This node's id. */
    String nodeId();

    /** Queues a message on the control socket; {@code false} when not connected, too large, or the queue is full. */
    boolean send(WireMessage message);

    /**
     * Runs a request on the node's bounded executor (its local endpoint or in-process handler). Completes normally,
     * with a failed response ({@code node_busy}) when the executor is saturated.
     */
    CompletionStage<Response> execute(Request request);

    /** Largest frame or payload, in bytes. */
    int maxMessageBytes();

    /** A shared scheduler for timers; do not block in its tasks, and do not shut it down. */
    ScheduledExecutorService scheduler();
}
