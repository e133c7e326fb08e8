/**
 * The cluster SPI: how gateways share one fleet of nodes. A {@link io.clawgo.spi.cluster.ClusterProvider}, found with
 * {@link java.util.ServiceLoader} by the name in {@code gateway.cluster.provider}, creates a
 * {@link io.clawgo.spi.cluster.ClusterBackend} per gateway start, which offers a
 * {@link io.clawgo.spi.cluster.NodeDirectory} (which gateway holds which node's connection, with a generation that
 * orders connections across gateways) and a {@link io.clawgo.spi.cluster.Forwarder} (request-reply to the gateway that
 * holds a node, within the caller's remaining time).
 *
 * <p>Core ships the {@code local} provider: one gateway, no remote nodes, nothing to install. The {@code nats}
 * provider lives in {@code io.clawgo:clawgo-cluster-nats}. See docs/cluster.md for the contract a provider keeps and
 * how it maps onto other engines.
 */
package io.clawgo.spi.cluster;
