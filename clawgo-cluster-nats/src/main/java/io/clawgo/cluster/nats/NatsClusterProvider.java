package io.clawgo.cluster.nats;

import io.clawgo.spi.cluster.ClusterBackend;
import io.clawgo.spi.cluster.ClusterContext;
import io.clawgo.spi.cluster.ClusterProvider;

/**
 * The {@code nats} cluster provider, found with {@link java.util.ServiceLoader}. Needs a NATS server 2.9 or later with
 * JetStream enabled and a {@code max_payload} above {@code gateway.max_message_bytes} (see docs/cluster.md).
 */
public final class NatsClusterProvider extends ClusterProvider {
    /** The provider's name in {@code gateway.cluster.provider}. */
    public static final String NAME = "nats";

    /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
    public NatsClusterProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ClusterBackend create(ClusterContext context) {
        return new NatsCluster(context, NatsSettings.from(context));
    }
}
