package io.clawgo.protocol.bench;

import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireMessage;
import io.clawgo.testing.Payloads;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What trace context costs the codec: nanoseconds and bytes allocated per encode and decode of a 200 B
 * {@code node_request} without and with a {@code traceparent}. Medians of 15 batches after a warm-up; a benchmark, not
 * a test. Built only from APIs older than the field (the traced request is decoded from JSON), so the same class runs
 * against an older {@code clawgo-core} too, where the traced rows show {@code n/a}: run it against both to compare the
 * untraced rows. Run as {@link CodecBench} says, with this class name.
 */
public final class TraceContextBench {
    private static final int BATCHES = 15;
    private static final int OPS = 20_000;
    private static volatile Object sink;

    private TraceContextBench() {
    }

    public static void main(String[] args) throws ProtocolException {
        WireCodec codec = WireCodec.get();
        String data = Payloads.ascii(200);
        Request plain = new Request("run", "bench-node", null, null, Map.of("data", data));
        String tracedJson = codec.toJson(plain).replaceFirst("\\}$",
                ",\"traceparent\":\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\"}");
        Request traced = codec.decode(tracedJson, Request.class);
        boolean supported = !traced.equals(plain);
        System.out.println("| 200 B node_request | ns/op (median of " + BATCHES + ") | bytes allocated/op |");
        System.out.println("|---|---|---|");
        for (String kind : new String[] {"without traceparent", "with traceparent"}) {
            if (kind.startsWith("with ") && !supported) {
                System.out.println("| encode, " + kind + " | n/a | n/a |");
                System.out.println("| decode, " + kind + " | n/a | n/a |");
                continue;
            }
            Request req = kind.startsWith("with ") ? traced : plain;
            WireMessage msg = WireMessage.nodeRequest("0123456789abcdef0123456789abcdef", "bench-node", req);
            String json = codec.toJson(msg);
            row("encode, " + kind, () -> codec.toJson(msg));
            row("decode, " + kind, () -> {
                try {
                    return codec.decodeFrame(json, 1 << 20);
                } catch (ProtocolException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
    }

    private static void row(String step, Supplier<Object> op) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        for (int i = 0; i < 5 * OPS; i++) {
            sink = op.get(); // warm-up
        }
        long[] nanos = new long[BATCHES];
        long[] bytes = new long[BATCHES];
        for (int b = 0; b < BATCHES; b++) {
            long a0 = threads.getThreadAllocatedBytes(id);
            long t0 = System.nanoTime();
            for (int i = 0; i < OPS; i++) {
                sink = op.get();
            }
            nanos[b] = (System.nanoTime() - t0) / OPS;
            bytes[b] = (threads.getThreadAllocatedBytes(id) - a0) / OPS;
        }
        Arrays.sort(nanos);
        Arrays.sort(bytes);
        System.out.println(String.format(Locale.ROOT, "| %s | %d | %d |", step, nanos[BATCHES / 2], bytes[BATCHES / 2]));
    }
}
