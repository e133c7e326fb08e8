package io.clawgo.protocol;

import java.util.Set;

/**
 * Stable machine codes of failed {@link Response}s. Callers may switch on them. Only the four codes of
 * {@link #P2P_TRANSPORT_FAILURES} make {@code auto} mode try the next transport.
 */
public final class ErrorCodes {
    /** The target node is not registered with the gateway (also HTTP 404 of {@code /nodes/heartbeat}). */
    public static final String NODE_NOT_FOUND = "node_not_found";
    /** The target node is registered but offline: not heard from within the gateway's node TTL. */
    public static final String NODE_OFFLINE = "node_offline";
    /**
     * No P2P path to the node: P2P is disabled, the node has no session or no transport for it, or (tunnel) its
     * control connection dropped while the request was in flight. A P2P transport failure.
     */
    public static final String P2P_UNAVAILABLE = "p2p_unavailable";
    /** The node's P2P session did not become ready in time, so the request was not sent. A P2P transport failure. */
    public static final String P2P_TIMEOUT = "p2p_timeout";
    /**
     * The request could not be handed to the P2P connection (closed, or its send queue full). A P2P transport
     * failure.
     */
    public static final String P2P_SEND_FAILED = "p2p_send_failed";
    /**
     * Too many P2P requests in flight to the node ({@code gateway.nodes.p2p.max_in_flight_per_node}). A P2P transport
     * failure.
     */
    public static final String P2P_BUSY = "p2p_busy";
    /**
     * The gateway's HTTP relay already has its maximum of requests in flight to the node (256) or in all (4096); the
     * request was not sent. Retry later.
     */
    public static final String RELAY_UNAVAILABLE = "relay_unavailable";
    /**
     * The gateway's HTTP relay refused the node's endpoint: it is, or its host name resolves only to, an address the
     * relay may not reach (loopback, link-local, unspecified, multicast, a cloud metadata address or the gateway
     * host's own addresses, unless {@code gateway.nodes.relay.allow} names it; or one of
     * {@code gateway.nodes.relay.deny}). Nothing was sent. The P2P transports still reach such a node, since the node
     * calls its own endpoint. Not retried.
     */
    public static final String RELAY_DENIED = "relay_denied";
    /** The node has no usable endpoint to relay or forward to (and, on the node, no in-process handler either). */
    public static final String ENDPOINT_MISSING = "endpoint_missing";
    /**
     * The request could not be carried, or was lost after it may have reached the node: endpoint or gateway
     * unreachable, connection lost, a transport that failed, or the node agent closed while the request was pending.
     * Not retried.
     */
    public static final String TRANSPORT_ERROR = "transport_error";
    /** The answer was missing or was not a valid {@link Response} (or, for a REST call, not a JSON object). */
    public static final String INVALID_RESPONSE = "invalid_response";
    /**
     * The node failed the request: its in-process handler or a local agent threw, its endpoint answered a non-2xx
     * status with {@code ok:true}, or it returned a failure without a code.
     */
    public static final String REMOTE_ERROR = "remote_error";
    /** No answer within the time allowed, after the request was sent or accepted. Not retried. */
    public static final String TIMEOUT = "timeout";
    /** A malformed request, frame or body: invalid JSON, a wrong type, a missing field. */
    public static final String INVALID_REQUEST = "invalid_request";
    /** A request, response, frame or body above the size limit ({@code max_message_bytes}, 8 MiB by default). */
    public static final String PAYLOAD_TOO_LARGE = "payload_too_large";
    /** The node does not accept the action: its action list does not name it, or its capabilities do not cover it. */
    public static final String UNSUPPORTED_ACTION = "unsupported_action";
    /** The node's request executor is saturated (running and queue limits reached); the node did not run it. */
    public static final String NODE_BUSY = "node_busy";
    /**
     * A registration was refused because the gateway already holds its maximum of nodes ({@code gateway.max_nodes},
     * online and offline nodes alike): HTTP 503 of {@code POST /nodes/register}, or an error ack of a control socket
     * {@code register} whose {@code error} starts with {@code too_many_nodes:}. Only a new node id is refused; a
     * registered one always registers again. Transient: retry later (the node agent does, with its backoff).
     */
    public static final String TOO_MANY_NODES = "too_many_nodes";
    /**
     * Cluster: the node's connection is held by another gateway, and the cluster engine cannot be reached, so the
     * request was not sent. The gateway keeps serving the nodes connected to it.
     */
    public static final String CLUSTER_UNAVAILABLE = "cluster_unavailable";
    /**
     * Cluster: the gateway that held the node's connection went away (stopped heart-beating, or its connection to the
     * engine dropped) while it held the request; the node may or may not have run it, and it is not sent again.
     */
    public static final String GATEWAY_LOST = "gateway_lost";
    /**
     * Cluster: the gateway a request was forwarded to no longer holds that connection of the node (it moved to
     * another gateway); the request was not run. The caller's gateway looks the node up again and forwards once more
     * when the directory names a newer connection, so a caller sees this code only when the node keeps moving.
     */
    public static final String NODE_MOVED = "node_moved";
    /**
     * A registration was refused because its node id changed what it declares more often than
     * {@code gateway.nodes.max_register_changes_per_min} allows: HTTP 429 with {@code Retry-After} of
     * {@code POST /nodes/register}, or an error ack whose {@code error} starts with {@code rate_limited:}. The stored
     * record is unchanged. Transient: retry after the given time (the node agent does, with its backoff).
     */
    public static final String RATE_LIMITED = "rate_limited";
    /**
     * A {@code signal_*} frame larger than {@code gateway.nodes.p2p.signal_max_bytes} (64 KiB by default); the start of
     * its error ack, the frame is dropped.
     */
    public static final String SIGNAL_TOO_LARGE = "signal_too_large";
    /**
     * A node sent {@code signal_*} frames faster than {@code gateway.nodes.p2p.signal_rate_per_sec} allows (after its
     * {@code signal_burst}); the start of the error ack, the frame is dropped.
     */
    public static final String SIGNAL_RATE_LIMITED = "signal_rate_limited";
    /**
     * A {@code signal_*} frame addressed to another node while {@code gateway.nodes.p2p.node_to_node_signals} is off
     * (the default); the start of the error ack.
     */
    public static final String SIGNAL_RELAY_DISABLED = "signal_relay_disabled";
    /**
     * A {@code signal_*} frame for another node whose send queue is half full or more: dropped, never queued to close
     * that node; the start of the error ack.
     */
    public static final String SIGNAL_DROPPED = "signal_dropped";

    /**
     * Codes that mean "the P2P data plane failed before the node ran the request": in {@code auto} mode the router
     * retries such failures over the relay. Application errors from the node never trigger a fallback.
     */
    public static final Set<String> P2P_TRANSPORT_FAILURES =
            Set.of(P2P_UNAVAILABLE, P2P_TIMEOUT, P2P_SEND_FAILED, P2P_BUSY);

    private ErrorCodes() {
    }
}
