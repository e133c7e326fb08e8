/**
 * The {@code webrtc} transport of clawgo-java: requests and responses over a WebRTC DataChannel between the gateway
 * (offerer) and each node (answerer), signalled over the node's control WebSocket, built on webrtc-java. The only
 * public type is {@link io.clawgo.transport.webrtc.WebRtcProvider}, found with {@link java.util.ServiceLoader};
 * everything else is package-private. A reader continues with {@code WebRtcGatewayTransport} and its
 * {@code GatewaySession} per node (gateway side), {@code WebRtcNodeTransport} and its {@code AnswerSession} (node
 * side), {@code PeerLink} (one peer connection and its channel) and {@code ChunkCodec} (messages larger than a
 * DataChannel frame).
 */
package io.clawgo.transport.webrtc;
