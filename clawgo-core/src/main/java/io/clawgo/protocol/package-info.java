/**
 * The wire model shared by gateway, nodes and transports ({@link io.clawgo.protocol.NodeInfo},
 * {@link io.clawgo.protocol.Request}, {@link io.clawgo.protocol.Response}, {@link io.clawgo.protocol.WireMessage},
 * {@link io.clawgo.protocol.WireAck}), its one JSON codec ({@link io.clawgo.protocol.WireCodec}) and the stable error
 * codes ({@link io.clawgo.protocol.ErrorCodes}). Field names and shapes follow the clawgo 0.2.x protocol; see
 * {@code docs/protocol.md}.
 */
package io.clawgo.protocol;
