package io.clawgo.protocol;

/**
 * The gateway's answer to a control message. A frame with a top-level {@code ok} key is an ack.
 *
 * @param ok    success
 * @param type  {@code registered}, {@code heartbeat}, {@code signaled}, {@code relayed}, or the failed message's type
 *              ({@code error} or {@code payload_too_large} for a frame that could not be decoded)
 * @param id    the node id or correlation id it answers
 * @param error human text when not ok
 */
public record WireAck(boolean ok, String type, String id, String error) {

    /**
     * A successful ack.
     *
     * @param type the ack type, for example {@code registered}
     * @param id   the node id or correlation id it answers
     * @return an ack with {@code ok} true and no error
     */
    public static WireAck ok(String type, String id) {
        return new WireAck(true, type, id, null);
    }

    /**
     * A failed ack.
     *
     * @param type  the failed message's type
     * @param id    the node id or correlation id it answers, or {@code null}
     * @param error human text
     * @return an ack with {@code ok} false
     */
    public static WireAck error(String type, String id, String error) {
        return new WireAck(false, type, id, error);
    }
}
