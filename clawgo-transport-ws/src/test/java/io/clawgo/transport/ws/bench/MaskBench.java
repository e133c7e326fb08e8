package io.clawgo.transport.ws.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import okhttp3.internal.ws.WebSocketProtocol;
import okio.Buffer;

/**
 * What masking a client frame costs the node (RFC 6455 makes a client XOR every payload byte with a 4-byte key): OkHttp's
 * own masking ({@code WebSocketProtocol.toggleMask}, which the node's WebSocket runs on every frame it sends) against a
 * masker that XORs 8 bytes at a time, on the same 64 KiB and 1 MiB payloads, in one run. A measurement for a decision
 * about the node's WebSocket client, not a part of the library.
 *
 * <pre>
 * mvn -q -B -o -pl clawgo-transport-ws -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
 * cd clawgo-transport-ws &amp;&amp; java -cp target/test-classes:target/classes:$(cat target/bench.cp) \
 *     io.clawgo.transport.ws.bench.MaskBench
 * </pre>
 */
public final class MaskBench {
    private static final byte[] KEY = {0x1f, 0x2e, 0x3d, 0x4c};

    private MaskBench() {
    }

    public static void main(String[] args) {
        System.out.println("MaskBench: median of 15 rounds, microseconds per frame (each round masks 64 MB)");
        System.out.printf("%-8s | %12s | %12s | %12s | %s%n", "payload", "okhttp", "8 bytes/step", "copy only",
                "okhttp / 8-byte");
        for (int size : new int[] {64 * 1024, 1024 * 1024}) {
            byte[] data = new byte[size];
            Arrays.fill(data, (byte) 'x');
            int frames = 64 * 1024 * 1024 / size;
            double[] okhttp = new double[15];
            double[] wide = new double[15];
            double[] copy = new double[15];
            for (int r = 0; r < 15; r++) {
                okhttp[r] = perFrame(frames, () -> okhttpMask(data));
                wide[r] = perFrame(frames, () -> wideMask(data));
                copy[r] = perFrame(frames, () -> copyOnly(data));
            }
            double o = median(okhttp);
            double w = median(wide);
            System.out.printf("%-8s | %12.1f | %12.1f | %12.1f | %.1fx%n", size == 65536 ? "64 KiB" : "1 MiB", o, w,
                    median(copy), o / w);
        }
    }

    private static double perFrame(int frames, Runnable one) {
        long t = System.nanoTime();
        for (int i = 0; i < frames; i++) {
            one.run();
        }
        return (System.nanoTime() - t) / 1000.0 / frames;
    }

    /** The payload copied into an okio buffer and masked there, as OkHttp's WebSocket writer does. */
    private static void okhttpMask(byte[] data) {
        Buffer b = new Buffer();
        b.write(data);
        try (Buffer.UnsafeCursor c = b.readAndWriteUnsafe(new Buffer.UnsafeCursor())) {
            c.seek(0);
            WebSocketProtocol.INSTANCE.toggleMask(c, KEY);
        }
        b.clear();
    }

    /** The same copy, masked 8 bytes at a time with the key repeated into a long. */
    private static void wideMask(byte[] data) {
        byte[] out = data.clone();
        ByteBuffer bb = ByteBuffer.wrap(out).order(ByteOrder.BIG_ENDIAN);
        long k = ((KEY[0] & 0xffL) << 24) | ((KEY[1] & 0xffL) << 16) | ((KEY[2] & 0xffL) << 8) | (KEY[3] & 0xffL);
        long key8 = (k << 32) | k;
        int i = 0;
        for (; i + 8 <= out.length; i += 8) {
            bb.putLong(i, bb.getLong(i) ^ key8);
        }
        for (; i < out.length; i++) {
            out[i] ^= KEY[i & 3];
        }
        sink ^= out[out.length - 1];
    }

    /** The copy alone: what any masker pays before it masks. */
    private static void copyOnly(byte[] data) {
        Buffer b = new Buffer();
        b.write(data);
        b.clear();
    }

    private static volatile int sink;

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
