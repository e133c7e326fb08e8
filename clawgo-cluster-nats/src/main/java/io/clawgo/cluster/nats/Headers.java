package io.clawgo.cluster.nats;

/** The NATS headers of a forwarded dispatch. */
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
