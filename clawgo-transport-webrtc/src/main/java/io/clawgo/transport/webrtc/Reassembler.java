package io.clawgo.transport.webrtc;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Puts chunked messages (see {@link ChunkCodec}) back together, within bounds: no message above
 * {@code maxMessageBytes}, at most {@code maxPartial} messages in progress. A violation throws {@link FrameException}
 * and drops the message concerned; later messages are unaffected. Not thread-safe: one channel's frames arrive on one
 * thread, in order.
 */
final class Reassembler {

    /** A frame that breaks the rules; its message is dropped. */
    static final class FrameException extends Exception {
        FrameException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * A message in progress. Its buffer grows with what arrives (doubling, up to the announced length): a first chunk
     * that announces 8 MiB must not make the receiver hold 8 MiB before the bytes come.
     */
    private static final class Partial {
        final int total;
        byte[] data;
        int filled;

        Partial(int total, int firstChunk) {
            this.total = total;
            this.data = new byte[Math.min(total, Math.max(firstChunk, INITIAL_BYTES))];
        }

        void append(ByteBuffer from, int len) {
            if (filled + len > data.length) {
                data = Arrays.copyOf(data, (int) Math.min(total, Math.max(filled + (long) len, 2L * data.length)));
            }
            from.get(data, filled, len);
            filled += len;
        }
    }

    /**
     * The first buffer of a message in progress, when the message is larger: messages up to this size are copied
     * once, larger ones grow with what arrives.
     */
    static final int INITIAL_BYTES = 1024 * 1024;

    private final int maxMessageBytes;
    private final int maxPartial;
    private final Map<Integer, Partial> partial = new LinkedHashMap<>();
    /** Message numbers being skipped after a violation, until their last chunk. */
    private final Map<Integer, Boolean> skipping = new LinkedHashMap<>();

    Reassembler(int maxMessageBytes, int maxPartial) {
        this.maxMessageBytes = maxMessageBytes;
        this.maxPartial = maxPartial;
    }

    /**
     * Consumes one frame; {@code data} is only read during the call.
     *
     * @return the complete message, or {@code null} when more chunks are needed
     */
    byte[] accept(ByteBuffer data, boolean binary) throws FrameException {
        int size = data.remaining();
        if (!binary) {
            if (size > maxMessageBytes) {
                throw new FrameException("a message of " + size + " bytes exceeds the limit of " + maxMessageBytes);
            }
            byte[] out = new byte[size];
            data.get(out);
            return out;
        }
        if (size < ChunkCodec.HEADER || data.get(data.position()) != ChunkCodec.MAGIC) {
            throw new FrameException("a binary frame that is not a clawgo chunk (" + size + " bytes)");
        }
        data.get();
        int flags = data.get() & 0xff;
        int number = data.getInt();
        long total = data.getInt() & 0xffffffffL;
        int len = data.remaining();
        boolean first = (flags & ChunkCodec.FIRST) != 0;
        boolean last = (flags & ChunkCodec.LAST) != 0;
        if (skipping.containsKey(number)) {
            if (last) {
                skipping.remove(number);
            }
            return null;
        }
        Partial p = partial.get(number);
        if (first) {
            if (p != null) {
                partial.remove(number);
                skip(number, last);
                throw new FrameException("chunk message " + number + " started twice");
            }
            if (total > maxMessageBytes) {
                skip(number, last);
                throw new FrameException("a chunked message of " + total + " bytes exceeds the limit of "
                        + maxMessageBytes);
            }
            if (partial.size() >= maxPartial) {
                skip(number, last);
                throw new FrameException("more than " + maxPartial + " chunked messages in progress");
            }
            p = new Partial((int) total, len);
            partial.put(number, p);
        } else if (p == null) {
            skip(number, last);
            throw new FrameException("a chunk of message " + number + " without its first chunk");
        }
        if (p.total != total || p.filled + (long) len > p.total) {
            partial.remove(number);
            skip(number, last);
            throw new FrameException("chunks of message " + number + " overflow its announced length " + total);
        }
        p.append(data, len);
        if (!last) {
            return null;
        }
        partial.remove(number);
        if (p.filled != p.total) {
            throw new FrameException("message " + number + " ended after " + p.filled + " of " + total + " bytes");
        }
        return p.data; // full: the buffer grows to the announced length at most, and all of it arrived
    }

    /** Messages in progress (for tests). */
    int inProgress() {
        return partial.size();
    }

    /** Bytes held for messages in progress (for tests). */
    long heldBytes() {
        long n = 0;
        for (Partial p : partial.values()) {
            n += p.data.length;
        }
        return n;
    }

    private void skip(int number, boolean last) {
        if (last) {
            return;
        }
        if (skipping.size() >= 64) {
            skipping.remove(skipping.keySet().iterator().next());
        }
        skipping.put(number, Boolean.TRUE);
    }
}
