package io.clawgo.protocol;

/**
 * The gateway's answer to a control message. A frame with a top-level {@code ok} key is an ack.
 *
 * @param ok    success
 * @param type  {@code registered}, {@code heartbeat}, {@code signaled}, {@code relayed}, or the failed message's type
 * @param id    the node id or correlation id it answers
 * @param error human text when not ok
 */
public record WireAck(boolean ok, String type, String id, String error) {

    public static WireAck ok(String type, String id) {
        return new WireAck(true, type, id, null);
    }

    public static WireAck error(String type, String id, String error) {
        return new WireAck(false, type, id, error);
    }
}
