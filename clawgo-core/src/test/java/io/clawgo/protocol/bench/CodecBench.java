package io.clawgo.protocol.bench;

import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireMessage;
import io.clawgo.testing.Payloads;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Nanoseconds per operation of the four JSON steps of one tunnelled round trip (encode and decode of a
 * {@code node_request} and of its {@code node_response}) for a 200 B and a 64 KiB payload. Medians of 15 batches after a
 * warm-up; a benchmark, not a test. Run (after {@code mvn -q -o install -DskipTests}):
 *
 * <pre>
 * mvn -q -o -pl clawgo-core dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
 * java -cp clawgo-core/target/test-classes:clawgo-core/target/classes:$(cat clawgo-core/target/bench.cp) \
 *     io.clawgo.protocol.bench.CodecBench
 * </pre>
 */
public final class CodecBench {
    private static final int BATCHES = 15;
    /** Keeps results alive so that the JIT cannot drop the work. */
    private static volatile Object sink;

    private CodecBench() {
    }

    public static void main(String[] args) {
        WireCodec codec = WireCodec.get();
        System.out.println("| payload | step | ns/op (median of " + BATCHES + " batches) |");
        System.out.println("|---|---|---|");
        for (int size : new int[] {200, 64 * 1024}) {
            String data = Payloads.ascii(size);
            Request req = new Request("run", "bench-node", null, null, Map.of("data", data));
            WireMessage request = WireMessage.nodeRequest("0123456789abcdef0123456789abcdef", "bench-node", req);
            String requestJson = codec.toJson(request);
            Response resp = Response.ok(Map.of("data", data));
            WireMessage response = WireMessage.nodeResponse("0123456789abcdef0123456789abcdef", "bench-node", resp);
            String responseJson = codec.toJson(response);
            int ops = size < 1024 ? 20_000 : 400;
            String label = size < 1024 ? size + " B" : size / 1024 + " KiB";
            row(label, "encode node_request", ops, () -> codec.toJson(request));
            row(label, "decode node_request", ops, () -> decode(codec, requestJson));
            row(label, "encode node_response", ops, () -> codec.toJson(response));
            row(label, "decode node_response", ops, () -> decode(codec, responseJson));
        }
    }

    private static Object decode(WireCodec codec, String json) {
        try {
            return codec.decodeFrame(json, 16 << 20);
        } catch (io.clawgo.protocol.ProtocolException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void row(String size, String step, int ops, Supplier<Object> op) {
        for (int i = 0; i < 5 * ops; i++) {
            sink = op.get(); // warm-up
        }
        double[] ns = new double[BATCHES];
        for (int b = 0; b < BATCHES; b++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < ops; i++) {
                sink = op.get();
            }
            ns[b] = (System.nanoTime() - t0) / (double) ops;
        }
        Arrays.sort(ns);
        System.out.printf(Locale.ROOT, "| %s | %s | %.0f |%n", size, step, ns[BATCHES / 2]);
    }

}
