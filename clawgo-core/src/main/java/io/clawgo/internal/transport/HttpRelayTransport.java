package io.clawgo.internal.transport;

import io.clawgo.internal.concurrent.NamedThreadFactory;
import io.clawgo.internal.http.EndpointClient;
import io.clawgo.internal.http.NoDelaySocketFactory;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.spi.GatewayContext;
import io.clawgo.spi.GatewayTransport;
import java.net.Proxy;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * The HTTP relay: {@code POST <endpoint><path>} with the node token as Bearer. Works only when the gateway can reach
 * the node's endpoint; the P2P transports exist for when it cannot.
 *
 * <p>A node chooses the endpoint, so the relay would otherwise POST wherever a node points it (server-side request
 * forgery): {@link RelayGuard} applies {@code gateway.nodes.relay} to every address it connects to, no proxy is used
 * (a proxy would resolve the name itself), and redirects are not followed. The {@code node} of an answer is always the
 * node the request went to, whatever the endpoint wrote there.
 */
final class HttpRelayTransport implements GatewayTransport {
    /** Relayed calls at once, in all and to one host (more wait in the dispatcher's queue). */
    static final int MAX_CALLS = 256;
    static final int MAX_CALLS_PER_HOST = 64;
    /**
     * Relayed requests in flight (running or queued) to one node, and in all; above, {@code relay_unavailable} at once
     * and nothing is sent. OkHttp's queue of waiting calls has no bound of its own.
     */
    static final int MAX_IN_FLIGHT_PER_NODE = 256;
    static final int MAX_IN_FLIGHT = 4096;

    private final GatewayContext context;
    private final OkHttpClient http;
    private final EndpointClient client;
    private final ConcurrentHashMap<String, Integer> inFlight = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();

    HttpRelayTransport(GatewayContext context) {
        this.context = context;
        // OkHttp's own dispatcher threads are neither daemon nor named like the library's
        ThreadFactory threads = context.threadFactory().orElseGet(() -> new NamedThreadFactory("clawgo-relay-"));
        Dispatcher dispatcher = new Dispatcher(new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
                new SynchronousQueue<>(), threads));
        dispatcher.setMaxRequests(MAX_CALLS);
        dispatcher.setMaxRequestsPerHost(MAX_CALLS_PER_HOST);
        RelayGuard guard = new RelayGuard(context.nodePolicy());
        this.http = new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .dns(guard)
                .proxy(Proxy.NO_PROXY)
                // as many idle connections as calls may run at once: with fewer, every burst above the pool size
                // closed the surplus connections when the calls ended and opened new ones for the next calls
                .connectionPool(new ConnectionPool(MAX_CALLS, 1, TimeUnit.MINUTES))
                .socketFactory(new NoDelaySocketFactory())
                .connectTimeout(5, TimeUnit.SECONDS)
                .readTimeout(0, TimeUnit.SECONDS)
                .followRedirects(false)
                .build();
        this.client = new EndpointClient(http, context.maxMessageBytes(), context.scheduler(), guard);
    }

    @Override
    public String name() {
        return TransportCatalog.HTTP_RELAY;
    }

    @Override
    public CompletionStage<Response> send(Request request, Duration timeout) {
        Optional<NodeInfo> node = context.node(request.node());
        if (node.isEmpty()) {
            return CompletableFuture.completedFuture(
                    Response.error(request, ErrorCodes.NODE_NOT_FOUND, "node " + request.node() + " not found"));
        }
        String id = request.node();
        if (!acquire(id)) {
            return CompletableFuture.completedFuture(Response.error(request, ErrorCodes.RELAY_UNAVAILABLE,
                    "the relay already has " + MAX_IN_FLIGHT_PER_NODE + " requests in flight to node " + id + " (or "
                            + MAX_IN_FLIGHT + " in all); this one was not sent"));
        }
        CompletableFuture<Response> sent = client.send(node.get().endpoint(), node.get().token(), request, timeout);
        // the slot is free before the caller hears the answer (a caller that sends again at once is not refused)
        CompletableFuture<Response> released = sent.whenComplete((r, e) -> release(id));
        // the registry says who answered, not the endpoint's body (as the tunnel takes it from the connection)
        String nodeId = node.get().id();
        CompletableFuture<Response> f = released.thenApply(r -> nodeId.equals(r.node()) ? r
                : new Response(r.ok(), r.code(), r.error(), nodeId, r.action(), r.payload()));
        // a caller that gives up (cancels or completes its future) still cancels the call
        f.whenComplete((r, e) -> {
            if (!sent.isDone()) {
                sent.cancel(false);
            }
        });
        return f;
    }

    private boolean acquire(String node) {
        if (total.incrementAndGet() > MAX_IN_FLIGHT) {
            total.decrementAndGet();
            return false;
        }
        boolean[] ok = {true};
        inFlight.compute(node, (k, n) -> {
            int now = n == null ? 0 : n;
            if (now >= MAX_IN_FLIGHT_PER_NODE) {
                ok[0] = false;
                return now;
            }
            return now + 1;
        });
        if (!ok[0]) {
            total.decrementAndGet();
        }
        return ok[0];
    }

    private void release(String node) {
        inFlight.computeIfPresent(node, (k, n) -> n <= 1 ? null : n - 1);
        total.decrementAndGet();
    }

    /** Relayed requests in flight to {@code node} (for tests). */
    int inFlight(String node) {
        return inFlight.getOrDefault(node, 0);
    }

    @Override
    public void close() {
        http.dispatcher().cancelAll();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
