package io.clawgo.micrometer;

import io.clawgo.DispatchEvent;
import io.clawgo.Gateway;
import io.clawgo.protocol.NodeInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's meters: gauges and function counters read from {@link Gateway.Stats}, counters and timers fed by the
 * gateway's {@link Gateway.Observer} events. Tagged meters are created on their first event and cached, so an event
 * costs map lookups and the meter's own update.
 *
 * <p>The gauges refer to this object weakly, as Micrometer does by default; it stays reachable as long as the gateway
 * holds it as an observer, so a forgotten binding neither keeps a closed gateway alive nor stops reporting.
 */
final class GatewayMeters implements Gateway.Observer {
    /** Bucket bounds of the dispatch histogram: 1 ms to 60 s. */
    static final Duration[] DISPATCH_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
        Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};
    /** Bucket bounds of the P2P session setup histogram: 5 ms to 30 s. */
    static final Duration[] SETUP_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofSeconds(30)};

    private final MeterRegistry registry;
    private final Gateway.Stats stats;
    /** Every meter this binding registered, to remove at {@link #close()}. */
    private final List<Meter> meters = new CopyOnWriteArrayList<>();
    private final ConcurrentMap<String, Counter> registrations = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> disconnects = new ConcurrentHashMap<>();
    /** transport -> mode -> code -> timer. */
    private final ConcurrentMap<String, ConcurrentMap<String, ConcurrentMap<String, Timer>>> dispatches =
            new ConcurrentHashMap<>();
    /** from -> to -> counter. */
    private final ConcurrentMap<String, ConcurrentMap<String, Counter>> fallbacks = new ConcurrentHashMap<>();
    /** route -> method -> status -> timer. */
    private final ConcurrentMap<String, ConcurrentMap<String, ConcurrentMap<Integer, Timer>>> http =
            new ConcurrentHashMap<>();
    private final SessionSampler sessions;
    private volatile boolean closed;

    GatewayMeters(Gateway gateway, MeterRegistry registry) {
        this.registry = registry;
        this.stats = gateway.stats();
        keep(Gauge.builder("clawgo.nodes", this, m -> m.stats.nodesOnline())
                .description("Registered nodes by state").tag("state", "online").register(registry));
        keep(Gauge.builder("clawgo.nodes", this, m -> Math.max(0, m.stats.nodesTotal() - m.stats.nodesOnline()))
                .description("Registered nodes by state").tag("state", "offline")
                .register(registry));
        for (String transport : stats.inFlight().keySet()) {
            keep(Gauge.builder("clawgo.dispatch.in_flight", this, m -> m.stats.inFlight().getOrDefault(transport, 0))
                    .description("Requests handed to a transport and not answered yet").tag("transport", transport).register(registry));
        }
        keep(FunctionCounter.builder("clawgo.control.send_queue.overflows", this,
                        m -> m.stats.controlSendQueueOverflows())
                .description("Node control sockets closed (4004) because their send queue was full")
                .register(registry));
        keep(Gauge.builder("clawgo.audit.queue.depth", this, m -> m.stats.auditQueueDepth())
                .description("Dispatch and task audit lines waiting to be written")
                .register(registry));
        keep(FunctionCounter.builder("clawgo.audit.dropped", this, m -> m.stats.auditDropped())
                .description("Audit lines that could not be written to their file")
                .register(registry));
        String p2p = stats.p2pSessions().transport();
        if (p2p == null || p2p.isEmpty()) {
            sessions = null;
        } else {
            String transport = Tags.transport(p2p);
            Timer setup = keep(Timer.builder("clawgo.p2p.session.setup")
                    .description("P2P session setup, from the attempt to the session being ready (sampled)")
                    .tag("transport", transport).serviceLevelObjectives(SETUP_BUCKETS).register(registry));
            sessions = new SessionSampler(stats, setup);
            for (String state : SessionSampler.STATES) {
                keep(Gauge.builder("clawgo.p2p.sessions", this, m -> m.sessions.count(state))
                        .description("Sessions of the P2P transport by state").tag("transport", transport)
                        .tag("state", state).register(registry));
            }
        }
    }

    private <M extends Meter> M keep(M meter) {
        meters.add(meter);
        return meter;
    }

    @Override
    public void onNodeOffline(NodeInfo node, String reason) {
        String r = Tags.offlineReason(reason);
        Counter c = disconnects.get(r);
        if (c == null) {
            c = disconnects.computeIfAbsent(r, k -> keep(Counter.builder("clawgo.disconnects")
                    .description("Nodes that went offline, by reason").tag("reason", k).register(registry)));
        }
        count(c);
    }

    @Override
    public void onRegistration(String nodeId, String outcome) {
        String o = Tags.outcome("ok".equals(outcome), outcome);
        Counter c = registrations.get(o);
        if (c == null) {
            c = registrations.computeIfAbsent(o, k -> keep(Counter.builder("clawgo.registrations")
                    .description("Node registrations, by outcome (ok or the refusal's code)").tag("outcome", k)
                    .register(registry)));
        }
        count(c);
    }

    @Override
    public void onDispatch(DispatchEvent event) {
        if (closed) {
            return;
        }
        String transport = Tags.transport(event.usedTransport());
        String mode = event.mode().wire();
        String code = Tags.outcome(event.ok(), event.code());
        Timer t = dispatches.computeIfAbsent(transport, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(mode, k -> new ConcurrentHashMap<>()).get(code);
        if (t == null) {
            t = dispatches.get(transport).get(mode).computeIfAbsent(code, k -> keep(Timer.builder("clawgo.dispatch")
                    .description("Node dispatches, from the request to the response")
                    .tags("transport", transport, "mode", mode, "code", k)
                    .serviceLevelObjectives(DISPATCH_BUCKETS).register(registry)));
        }
        t.record(event.duration().toNanos(), TimeUnit.NANOSECONDS);
        String from = event.fallbackFrom();
        if (from != null) {
            String f = Tags.transport(from);
            Counter c = fallbacks.computeIfAbsent(f, k -> new ConcurrentHashMap<>()).get(transport);
            if (c == null) {
                c = fallbacks.get(f).computeIfAbsent(transport, k -> keep(Counter.builder("clawgo.dispatch.fallbacks")
                        .description("Dispatches that moved on from a failed P2P transport")
                        .tags("from", f, "to", k).register(registry)));
            }
            c.increment();
        }
    }

    @Override
    public void onHttpRequest(String route, String method, int status, long durationNanos) {
        if (closed) {
            return;
        }
        Timer t = http.computeIfAbsent(route, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(method, k -> new ConcurrentHashMap<>()).get(status);
        if (t == null) {
            t = http.get(route).get(method).computeIfAbsent(status, k -> keep(Timer.builder("clawgo.http.requests")
                    .description("HTTP requests to the gateway, by route, method and status")
                    .tags("route", route, "method", method, "status", Integer.toString(k)).register(registry)));
        }
        t.record(durationNanos, TimeUnit.NANOSECONDS);
    }

    private void count(Counter c) {
        if (!closed) {
            c.increment();
        }
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
