/**
 * Internal node registry of the gateway. {@link io.clawgo.internal.registry.NodeRegistry} keeps every registered
 * node with its liveness (online while heard from within the TTL, offline after, pruned after a retention) and
 * notifies listeners of online, offline, removal and storage events. It tells
 * {@link io.clawgo.internal.registry.NodeStore} what changed, which persists the set atomically to
 * {@code nodes-state.json} (owner-only permissions, coalesced writes, one writer thread) so that a gateway restart
 * keeps its nodes; {@link io.clawgo.internal.registry.NodeAudit}, its first listener, appends membership changes to
 * the {@code nodes-audit.jsonl} audit.
 * Not a public API: it may change without notice.
 */
package io.clawgo.internal.registry;
