package io.clawgo.internal.gateway;

import io.clawgo.internal.registry.NodeRegistry;
import io.clawgo.internal.transport.NodeDispatcher;

/**
 * What a gateway tells the application that embeds it: node liveness (the registry's events) and every finished
 * dispatch. The runtime delivers them through an {@link EventThread}, never on the threads that caused them.
 */
public interface GatewayEvents extends NodeRegistry.Listener, NodeDispatcher.Observer {
}
