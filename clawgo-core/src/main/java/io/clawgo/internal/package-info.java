/**
 * The implementation behind the public API; nothing under {@code io.clawgo.internal} is a public API, and it may
 * change without notice. This package itself holds only {@link io.clawgo.internal.Version}. A reader starts at
 * {@link io.clawgo.internal.gateway.GatewayRuntime} (what a running gateway owns and how it is wired) or at
 * {@link io.clawgo.internal.node.NodeRuntime} (the node's connection loop).
 */
package io.clawgo.internal;
