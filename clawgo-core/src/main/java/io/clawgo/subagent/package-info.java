/**
 * The subagent runtime: agents addressed by id, either local (in-process {@link io.clawgo.subagent.AgentHandler}s that
 * the embedding application registers) or node branches ({@code node.<id>.main}, {@code node.<id>.<agent>}) whose tasks
 * go to a node as an {@code agent_task} request.
 */
package io.clawgo.subagent;
