package io.clawgo.spi.cluster;

/**
 * One gateway's member of a cluster: its view of the shared node directory and its way to reach other gateways.
 * Created by {@link ClusterProvider#create(ClusterContext)}, started once, closed once when the gateway closes.
 * Thread-safe.
 */
public interface ClusterBackend extends AutoCloseable {

    /**
     * Joins the cluster. When the engine cannot be reached yet, a backend should return and keep trying on its own
     * (reporting it through {@link #health()}), so that a gateway serves its own nodes while the engine is down.
     *
     * @throws Exception when the backend cannot start at all (for example, invalid credentials); fails the gateway's
     *                   start
     */
    void start() throws Exception;

    /**
     * The node directory.
     *
     * @return the directory, the same object on every call
     */
    NodeDirectory directory();

    /**
     * The way to other gateways.
     *
     * @return the forwarder, the same object on every call
     */
    Forwarder forwarder();

    /**
     * Whether the cluster works for this gateway now, as proven through the engine (a round trip, not only a
     * connection flag). Cheap: called by every {@code /ready} probe.
     *
     * @return the health
     */
    ClusterHealth health();

    /** Leaves the cluster: releases this gateway's nodes and routes, and closes the engine connection. */
    @Override
    void close();
}
