package io.clawgo.spi.cluster;

import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/** What a gateway offers its cluster backend. Thread-safe. */
public interface ClusterContext {

    /**
     * This gateway's member id: unique in the cluster and new at every start, so a restarted gateway is a new member.
     *
     * @return the id, made of {@code [A-Za-z0-9_-]}
     */
    String gatewayId();

    /**
     * The URL this gateway advertises to operators ({@code gateway.cluster.advertise_url}, else its own URL).
     *
     * @return the URL
     */
    String advertiseUrl();

    /**
     * The engine's addresses ({@code gateway.cluster.servers}).
     *
     * @return the addresses, in the order configured
     */
    List<String> servers();

    /**
     * The cluster's name ({@code gateway.cluster.name}): gateways of one name share a directory.
     *
     * @return the name, made of {@code [A-Za-z0-9_-]}
     */
    String clusterName();

    /**
     * The provider's own settings ({@code gateway.cluster.options}: credentials, TLS files, intervals), as strings.
     *
     * @return the options, unmodifiable
     */
    Map<String, String> options();

    /**
     * The largest message a dispatch may carry ({@code gateway.max_message_bytes}).
     *
     * @return bytes
     */
    int maxMessageBytes();

    /**
     * How long an offline node stays in the directory ({@code gateway.offline_retention_hours}).
     *
     * @return the retention
     */
    Duration offlineRetention();

    /**
     * The gateway's timer pool, for the backend's periodic work. Tasks must be short.
     *
     * @return the scheduler
     */
    ScheduledExecutorService scheduler();

    /**
     * Runs a dispatch forwarded by another gateway on a node whose connection this gateway holds.
     *
     * The backend has checked that this gateway holds the connection the caller meant (its generation); the
     * gateway checks again that the node is connected here and answers {@code node_moved} without running the
     * request when it is not.
     *
     * @param request the request
     * @param mode    the dispatch mode
     * @param budget  the time the caller has left
     * @return a future that always completes normally within {@code budget}; the response names this gateway in
     *         {@code via_gateway}
     */
    CompletableFuture<Response> dispatchHere(Request request, DispatchMode mode, Duration budget);

    /**
     * Another gateway holds a newer connection of a node this gateway holds: close this gateway's connection.
     *
     * @param nodeId          the node
     * @param newerGeneration the newer connection's generation
     * @param gatewayId       the gateway that holds it
     */
    void ownershipLost(String nodeId, long newerGeneration, String gatewayId);

    /**
     * The nodes online in this gateway's registry now (connected here, or registered here over REST; endpoint tokens
     * removed), so that a backend can publish them again after the engine comes back, and refresh what changed.
     *
     * @return a snapshot
     */
    List<NodeInfo> localNodes();
}
