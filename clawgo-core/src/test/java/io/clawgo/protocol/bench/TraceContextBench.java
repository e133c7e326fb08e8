package io.clawgo.protocol.bench;

import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireMessage;
import io.clawgo.testing.Payloads;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What trace context costs the codec: nanoseconds and bytes allocated per encode and decode of a 200 B
 * {@code node_request} without and with a {@code traceparent}. Medians of 15 batches after a warm-up; a benchmark, not
 * a test. The four steps take turns batch by batch after all are warm. Built only from APIs older than the field (the
 * traced request is decoded from JSON), so the same class runs against an older {@code clawgo-core} too, where the
 * traced rows show {@code n/a}: run it against both to compare the untraced rows. Run as {@link CodecBench} says, with
 * this class name.
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
        List<String> steps = new ArrayList<>();
        List<Supplier<Object>> ops = new ArrayList<>();
        // four steps either way, so that the JIT sees the same call sites against an older core too
        for (Request req : List.of(plain, traced)) {
            String kind = req == plain ? "without traceparent" : "with traceparent";
            WireMessage msg = WireMessage.nodeRequest("0123456789abcdef0123456789abcdef", "bench-node", req);
            String json = codec.toJson(msg);
            steps.add("encode, " + kind);
            ops.add(() -> codec.toJson(msg));
            steps.add("decode, " + kind);
            ops.add(() -> {
                try {
                    return codec.decodeFrame(json, 1 << 20);
                } catch (ProtocolException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        for (Supplier<Object> op : ops) {
            for (int i = 0; i < 5 * OPS; i++) {
                sink = op.get(); // warm-up of every step before any is measured
            }
        }
        long[][] nanos = new long[ops.size()][BATCHES];
        long[][] bytes = new long[ops.size()][BATCHES];
        for (int b = 0; b < BATCHES; b++) {
            for (int k = 0; k < ops.size(); k++) { // the steps take turns: load from elsewhere hits them alike
                Supplier<Object> op = ops.get(k);
                long a0 = threads.getThreadAllocatedBytes(id);
                long t0 = System.nanoTime();
                for (int i = 0; i < OPS; i++) {
                    sink = op.get();
                }
                nanos[k][b] = (System.nanoTime() - t0) / OPS;
                bytes[k][b] = (threads.getThreadAllocatedBytes(id) - a0) / OPS;
            }
        }
        System.out.println("| 200 B node_request | ns/op (median of " + BATCHES + ") | bytes allocated/op |");
        System.out.println("|---|---|---|");
        for (int k = 0; k < ops.size(); k++) {
            Arrays.sort(nanos[k]);
            Arrays.sort(bytes[k]);
            boolean shown = supported || !steps.get(k).contains("with ");
            System.out.println(String.format(Locale.ROOT, "| %s | %s | %s |", steps.get(k),
                    shown ? nanos[k][BATCHES / 2] : "n/a", shown ? bytes[k][BATCHES / 2] : "n/a"));
        }
    }
}
