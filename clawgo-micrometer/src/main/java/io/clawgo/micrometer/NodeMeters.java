package io.clawgo.micrometer;

import io.clawgo.NodeAgent;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A node agent's meters, each tagged with the node's id: a timer of the requests it ran by outcome (fed by its
 * {@link NodeAgent.Observer} events), and gauges and function counters read from {@link NodeAgent.Stats}. The gauges
 * refer to this object weakly; the agent holds it as an observer.
 */
final class NodeMeters implements NodeAgent.Observer {
    private final MeterRegistry registry;
    private final NodeAgent node;
    private final NodeAgent.Stats stats;
    private final String id;
    private final List<Meter> meters = new CopyOnWriteArrayList<>();
    private final ConcurrentMap<String, Timer> requests = new ConcurrentHashMap<>();
    private volatile boolean closed;

    NodeMeters(NodeAgent node, MeterRegistry registry) {
        this.registry = registry;
        this.node = node;
        this.stats = node.stats();
        this.id = node.info().id();
        keep(Gauge.builder("clawgo.node.executor.queued", this, m -> m.stats.queuedRequests())
                .description("Requests waiting for an executor thread of the node").tag("node", id).register(registry));
        keep(Gauge.builder("clawgo.node.executor.running", this, m -> m.stats.runningRequests())
                .description("Requests running on the node's executor").tag("node", id)
                .register(registry));
        keep(FunctionCounter.builder("clawgo.node.executor.rejected", this, m -> m.stats.rejectedRequests())
                .description("Requests the node refused with node_busy (executor and queue full)").tag("node", id).register(registry));
        keep(FunctionCounter.builder("clawgo.node.reconnects", this, m -> m.stats.reconnects())
                .description("Times the node connected and registered again after losing its connection")
                .tag("node", id).register(registry));
        keep(FunctionCounter.builder("clawgo.node.connected.time", this,
                        m -> m.stats.connectedTime().toNanos() / 1e9)
                .description("Time the node spent connected and registered").tag("node", id).baseUnit("seconds")
                .register(registry));
        keep(Gauge.builder("clawgo.node.connected", this, m -> m.node.isConnected() ? 1 : 0)
                .description("1 while the node is connected and registered, else 0").tag("node", id)
                .register(registry));
    }

    private <M extends Meter> M keep(M meter) {
        meters.add(meter);
        return meter;
    }

    @Override
    public void onRequest(Request request, Response response, long durationNanos) {
        if (closed) {
            return;
        }
        String outcome = Tags.outcome(response.ok(), response.code());
        Timer t = requests.get(outcome);
        if (t == null) {
            t = requests.computeIfAbsent(outcome, k -> keep(Timer.builder("clawgo.node.requests")
                    .description("Requests the node ran, by outcome (ok or the failure's code)")
                    .tags("node", id, "outcome", k).register(registry)));
        }
        t.record(durationNanos, TimeUnit.NANOSECONDS);
    }

    /** Removes every meter of this binding from the registry. */
    void close() {
        closed = true;
        for (Meter m : meters) {
            registry.remove(m);
        }
        meters.clear();
    }
}
