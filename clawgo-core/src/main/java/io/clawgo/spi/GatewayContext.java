package io.clawgo.spi;

import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.NodeInfo;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

/** What core gives a gateway-side transport. */
public interface GatewayContext {

    /** The node as registered, if known. */
    Optional<NodeInfo> node(String nodeId);

    /** The node's current control channel, if it is connected. */
    Optional<ControlChannel> controlChannel(String nodeId);

    /** The {@code gateway.nodes.p2p} configuration. */
    P2pConfig p2p();

    /** Largest frame or payload, in bytes. */
    int maxMessageBytes();

    /** A shared scheduler for timers; do not block in its tasks, and do not shut it down. */
    ScheduledExecutorService scheduler();
}
