package io.clawgo.protocol;

/**
 * The {@code type} values of {@link WireMessage} and {@link WireAck} that core knows. Transports may add types of
 * their own; core hands every type it does not handle to them.
 */
public final class MessageTypes {
    /** Node to gateway: registers the node of {@code node} and binds the connection to its id. */
    public static final String REGISTER = "register";
    /** Ack type of a successful {@code register}; its {@code id} is the node id. */
    public static final String REGISTERED = "registered";
    /** Node to gateway: the node is alive ({@code id}: the node id, optional); also the type of its ack. */
    public static final String HEARTBEAT = "heartbeat";
    /** Gateway to node: a {@link Request} to run, correlated by {@code id} (the tunnel). */
    public static final String NODE_REQUEST = "node_request";
    /** Node to gateway: the {@link Response} to the {@code node_request} with the same {@code id}. */
    public static final String NODE_RESPONSE = "node_response";
    /** Signalling (webrtc): an SDP offer in {@code payload}. */
    public static final String SIGNAL_OFFER = "signal_offer";
    /** Signalling (webrtc): an SDP answer in {@code payload}. */
    public static final String SIGNAL_ANSWER = "signal_answer";
    /** Signalling (webrtc): an ICE candidate in {@code payload}. */
    public static final String SIGNAL_CANDIDATE = "signal_candidate";
    /** Ack type of a signalling message that the gateway's P2P transport took. */
    public static final String SIGNALED = "signaled";
    /** Ack type of a signalling message the gateway forwarded to another node. */
    public static final String RELAYED = "relayed";
    /** The {@code from}/{@code to} value naming the gateway. */
    public static final String GATEWAY = "gateway";

    private MessageTypes() {
    }

    /**
     * Whether {@code type} is one of the three signalling types.
     *
     * @param type a type already normalised (see {@link WireMessage#normalizedType()}); compared exactly
     * @return {@code true} for {@code signal_offer}, {@code signal_answer} and {@code signal_candidate}
     */
    public static boolean isSignal(String type) {
        return SIGNAL_OFFER.equals(type) || SIGNAL_ANSWER.equals(type) || SIGNAL_CANDIDATE.equals(type);
    }
}
