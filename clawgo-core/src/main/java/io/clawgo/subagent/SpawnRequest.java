package io.clawgo.subagent;

import java.time.Duration;

/**
 * What to run and where.
 *
 * @param agentId    target agent: a local agent id or {@code node.<node-id>.<agent>} (trimmed; required)
 * @param task       the task text (trimmed; required, at most 262144 characters)
 * @param label      optional label
 * @param timeout    how long one attempt may run (default 120 s; {@code null}, zero or negative means the default)
 * @param maxRetries retries of a node task after a failure where the node did not run it ({@code p2p_*},
 *                   {@code node_busy} or {@code node_offline}), 500 ms times the attempt number apart; clamped to
 *                   0..8 (default 0)
 * @param traceparent the caller's W3C {@code traceparent}, carried by every attempt of a node task to the node (see
 *                   {@link io.clawgo.protocol.Request#traceparent()}); {@code null} for none. Kept as given: a value
 *                   that is not valid there is dropped from the node's request, not sent. A local agent does not
 *                   see it
 */
public record SpawnRequest(String agentId, String task, String label, Duration timeout, int maxRetries,
                           String traceparent) {

    /** The default {@link #timeout()}: 120 s. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    /**
     * Creates a request, normalised: {@code agentId} and {@code task} trimmed ({@code null} becomes empty), the
     * timeout defaulted, {@code maxRetries} clamped to 0..8. Emptiness is checked by the runtime.
     *
     * @param agentId    target agent
     * @param task       the task text
     * @param label      optional label, or {@code null}
     * @param timeout    per-attempt timeout, or {@code null} for 120 s
     * @param maxRetries retries of a node task, clamped to 0..8
     * @param traceparent the caller's W3C {@code traceparent}, or {@code null}
     */
    public SpawnRequest {
        agentId = agentId == null ? "" : agentId.trim();
        task = task == null ? "" : task.trim();
        timeout = timeout == null || timeout.isZero() || timeout.isNegative() ? DEFAULT_TIMEOUT : timeout;
        maxRetries = Math.max(0, Math.min(8, maxRetries));
    }

    /**
     * Creates a request without trace context; see the canonical constructor.
     *
     * @param agentId    target agent
     * @param task       the task text
     * @param label      optional label, or {@code null}
     * @param timeout    per-attempt timeout, or {@code null} for 120 s
     * @param maxRetries retries of a node task, clamped to 0..8
     */
    public SpawnRequest(String agentId, String task, String label, Duration timeout, int maxRetries) {
        this(agentId, task, label, timeout, maxRetries, null);
    }

    /**
     * This request with another trace context.
     *
     * @param newTraceparent a W3C {@code traceparent}, or {@code null} for none
     * @return a copy with {@code traceparent} replaced
     */
    public SpawnRequest withTraceparent(String newTraceparent) {
        return new SpawnRequest(agentId, task, label, timeout, maxRetries, newTraceparent);
    }

    /**
     * A task for {@code agentId} with defaults: no label, 120 s, no retries.
     *
     * @param agentId target agent, for example {@code node.edge-1.main}
     * @param task    the task text
     * @return the request
     */
    public static SpawnRequest of(String agentId, String task) {
        return new SpawnRequest(agentId, task, null, null, 0);
    }
}
