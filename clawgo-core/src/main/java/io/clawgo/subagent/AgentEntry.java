package io.clawgo.subagent;

import com.google.gson.annotations.SerializedName;
import java.util.Map;

/**
 * One agent of the registry ({@link SubagentRuntime#registry()}).
 *
 * @param agentId       {@code main} (the root of the tree), a local agent id, or {@code node.<id>.<agent>}
 * @param displayName   human name
 * @param type          {@code router} (the root {@code main}), {@code local} or {@code node_branch}
 * @param transport     {@code local} or {@code node}
 * @param nodeId        the node of a node branch, else {@code null}
 * @param parentAgentId the agent it hangs under: {@code main}, or a node's {@code node.<id>.main}; {@code null} for
 *                      {@code main}
 * @param enabled       whether tasks can be sent now (a node branch of an offline node is disabled); the root
 *                      {@code main} shows {@code true} although tasks cannot address it
 * @param online        for node branches, whether the node is online; {@code true} for the others
 * @param managedBy     {@code local} or {@code node_registry}
 * @param p2p           for node branches: {@code transport}, {@code status}, {@code retry_count},
 *                      {@code last_ready_at}, {@code last_error} of the node's P2P session
 */
public record AgentEntry(
        @SerializedName("agent_id") String agentId,
        @SerializedName("display_name") String displayName,
        String type,
        String transport,
        @SerializedName("node_id") String nodeId,
        @SerializedName("parent_agent_id") String parentAgentId,
        boolean enabled,
        boolean online,
        @SerializedName("managed_by") String managedBy,
        Map<String, Object> p2p) {
}
