package io.clawgo.internal.transport;

import io.clawgo.spi.GatewayContext;
import io.clawgo.spi.GatewayTransport;
import io.clawgo.spi.TransportProvider;

/** Provides {@code http_relay}: the gateway POSTs requests to the node's advertised endpoint. */
public final class HttpRelayProvider extends TransportProvider {

    @Override
    public String name() {
        return TransportCatalog.HTTP_RELAY;
    }

    @Override
    public int priority() {
        return 1;
    }

    @Override
    public GatewayTransport createGatewayTransport(GatewayContext context) {
        return new HttpRelayTransport(context);
    }
}
