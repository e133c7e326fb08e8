package io.clawgo.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The envelope of every non-ack frame on the control WebSocket and on data channels.
 *
 * @param type     message type, see {@link MessageTypes}
 * @param id       correlation id (for {@code heartbeat}, the node id)
 * @param from     sender: {@code gateway} or a node id (on {@code node_response} and signalling, the gateway overwrites
 *                 it with the connection's node id)
 * @param to       recipient: {@code gateway} or a node id
 * @param session  signalling session id
 * @param node     node info of a {@code register}
 * @param request  request of a {@code node_request}
 * @param response response of a {@code node_response}
 * @param payload  signalling payload (SDP {@code {type,sdp}} or an ICE candidate), never {@code null}
 */
public record WireMessage(String type, String id, String from, String to, String session, NodeInfo node,
                          Request request, Response response, Map<String, Object> payload) {

    /**
     * Creates a message; {@code payload} is copied into an unmodifiable map ({@code null} becomes empty).
     *
     * @param type     message type
     * @param id       correlation id
     * @param from     sender
     * @param to       recipient
     * @param session  signalling session id
     * @param node     node info of a {@code register}
     * @param request  request of a {@code node_request}
     * @param response response of a {@code node_response}
     * @param payload  signalling payload, or {@code null}
     */
    public WireMessage {
        payload = payload == null || payload.isEmpty()
                ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(payload));
    }

    /**
     * A {@code register} message.
     *
     * @param node the node to register
     * @return the message
     */
    public static WireMessage register(NodeInfo node) {
        return new WireMessage(MessageTypes.REGISTER, null, null, null, null, node, null, null, null);
    }

    /**
     * A {@code heartbeat} message; {@code id} carries the node id.
     *
     * @param nodeId the sending node's id
     * @return the message
     */
    public static WireMessage heartbeat(String nodeId) {
        return new WireMessage(MessageTypes.HEARTBEAT, nodeId, null, null, null, null, null, null, null);
    }

    /**
     * A {@code node_request} from the gateway to {@code node}.
     *
     * @param id      correlation id; the answer's {@code id} repeats it
     * @param node    the target node id ({@code to})
     * @param request the request to run
     * @return the message
     */
    public static WireMessage nodeRequest(String id, String node, Request request) {
        return new WireMessage(MessageTypes.NODE_REQUEST, id, null, node, null, null, request, null, null);
    }

    /**
     * A {@code node_response} answering request {@code id}, addressed to the gateway.
     *
     * @param id       the correlation id of the {@code node_request}
     * @param from     the answering node's id
     * @param response the response
     * @return the message
     */
    public static WireMessage nodeResponse(String id, String from, Response response) {
        return new WireMessage(MessageTypes.NODE_RESPONSE, id, from, MessageTypes.GATEWAY, null, null, null,
                response, null);
    }

    /**
     * A signalling message.
     *
     * @param type    {@code signal_offer}, {@code signal_answer} or {@code signal_candidate}
     * @param from    sender: {@code gateway} or a node id
     * @param to      recipient: {@code gateway} or a node id
     * @param session signalling session id
     * @param payload SDP {@code {type, sdp}} or an ICE candidate
     * @return the message, without an {@code id}
     */
    public static WireMessage signal(String type, String from, String to, String session, Map<String, Object> payload) {
        return new WireMessage(type, null, from, to, session, null, null, null, payload);
    }

    /**
     * The type, for comparisons.
     *
     * @return the type trimmed and lower-cased, {@code ""} when absent
     */
    public String normalizedType() {
        String t = type;
        if (t == null) {
            return "";
        }
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c <= ' ' || c > '~' || (c >= 'A' && c <= 'Z')) {
                return t.trim().toLowerCase(java.util.Locale.ROOT);
            }
        }
        return t; // already trimmed lower case: the usual case, without a copy
    }

    /**
     * This message with {@code from} replaced.
     *
     * @param newFrom the sender
     * @return a copy
     */
    public WireMessage withFrom(String newFrom) {
        return new WireMessage(type, id, newFrom, to, session, node, request, response, payload);
    }

    /**
     * This message with {@code id} replaced.
     *
     * @param newId the id
     * @return a copy
     */
    public WireMessage withId(String newId) {
        return new WireMessage(type, newId, from, to, session, node, request, response, payload);
    }
}
