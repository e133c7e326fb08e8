package io.clawgo.micrometer;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/**
 * Binds the {@code clawgo.*} meters of a {@link Gateway} or a {@link NodeAgent} to a Micrometer
 * {@link MeterRegistry}. The meters are fed by core's public events ({@link Gateway.Observer},
 * {@link NodeAgent.Observer}) and read from its live counters ({@link Gateway.Stats}, {@link NodeAgent.Stats});
 * docs/operations.md lists every meter with its tags.
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * Gateway gateway = Gateway.builder().token(token).metricsText(registry::scrape).start(); // GET /metrics
 * ClawgoMetrics.bind(gateway, registry);
 * }</pre>
 *
 * <p>With Spring Boot, a {@code MeterBinder} bean does it: {@code registry -> ClawgoMetrics.bind(gateway, registry)}.
 * Bind once per gateway or node and registry. The binding costs the gateway a few map lookups and the meters' own
 * updates per dispatch and per HTTP request (docs/benchmarks.md measures it); the gauges are read when the registry
 * publishes. Binding after the gateway started is fine: the counters read from the stats count from the start, the
 * event-fed ones from the binding.
 *
 * <p>Thread-safe. {@link #close()} stops the events and removes the meters from the registry.
 */
public final class ClawgoMetrics implements AutoCloseable {
    private final Runnable unbind;
    private boolean closed;

    private ClawgoMetrics(Runnable unbind) {
        this.unbind = unbind;
    }

    /**
     * Registers the gateway's meters ({@code clawgo.nodes}, {@code clawgo.registrations}, {@code clawgo.dispatch},
     * ...) and starts feeding them.
     *
     * @param gateway  a started gateway
     * @param registry where the meters go
     * @return the binding; {@link #close()} it to remove the meters (closing the gateway alone leaves them, frozen)
     * @throws NullPointerException when an argument is {@code null}
     */
    public static ClawgoMetrics bind(Gateway gateway, MeterRegistry registry) {
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(registry, "registry");
        GatewayMeters meters = new GatewayMeters(gateway, registry);
        gateway.addObserver(meters);
        return new ClawgoMetrics(() -> {
            gateway.removeObserver(meters);
            meters.close();
        });
    }

    /**
     * Registers the node agent's meters ({@code clawgo.node.requests}, {@code clawgo.node.executor.*},
     * {@code clawgo.node.reconnects}, ...), each tagged {@code node=<id>}, and starts feeding them.
     *
     * @param node     a node agent, started or not
     * @param registry where the meters go
     * @return the binding; {@link #close()} it to remove the meters
     * @throws NullPointerException when an argument is {@code null}
     */
    public static ClawgoMetrics bind(NodeAgent node, MeterRegistry registry) {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(registry, "registry");
        NodeMeters meters = new NodeMeters(node, registry);
        node.addObserver(meters);
        return new ClawgoMetrics(() -> {
            node.removeObserver(meters);
            meters.close();
        });
    }

    /** Stops feeding the meters and removes them from the registry. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        unbind.run();
    }
}
