package io.clawgo.subagent;

/**
 * {@code dispatch_and_wait}'s result.
 *
 * @param task   the task snapshot when the wait ended
 * @param reply  the reply
 * @param merged a one-line header plus the result, for chat-style callers
 */
public record DispatchResult(SubagentTask task, SubagentReply reply, String merged) {
}
