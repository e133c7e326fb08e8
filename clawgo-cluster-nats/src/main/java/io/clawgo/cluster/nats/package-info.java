/**
 * The {@code nats} cluster provider: several gateways share one fleet of nodes through a NATS server or cluster.
 * Add {@code io.clawgo:clawgo-cluster-nats} to the class path and set {@code gateway.cluster.provider} to
 * {@code nats}.
 *
 * <p>What lives where: each gateway subscribes {@code clawgo.<cluster>.gw.<member>.dispatch} while it runs, so a
 * forwarded dispatch goes to the one gateway that holds the node's connection, and a gateway that dies takes its route
 * with it (NATS answers "no responders" at once). The directory is a JetStream key-value bucket
 * {@code clawgo_<cluster>} with one entry per node ({@code node.<id>}: its gateway, its connection's generation and
 * its info) and one per gateway ({@code gw.<member>}: URL and node count, rewritten every heartbeat). Every gateway
 * watches the bucket and keeps a mirror of it, so lookups and the fleet view never ask other gateways.
 *
 * <p>Only {@link io.clawgo.cluster.nats.NatsClusterProvider} is public; see docs/cluster.md for the settings.
 */
package io.clawgo.cluster.nats;
