/**
 * The node role behind {@link io.clawgo.NodeAgent}. Start at {@link io.clawgo.internal.node.NodeRuntime}: its loop
 * runs one {@link io.clawgo.internal.node.ConnectAttempt} after another (register over REST, open the control
 * WebSocket, wait for the ack), with backoff between failures, and serves the
 * {@link io.clawgo.internal.node.GatewayConnection} an attempt returns (heartbeats, their ack deadline). Frames from
 * the gateway go through {@link io.clawgo.internal.node.FrameRouter} to the node transports, which
 * {@link io.clawgo.internal.node.NodeTransports} creates and gives their context. Requests run on
 * {@link io.clawgo.internal.node.RequestExecutor}; the REST calls to the gateway go through
 * {@link io.clawgo.internal.node.GatewayRestClient} (also used by {@link io.clawgo.GatewayClient}), the WebSocket
 * through {@link io.clawgo.internal.node.ControlSocketClient}, the only class that knows OkHttp's WebSocket. Not a
 * public API: it may change without notice.
 */
package io.clawgo.internal.node;
