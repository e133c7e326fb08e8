package io.clawgo.subagent;

import com.google.gson.annotations.SerializedName;

/**
 * The outcome of {@code dispatch_and_wait}.
 *
 * @param status        {@code completed}, {@code failed}, or {@code timeout} (the wait ended first; the task goes on)
 * @param result        what the agent returned (for a node: the node payload's {@code result}, else {@code content},
 *                      else the rest of the payload as JSON)
 * @param error         error text when not completed
 * @param code          error code when failed (see {@link io.clawgo.protocol.ErrorCodes}); {@code timeout} when the
 *                      wait ended first
 * @param taskId        the task
 * @param agentId       the agent
 * @param node          the node of a node branch
 * @param usedTransport transport of the last attempt
 * @param fallbackFrom  P2P transport that failed before the relay carried it
 */
public record SubagentReply(
        String status,
        String result,
        String error,
        String code,
        @SerializedName("task_id") String taskId,
        @SerializedName("agent_id") String agentId,
        String node,
        @SerializedName("used_transport") String usedTransport,
        @SerializedName("fallback_from") String fallbackFrom) {

    /** The {@link #status()} of a reply whose wait ended before the task did. */
    public static final String TIMEOUT = "timeout";
}
