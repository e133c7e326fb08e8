/**
 * clawgo-java public API.
 *
 * <p>Where to start reading:
 * <ul>
 *   <li>{@link io.clawgo.Gateway}: the gateway role embedded in an application (node registry, dispatch, subagents,
 *       REST API, web UI and the node WebSocket on one port), built with {@code Gateway.builder()}.</li>
 *   <li>{@link io.clawgo.NodeAgent}: the node role (registers, keeps its control WebSocket open, runs the requests it
 *       receives with a handler or forwards them to a local endpoint), built with {@code NodeAgent.builder()}.</li>
 *   <li>{@link io.clawgo.GatewayClient}: a small blocking client of a gateway's REST API, for CLIs and tests.</li>
 *   <li>{@link io.clawgo.config}: the configuration, {@link io.clawgo.config.GatewayConfig} and its sections, also
 *       read from the clawgo JSON file.</li>
 *   <li>{@link io.clawgo.protocol}: the wire model ({@link io.clawgo.protocol.Request},
 *       {@link io.clawgo.protocol.Response}, ...) and its JSON codec; {@link io.clawgo.subagent}: agents addressed by
 *       id, local or on nodes.</li>
 *   <li>Extension points, found with {@link java.util.ServiceLoader}: {@link io.clawgo.spi} for a data-plane transport
 *       ({@link io.clawgo.spi.TransportProvider}), {@link io.clawgo.spi.cluster} for gateways that share one fleet
 *       ({@link io.clawgo.spi.cluster.ClusterProvider}).</li>
 * </ul>
 *
 * <p>Everything under {@code io.clawgo.internal} is the implementation behind these types and may change without
 * notice; the gateway is assembled by {@code io.clawgo.internal.gateway.GatewayRuntime}, the node by
 * {@code io.clawgo.internal.node.NodeRuntime}. {@code docs/architecture.md} draws how the pieces fit.
 */
package io.clawgo;
