package io.clawgo.protocol;

/** One decoded text frame, as {@link WireCodec#decodeFrame(String, int)} returns it: a message or an ack. */
public sealed interface Frame permits Frame.Message, Frame.Ack {

    /**
     * A message frame.
     *
     * @param message the decoded message; its {@code type} is not blank
     */
    record Message(WireMessage message) implements Frame {
    }

    /**
     * An ack frame (it has a top-level {@code ok} key).
     *
     * @param ack the decoded ack
     */
    record Ack(WireAck ack) implements Frame {
    }
}
