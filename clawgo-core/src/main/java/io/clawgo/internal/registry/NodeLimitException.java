package io.clawgo.internal.registry;

import io.clawgo.protocol.ErrorCodes;

/**
 * A new node id was refused because the registry already holds its maximum of nodes ({@code gateway.max_nodes}).
 * Its code is {@link ErrorCodes#TOO_MANY_NODES}; its message names the limit and says what to do, and is the same for
 * every refusal under one limit (so a node that retries logs it once).
 */
public final class NodeLimitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int limit;

    NodeLimitException(int limit) {
        super("this gateway already holds its maximum of " + limit + " nodes (gateway.max_nodes); retry later, or "
                + "delete offline nodes");
        this.limit = limit;
    }

    /**
     * The stable error code.
     *
     * @return {@link ErrorCodes#TOO_MANY_NODES}
     */
    public String code() {
        return ErrorCodes.TOO_MANY_NODES;
    }

    /**
     * The limit that was reached.
     *
     * @return {@code gateway.max_nodes}
     */
    public int limit() {
        return limit;
    }
}
