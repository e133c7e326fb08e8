package io.clawgo.subagent;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Runs tasks on agents by id. Obtained from {@code Gateway.subagents()}; the REST route
 * {@code POST /webui/api/subagents_runtime} exposes the same actions.
 */
public interface SubagentRuntime {

    /** Recent tasks, newest first (bounded). */
    List<SubagentTask> list();

    /** A task by id. */
    Optional<SubagentTask> get(String taskId);

    /**
     * Starts a task and returns at once with its {@code running} snapshot.
     *
     * @throws IllegalArgumentException for an empty task or an unknown agent (the message says which are known)
     */
    SubagentTask spawn(SpawnRequest request);

    /**
     * Starts a task and waits at most {@code wait} for it. On time-out the reply status is {@code timeout} and the task
     * goes on; {@link #get} shows its end.
     */
    DispatchResult dispatchAndWait(SpawnRequest request, Duration wait);

    /** Every agent: local agents plus one {@code node.<id>.main} branch per registered node, sorted by id. */
    List<AgentEntry> registry();
}
