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
 * @param status        {@code running}, {@code completed}, {@code failed}
 * @param result        result text when completed
 * @param error         error text when failed
 * @param code          error code when failed ({@link io.clawgo.protocol.ErrorCodes})
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

    public static final String RUNNING = "running";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";

    public boolean isDone() {
        return !RUNNING.equals(status);
    }
}
