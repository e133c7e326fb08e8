package io.clawgo.subagent;

/**
 * {@code dispatch_and_wait}'s result.
 *
 * @param task   the task snapshot when the wait ended
 * @param reply  the reply
 * @param merged a one-line header {@code [<task id>] agent=<agent id> status=<status>}, a line break, then the result
 *               (or, without one, the error), for chat-style callers
 */
public record DispatchResult(SubagentTask task, SubagentReply reply, String merged) {
}
