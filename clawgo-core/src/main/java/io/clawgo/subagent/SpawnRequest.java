package io.clawgo.subagent;

import java.time.Duration;

/**
 * What to run and where.
 *
 * @param agentId    target agent: a local agent id or {@code node.<node-id>.<agent>}
 * @param task       the task text (required)
 * @param label      optional label
 * @param timeout    how long one attempt may run (default 120 s)
 * @param maxRetries retries after a transport failure (the node did not run the task), 0..8 (default 0)
 */
public record SpawnRequest(String agentId, String task, String label, Duration timeout, int maxRetries) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    public SpawnRequest {
        agentId = agentId == null ? "" : agentId.trim();
        task = task == null ? "" : task.trim();
        timeout = timeout == null || timeout.isZero() || timeout.isNegative() ? DEFAULT_TIMEOUT : timeout;
        maxRetries = Math.max(0, Math.min(8, maxRetries));
    }

    /** A task for {@code agentId} with defaults. */
    public static SpawnRequest of(String agentId, String task) {
        return new SpawnRequest(agentId, task, null, null, 0);
    }
}
