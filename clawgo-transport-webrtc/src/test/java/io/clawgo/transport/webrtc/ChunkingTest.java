package io.clawgo.transport.webrtc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The chunk envelope and the bounded reassembly, without natives. */
class ChunkingTest {

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] feed(Reassembler r, List<ChunkCodec.Frame> frames) throws Exception {
        byte[] out = null;
        for (ChunkCodec.Frame f : frames) {
            byte[] m = r.accept(ByteBuffer.wrap(f.data()), f.binary());
            if (m != null) {
                assertThat(out).as("only one complete message").isNull();
                out = m;
            }
        }
        return out;
    }

    @Test
    void smallMessageIsOnePlainTextFrame() throws Exception {
        ChunkCodec c = new ChunkCodec(1024);
        byte[] msg = "{\"type\":\"node_request\"}".getBytes();
        List<ChunkCodec.Frame> frames = c.encode(msg);
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0).binary()).isFalse();
        assertThat(frames.get(0).data()).isEqualTo(msg);
        assertThat(feed(new Reassembler(4096, 4), frames)).isEqualTo(msg);
    }

    @Test
    void exactlyTheFrameSizeIsNotChunked() {
        assertThat(new ChunkCodec(1024).encode(new byte[1024])).hasSize(1);
        assertThat(new ChunkCodec(1024).encode(new byte[1025])).hasSize(2);
    }

    @Test
    void largeMessageRoundTripsInExactSizeFrames() throws Exception {
        ChunkCodec c = new ChunkCodec(64 * 1024);
        byte[] msg = random(4 * 1024 * 1024 + 17, 1);
        List<ChunkCodec.Frame> frames = c.encode(msg);
        assertThat(frames).allSatisfy(f -> {
            assertThat(f.binary()).isTrue();
            assertThat(f.data().length).isLessThanOrEqualTo(64 * 1024);
        });
        assertThat(frames).hasSize((msg.length + (64 * 1024 - ChunkCodec.HEADER) - 1) / (64 * 1024 - ChunkCodec.HEADER));
        Reassembler r = new Reassembler(8 * 1024 * 1024, 4);
        assertThat(feed(r, frames)).isEqualTo(msg);
        assertThat(r.inProgress()).isZero();
    }

    @Test
    void whatIsHeldGrowsWithWhatArrivedNotWithWhatWasAnnounced() throws Exception {
        // first chunks that announce 8 MiB each and never go on must not make the receiver hold 8 MiB per message
        ChunkCodec c = new ChunkCodec(1024);
        Reassembler r = new Reassembler(8 * 1024 * 1024, 16);
        for (int i = 0; i < 16; i++) {
            List<ChunkCodec.Frame> frames = c.encode(random(8 * 1024 * 1024, i));
            assertThat(r.accept(ByteBuffer.wrap(frames.get(0).data()), true)).isNull();
        }
        assertThat(r.inProgress()).isEqualTo(16);
        assertThat(r.heldBytes()).as("16 messages of one 1 KiB chunk each")
                .isLessThanOrEqualTo(16L * Reassembler.INITIAL_BYTES);
        // a message that does arrive grows to its exact length and comes out whole
        byte[] msg = random(300_000, 99);
        Reassembler whole = new Reassembler(8 * 1024 * 1024, 4);
        byte[] out = feed(whole, new ChunkCodec(1000).encode(msg));
        assertThat(out).isEqualTo(msg).hasSize(msg.length);
        assertThat(whole.heldBytes()).isZero();
    }

    @Test
    void interleavedMessagesAreKeptApart() throws Exception {
        ChunkCodec c = new ChunkCodec(100);
        byte[] a = random(1000, 2);
        byte[] b = random(700, 3);
        List<ChunkCodec.Frame> fa = c.encode(a);
        List<ChunkCodec.Frame> fb = c.encode(b);
        Reassembler r = new Reassembler(4096, 4);
        byte[] gotA = null;
        byte[] gotB = null;
        for (int i = 0; i < Math.max(fa.size(), fb.size()); i++) {
            if (i < fa.size()) {
                byte[] m = r.accept(ByteBuffer.wrap(fa.get(i).data()), true);
                gotA = m != null ? m : gotA;
            }
            if (i < fb.size()) {
                byte[] m = r.accept(ByteBuffer.wrap(fb.get(i).data()), true);
                gotB = m != null ? m : gotB;
            }
        }
        assertThat(gotA).isEqualTo(a);
        assertThat(gotB).isEqualTo(b);
    }

    @Test
    void tooLargeMessagesAreDroppedAndLaterOnesStillArrive() throws Exception {
        ChunkCodec c = new ChunkCodec(100);
        Reassembler r = new Reassembler(500, 4);
        List<ChunkCodec.Frame> big = c.encode(random(2000, 4));
        assertThatThrownBy(() -> r.accept(ByteBuffer.wrap(big.get(0).data()), true))
                .isInstanceOf(Reassembler.FrameException.class).hasMessageContaining("exceeds the limit of 500");
        for (ChunkCodec.Frame f : big.subList(1, big.size())) {
            assertThat(r.accept(ByteBuffer.wrap(f.data()), true)).isNull();
        }
        byte[] ok = random(300, 5);
        assertThat(feed(r, c.encode(ok))).isEqualTo(ok);
        assertThatThrownBy(() -> r.accept(ByteBuffer.wrap(new byte[501]), false))
                .isInstanceOf(Reassembler.FrameException.class);
    }

    @Test
    void malformedChunksAreRejected() {
        Reassembler r = new Reassembler(500, 1);
        assertThatThrownBy(() -> r.accept(ByteBuffer.wrap(new byte[] {1, 2, 3}), true))
                .isInstanceOf(Reassembler.FrameException.class).hasMessageContaining("not a clawgo chunk");
        ChunkCodec c = new ChunkCodec(100);
        List<ChunkCodec.Frame> f = c.encode(random(400, 6));
        assertThatThrownBy(() -> r.accept(ByteBuffer.wrap(f.get(1).data()), true))
                .hasMessageContaining("without its first chunk");
        List<ChunkCodec.Frame> g = c.encode(random(400, 7));
        try {
            assertThat(r.accept(ByteBuffer.wrap(g.get(0).data()), true)).isNull();
        } catch (Reassembler.FrameException e) {
            throw new AssertionError(e);
        }
        List<ChunkCodec.Frame> h = c.encode(random(400, 8));
        assertThatThrownBy(() -> r.accept(ByteBuffer.wrap(h.get(0).data()), true))
                .hasMessageContaining("in progress");
    }
}
