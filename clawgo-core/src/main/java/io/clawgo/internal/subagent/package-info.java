/**
 * The gateway's subagent runtime behind {@link io.clawgo.subagent.SubagentRuntime}:
 * {@link io.clawgo.internal.subagent.DefaultSubagentRuntime} runs local agents on a bounded executor and sends node
 * branches as {@code agent_task} requests through the dispatcher, keeping bounded task records and an audit. Not a
 * public API: it may change without notice.
 */
package io.clawgo.internal.subagent;
