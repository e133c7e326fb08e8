package io.clawgo.cluster.nats;

/**
 * The NATS headers of a forwarded dispatch. A dispatch with trace context also carries {@code traceparent}
 * ({@link io.clawgo.protocol.Traceparent#HEADER}) for NATS tools to see; the receiving gateway reads the request
 * body's field, which holds the same value.
 */
final class Headers {
    static final String MODE = "Clawgo-Mode";
    static final String BUDGET_MS = "Clawgo-Budget-Ms";
    static final String GENERATION = "Clawgo-Generation";
    static final String FROM = "Clawgo-From";

    /** Room kept under the server's max_payload for headers and the subject. */
    static final int OVERHEAD_BYTES = 1024;

    private Headers() {
    }
}
