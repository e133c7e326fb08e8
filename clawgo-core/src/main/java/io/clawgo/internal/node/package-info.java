/**
 * The node role behind {@link io.clawgo.NodeAgent}. Start at {@link io.clawgo.internal.node.NodeRuntime}: it
 * registers with the gateway, keeps the control WebSocket open with heartbeats, reconnects with backoff and hands
 * gateway messages to the node transports. Requests run on {@link io.clawgo.internal.node.RequestExecutor}; the REST
 * calls to the gateway go through {@link io.clawgo.internal.node.GatewayRestClient} (also used by
 * {@link io.clawgo.GatewayClient}), the WebSocket through {@link io.clawgo.internal.node.ControlSocketClient}. Not a
 * public API: it may change without notice.
 */
package io.clawgo.internal.node;
