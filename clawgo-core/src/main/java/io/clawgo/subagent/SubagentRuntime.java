package io.clawgo.subagent;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Runs tasks on agents by id. Obtained from {@code Gateway.subagents()}; the REST route
 * {@code POST /webui/api/subagents_runtime} exposes the same actions. Thread-safe.
 *
 * <p>A task for a local agent runs its {@link AgentHandler}; a task for {@code node.<id>.<agent>} becomes an
 * {@code agent_task} request to node {@code <id>} (split at the last dot; {@code node.<id>} alone means agent
 * {@code main}) with {@code args.remote_agent_id = <agent>}, dispatched in {@code auto} mode. At most 256 tasks run at
 * once; the last 1000 task records are kept in memory (finished ones are dropped oldest first), and every finished
 * task is appended to the task audit.
 */
public interface SubagentRuntime {

    /**
     * Recent tasks.
     *
     * @return the kept task records (at most about 1000), newest first
     */
    List<SubagentTask> list();

    /**
     * A task by id.
     *
     * @param taskId the task id, for example {@code subagent-1} (trimmed); {@code null} finds nothing
     * @return the task's current snapshot, or empty when unknown or no longer kept
     */
    Optional<SubagentTask> get(String taskId);

    /**
     * Starts a task and returns at once with its current snapshot, normally {@code running}; a task that fails at
     * once (for example, its node is offline) may already be {@code failed}.
     *
     * @param request what to run and where
     * @return the task snapshot
     * @throws IllegalArgumentException for an empty or too long task, an empty agent id, or an unknown agent (the
     *                                  message says which are known)
     * @throws IllegalStateException    when 256 tasks are running already
     */
    SubagentTask spawn(SpawnRequest request);

    /**
     * Starts a task and waits at most {@code wait} for it. On time-out the reply status is {@code timeout} and the task
     * goes on; {@link #get} shows its end. An interruption ends the wait the same way, with the thread's interrupt
     * flag set.
     *
     * @param request what to run and where
     * @param wait    how long to wait for the task's end
     * @return the task snapshot, the reply and the merged text
     * @throws IllegalArgumentException as {@link #spawn}
     * @throws IllegalStateException    as {@link #spawn}
     */
    DispatchResult dispatchAndWait(SpawnRequest request, Duration wait);

    /**
     * Every agent: the root {@code main}, the local agents, and per registered node one {@code node.<id>.main} branch
     * plus one {@code node.<id>.<agent>} branch per agent the node advertises.
     *
     * @return the entries sorted by agent id
     */
    List<AgentEntry> registry();
}
