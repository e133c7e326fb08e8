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
 */
public record SpawnRequest(String agentId, String task, String label, Duration timeout, int maxRetries) {

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
     */
    public SpawnRequest {
        agentId = agentId == null ? "" : agentId.trim();
        task = task == null ? "" : task.trim();
        timeout = timeout == null || timeout.isZero() || timeout.isNegative() ? DEFAULT_TIMEOUT : timeout;
        maxRetries = Math.max(0, Math.min(8, maxRetries));
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
