package io.clawgo.transport.webrtc;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Splits one JSON message into DataChannel frames no larger than {@code frameBytes}.
 *
 * <p>A message that fits is sent as one <b>text</b> frame holding the plain JSON, exactly what a clawgo peer without
 * chunking sends and expects. A larger one is sent as consecutive <b>binary</b> frames, each with a 10-byte header:
 * <pre>
 *   byte 0     magic 0xCB
 *   byte 1     flags: 0x01 first chunk, 0x02 last chunk
 *   bytes 2-5  message number (unsigned, big-endian), per sender and channel
 *   bytes 6-9  total message length in bytes (big-endian), the same in every chunk
 *   bytes 10.. the next slice of the UTF-8 JSON
 * </pre>
 * Every frame is its own exact-size array, because webrtc-java sends a heap buffer's whole backing array.
 */
final class ChunkCodec {
    static final byte MAGIC = (byte) 0xCB;
    static final int FIRST = 0x01;
    static final int LAST = 0x02;
    static final int HEADER = 10;

    /** One DataChannel message. */
    record Frame(byte[] data, boolean binary) {
    }

    private final AtomicInteger messageNumbers = new AtomicInteger();
    private volatile int frameBytes;

    ChunkCodec(int frameBytes) {
        frameBytes(frameBytes);
    }

    int frameBytes() {
        return frameBytes;
    }

    /** Changes the frame size (once the peer's {@code max-message-size} is known). */
    void frameBytes(int bytes) {
        if (bytes <= HEADER * 2) {
            throw new IllegalArgumentException("frameBytes too small: " + bytes);
        }
        this.frameBytes = bytes;
    }

    /**
     * The frame size to use with a peer whose SDP is {@code remoteSdp}: its {@code a=max-message-size}, or 65536 when
     * it announces none (RFC 8841), capped at {@code cap}; 0 ("no limit") means the cap.
     */
    static int negotiate(String remoteSdp, int cap) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("a=max-message-size:(\\d+)")
                .matcher(remoteSdp == null ? "" : remoteSdp);
        if (!m.find()) {
            return Math.min(cap, 64 * 1024);
        }
        long announced;
        try {
            announced = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return Math.min(cap, 64 * 1024);
        }
        if (announced == 0) {
            return cap;
        }
        return (int) Math.max(HEADER * 2 + 1, Math.min(cap, announced));
    }

    /** The frames of {@code message} (UTF-8 JSON), in sending order. */
    List<Frame> encode(byte[] message) {
        int frame = frameBytes;
        if (message.length <= frame) {
            return List.of(new Frame(message, false));
        }
        int number = messageNumbers.incrementAndGet();
        int slice = frame - HEADER;
        List<Frame> out = new ArrayList<>(message.length / slice + 1);
        for (int off = 0; off < message.length; off += slice) {
            int len = Math.min(slice, message.length - off);
            int flags = (off == 0 ? FIRST : 0) | (off + len == message.length ? LAST : 0);
            ByteBuffer b = ByteBuffer.allocate(HEADER + len);
            b.put(MAGIC).put((byte) flags).putInt(number).putInt(message.length).put(message, off, len);
            out.add(new Frame(b.array(), true));
        }
        return out;
    }
}
