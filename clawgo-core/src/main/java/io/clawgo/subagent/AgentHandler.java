package io.clawgo.subagent;

/**
 * A local agent of the gateway: runs a task in-process and returns its result text. Runs on the runtime's bounded
 * executor; a thrown exception fails the task with its message (never a stack trace to the caller).
 */
@FunctionalInterface
public interface AgentHandler {
    String run(SubagentTask task) throws Exception;
}
