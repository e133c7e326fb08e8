/**
 * The gateway role behind {@link io.clawgo.Gateway}. Start at {@link io.clawgo.internal.gateway.GatewayRuntime}: it
 * assembles a running gateway (registry, transports, router, dispatcher, subagent runtime, cluster backend) and the
 * Jetty server that serves the REST API ({@link io.clawgo.internal.gateway.ApiHandler}), the web UI and the node
 * control WebSocket ({@link io.clawgo.internal.gateway.ControlSocket}, {@link io.clawgo.internal.gateway.ControlHub})
 * on one port, behind {@link io.clawgo.internal.gateway.EdgeHandler} and
 * {@link io.clawgo.internal.gateway.AuthHandler}. Events for the embedding application and the web UI leave through
 * {@link io.clawgo.internal.gateway.GatewayEvents} on their own thread. Not a public API: it may change without
 * notice.
 */
package io.clawgo.internal.gateway;
