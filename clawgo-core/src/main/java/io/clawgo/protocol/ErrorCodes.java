package io.clawgo.protocol;

import java.util.Set;

/** Stable machine codes of failed {@link Response}s. Callers may switch on them. */
public final class ErrorCodes {
    public static final String NODE_NOT_FOUND = "node_not_found";
    public static final String NODE_OFFLINE = "node_offline";
    public static final String P2P_UNAVAILABLE = "p2p_unavailable";
    public static final String P2P_TIMEOUT = "p2p_timeout";
    public static final String P2P_SEND_FAILED = "p2p_send_failed";
    public static final String P2P_BUSY = "p2p_busy";
    public static final String RELAY_UNAVAILABLE = "relay_unavailable";
    public static final String ENDPOINT_MISSING = "endpoint_missing";
    public static final String TRANSPORT_ERROR = "transport_error";
    public static final String INVALID_RESPONSE = "invalid_response";
    public static final String REMOTE_ERROR = "remote_error";
    public static final String TIMEOUT = "timeout";
    public static final String INVALID_REQUEST = "invalid_request";
    public static final String PAYLOAD_TOO_LARGE = "payload_too_large";
    public static final String UNSUPPORTED_ACTION = "unsupported_action";
    public static final String NODE_BUSY = "node_busy";
    /** A control connection was replaced by a newer one for the same node id while a request was in flight. */
    public static final String CONNECTION_REPLACED = "connection_replaced";

    /**
     * Codes that mean "the P2P data plane failed before the node ran the request": in {@code auto} mode the router
     * retries such failures over the relay. Application errors from the node never trigger a fallback.
     */
    public static final Set<String> P2P_TRANSPORT_FAILURES =
            Set.of(P2P_UNAVAILABLE, P2P_TIMEOUT, P2P_SEND_FAILED, P2P_BUSY);

    private ErrorCodes() {
    }
}
