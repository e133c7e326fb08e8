package io.clawgo.subagent;

import com.google.gson.annotations.SerializedName;
import java.time.Instant;

/**
 * One task of the runtime, as a snapshot.
 *
 * @param id            task id ({@code subagent-N})
 * @param task          task text
 * @param label         label, if any
 * @param agentId       target agent
 * @param transport     {@code local} or {@code node}
 * @param nodeId        the node of a node branch
 * @param status        {@link #RUNNING}, {@link #COMPLETED} or {@link #FAILED}
 * @param result        result text when completed
 * @param error         error text when failed
 * @param code          error code when failed ({@link io.clawgo.protocol.ErrorCodes}; {@code remote_error} when a
 *                      local agent threw, {@code timeout} when it did not finish in time)
 * @param usedTransport the transport that carried the last attempt (node tasks)
 * @param fallbackFrom  the P2P transport that failed before the relay carried it
 * @param retryCount    attempts after the first
 * @param created       creation time
 * @param updated       last change
 */
public record SubagentTask(
        String id,
        String task,
        String label,
        @SerializedName("agent_id") String agentId,
        String transport,
        @SerializedName("node_id") String nodeId,
        String status,
        String result,
        String error,
        String code,
        @SerializedName("used_transport") String usedTransport,
        @SerializedName("fallback_from") String fallbackFrom,
        @SerializedName("retry_count") int retryCount,
        Instant created,
        Instant updated) {

    /** Status of a task that has not ended yet. */
    public static final String RUNNING = "running";
    /** Status of a task that ended with a result. */
    public static final String COMPLETED = "completed";
    /** Status of a task that ended with an error. */
    public static final String FAILED = "failed";

    /**
     * Whether the task has ended.
     *
     * @return {@code true} unless the status is {@link #RUNNING}
     */
    public boolean isDone() {
        return !RUNNING.equals(status);
    }
}
