package io.clawgo.subagent;

/**
 * A local agent of the gateway: runs a task in-process and returns its result text. Runs on a
 * {@code clawgo-agent-*} thread of the gateway (at most 256 tasks of the runtime run at once), so it may block; a
 * thrown exception fails the task with its message (never a stack trace to the caller).
 */
@FunctionalInterface
public interface AgentHandler {
    /**
     * Runs one task. When the task's timeout ({@link SpawnRequest#timeout()}) passes first, the task fails with code
     * {@code timeout} and the return value is ignored; the thread is not interrupted then, only when the gateway
     * closes. Until this method returns, the task still counts against the 256 that may run at once.
     *
     * @param task the task's {@code running} snapshot; {@link SubagentTask#task()} is the text
     * @return the result text; {@code null} counts as empty
     * @throws Exception any failure: the task fails with code {@code remote_error} and the exception's message (or
     *                   its class name when it has none)
     */
    String run(SubagentTask task) throws Exception;
}
