package io.clawgo.protocol;

import com.google.gson.annotations.SerializedName;

/**
 * An agent exposed by a node (for example {@code main} or {@code coder}).
 *
 * @param id            agent id, required
 * @param displayName   human name
 * @param role          free-form role
 * @param type          router, worker, reviewer, observer, node_branch ...
 * @param transport     {@code local} or {@code node}
 * @param parentAgentId the agent this one hangs under in the tree
 */
public record AgentInfo(
        String id,
        @SerializedName("display_name") String displayName,
        String role,
        String type,
        String transport,
        @SerializedName("parent_agent_id") String parentAgentId) {

    /**
     * An agent with only an id.
     *
     * @param id the agent id
     * @return an agent whose other fields are {@code null}
     */
    public static AgentInfo of(String id) {
        return new AgentInfo(id, null, null, null, null, null);
    }
}
