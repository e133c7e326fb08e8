/**
 * The {@code websocket_tunnel} transport of clawgo-java: requests tunnelled to a node over its persistent control
 * WebSocket. The only public type is {@link io.clawgo.transport.ws.WebSocketTunnelProvider}, found with
 * {@link java.util.ServiceLoader}; everything else is package-private.
 */
package io.clawgo.transport.ws;
