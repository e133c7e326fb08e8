/**
 * Runnable examples of embedding clawgo-java, each a {@code main} with its run command in its class comment:
 * {@link io.clawgo.examples.EmbeddedGateway} and {@link io.clawgo.examples.EmbeddedNode} (the two roles in an
 * application, the place to start), {@link io.clawgo.examples.ForwardingNode} (a node that forwards to a local HTTP
 * endpoint), {@link io.clawgo.examples.CustomTransport} (a transport of one's own) and
 * {@link io.clawgo.examples.ClusterPair} (two gateways sharing one fleet through NATS). Not a published API.
 */
package io.clawgo.examples;
