package io.clawgo.spi;

import io.clawgo.config.NodePolicy;
import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.NodeInfo;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;

/** What core gives a gateway-side transport, in {@link TransportProvider#createGatewayTransport}. Thread-safe. */
public interface GatewayContext {

    /**
     * The node as registered, if known.
     *
     * @param nodeId the node id, or {@code null}
     * @return the node's registry record (with its endpoint token), or empty when unknown
     */
    Optional<NodeInfo> node(String nodeId);

    /**
     * The node's current control channel, if it is connected.
     *
     * @param nodeId the node id, or {@code null}
     * @return the open channel bound to that node, or empty
     */
    Optional<ControlChannel> controlChannel(String nodeId);

    /**
     * The {@code gateway.nodes.p2p} configuration.
     *
     * @return the P2P section of the gateway's configuration
     */
    P2pConfig p2p();

    /**
     * Largest frame or payload ({@code gateway.max_message_bytes}).
     *
     * @return the limit in bytes
     */
    int maxMessageBytes();

    /**
     * A shared scheduler for timers; do not block in its tasks, and do not shut it down.
     *
     * @return the gateway's timer executor ({@code clawgo-gateway-timer-*} threads)
     */
    ScheduledExecutorService scheduler();

    /**
     * What a node may make the gateway do ({@code gateway.nodes.relay}, ...): for example, the addresses a transport
     * that connects to a node's advertised address may reach. A transport that only answers a node's own connection
     * has no use for it.
     *
     * @return the gateway's node policy; the default implementation returns {@link NodePolicy#defaults()}
     */
    default NodePolicy nodePolicy() {
        return NodePolicy.defaults();
    }

    /**
     * The thread factory the application gave the gateway ({@code Gateway.Builder.threadFactory}): a transport that
     * starts threads of its own should make them with it when there is one, so that the application sees (and names,
     * and accounts for) every thread the gateway runs. The transport still owns the pools it makes with it and shuts
     * them down in {@link GatewayTransport#close()}.
     *
     * @return the application's factory, or empty when it gave none (make and name threads as usual); the default
     *         implementation returns empty
     */
    default Optional<ThreadFactory> threadFactory() {
        return Optional.empty();
    }
}
