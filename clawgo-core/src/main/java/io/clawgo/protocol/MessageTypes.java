package io.clawgo.protocol;

/** The {@code type} values of {@link WireMessage} and {@link WireAck}. */
public final class MessageTypes {
    public static final String REGISTER = "register";
    public static final String REGISTERED = "registered";
    public static final String HEARTBEAT = "heartbeat";
    public static final String NODE_REQUEST = "node_request";
    public static final String NODE_RESPONSE = "node_response";
    public static final String SIGNAL_OFFER = "signal_offer";
    public static final String SIGNAL_ANSWER = "signal_answer";
    public static final String SIGNAL_CANDIDATE = "signal_candidate";
    public static final String SIGNALED = "signaled";
    public static final String RELAYED = "relayed";
    /** The {@code from}/{@code to} value naming the gateway. */
    public static final String GATEWAY = "gateway";

    private MessageTypes() {
    }

    /** Whether {@code type} (normalised) is one of the three signalling types. */
    public static boolean isSignal(String type) {
        return SIGNAL_OFFER.equals(type) || SIGNAL_ANSWER.equals(type) || SIGNAL_CANDIDATE.equals(type);
    }
}
