package io.clawgo.spi.cluster;

/**
 * A cluster engine, discovered with {@link java.util.ServiceLoader}: a public class with a public zero-argument
 * constructor, named in {@code META-INF/services/io.clawgo.spi.cluster.ClusterProvider} of its jar. The gateway uses
 * the provider whose {@link #name()} is {@code gateway.cluster.provider}; without that setting it uses core's
 * {@code local} provider (one gateway, nothing shared).
 */
public abstract class ClusterProvider {

    /**
     * The provider's name, as configured in {@code gateway.cluster.provider}.
     *
     * @return the name, made of {@code [a-z0-9_.-]}, for example {@code "nats"}
     */
    public abstract String name();

    /**
     * Whether this provider can run here. Must not throw; core treats an exception as {@code false}.
     *
     * @return {@code true} by default
     */
    public boolean isAvailable() {
        return true;
    }

    /**
     * Among providers of the same name, the highest available one wins.
     *
     * @return 0..10 by convention; 5 by default
     */
    public int priority() {
        return 5;
    }

    /**
     * Creates this gateway's member of the cluster. Called once per gateway start, before the gateway listens;
     * {@link ClusterBackend#start()} follows. An exception fails the gateway's start.
     *
     * @param context what the gateway offers the backend
     * @return the backend, never {@code null}
     */
    public abstract ClusterBackend create(ClusterContext context);

    @Override
    public String toString() {
        return name() + " (" + getClass().getName() + ")";
    }
}
