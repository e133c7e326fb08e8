package io.clawgo.protocol;

/** One decoded text frame: either a {@link WireMessage} or a {@link WireAck}. */
public sealed interface Frame permits Frame.Message, Frame.Ack {

    /** A message frame. */
    record Message(WireMessage message) implements Frame {
    }

    /** An ack frame (it has a top-level {@code ok} key). */
    record Ack(WireAck ack) implements Frame {
    }
}
