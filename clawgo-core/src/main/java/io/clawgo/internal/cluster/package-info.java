/**
 * The gateway's side of the cluster SPI: finding the provider, the {@code local} provider core ships, and
 * {@link io.clawgo.internal.cluster.ClusterMember}, which ties the registry, the dispatcher and the control sockets to
 * a {@link io.clawgo.spi.cluster.ClusterBackend}.
 */
package io.clawgo.internal.cluster;
