package io.clawgo.protocol.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.Strictness;
import com.google.gson.ToNumberPolicy;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import io.clawgo.protocol.Frame;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireMessage;
import io.clawgo.testing.Payloads;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The codec's JSON layer against the alternatives, on the two frames of a tunnelled round trip: encode and decode of a
 * {@code node_request} and of its {@code node_response}, as the gateway and the node do them.
 *
 * <ul>
 *   <li><b>gson</b>, the baseline: Gson out of the box ({@code Gson.toJson}, {@code Gson.fromJson} into the same
 *       records, with the codec's number policy, strictness and no HTML escaping), without the codec's own parts
 *       ({@code StringJsonReader}, {@code FastJsonWriter}, {@code RecordAdapter}, {@code StringMapAdapterFactory},
 *       {@code ControlChars}). It does less than the codec: no size check, no duplicate-key check, no pruning of
 *       empty fields, Gson's lenient scalar coercions.</li>
 *   <li><b>codec</b>: {@code WireCodec.toJson} and {@code WireCodec.decodeFrame}, what the gateway runs.</li>
 *   <li><b>jackson</b>: jackson-core's streaming generator and parser with hand-written binding
 *       ({@link JacksonFrames}): the same output byte for byte and the same records, with the codec's checks.</li>
 * </ul>
 *
 * <p>Every round measures every cell (size, step, library), the libraries of a cell one after the other in an order
 * that rotates from round to round, each as the median of its batches after a warm-up. The table gives, per cell,
 * the median over rounds of the per-round medians, and the median over rounds of the per-round ratio to gson: a
 * ratio compares two figures of the same moment of this shared, noisy machine. Bytes allocated per operation are
 * those of one batch of the last round. A benchmark, not a test; it checks first that the three agree.
 *
 * <p>Run (from the repository root; needs no {@code install}):
 *
 * <pre>
 * mvn -q -B -o -pl clawgo-core test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
 * nice java -cp clawgo-core/target/test-classes:clawgo-core/target/classes:$(cat clawgo-core/target/bench.cp) \
 *     io.clawgo.protocol.bench.JsonLibBench --rounds 5
 * </pre>
 *
 * <p>Options: {@code --rounds N} (default 5), {@code --sizes 200,65536,8388608} (payload bytes).
 */
public final class JsonLibBench {
    /** Keeps results alive so that the JIT cannot drop the work. */
    private static volatile Object sink;
    private static final String ID = "0123456789abcdef0123456789abcdef";
    private static final int MAX_BYTES = WireCodec.MAX_LIMIT_BYTES;
    private static final String[] LIBS = {"gson", "codec", "jackson"};
    private static final String[] STEPS = {"encode node_request", "decode node_request", "encode node_response",
        "decode node_response"};

    private JsonLibBench() {
    }

    @FunctionalInterface
    private interface Op {
        Object run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int rounds = 5;
        int[] sizes = {200, 64 * 1024, 8 * 1024 * 1024};
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--sizes" -> sizes = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        WireCodec codec = WireCodec.get();
        Gson gson = new GsonBuilder()
                .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE)
                // NodeInfo's timestamps (not in these frames): Gson has no Instant adapter, and java.time is closed
                .registerTypeAdapter(Instant.class, new TypeAdapter<Instant>() {
                    @Override
                    public void write(JsonWriter out, Instant value) throws java.io.IOException {
                        out.value(value == null ? null : value.toString());
                    }

                    @Override
                    public Instant read(JsonReader in) throws java.io.IOException {
                        return Instant.parse(in.nextString());
                    }
                })
                .setStrictness(Strictness.STRICT)
                .disableHtmlEscaping()
                .create();
        JacksonFrames jackson = new JacksonFrames();

        // cells[size][step][lib]
        Op[][][] cells = new Op[sizes.length][STEPS.length][];
        for (int s = 0; s < sizes.length; s++) {
            String data = Payloads.ascii(sizes[s]);
            WireMessage request = WireMessage.nodeRequest(ID, "bench-node",
                    new Request("run", "bench-node", null, null, Map.of("data", data, "n", 42L)));
            WireMessage response = WireMessage.nodeResponse(ID, "bench-node",
                    new Response(true, "ok", null, "bench-node", "run", Map.of("data", data, "n", 42L)));
            String requestJson = codec.toJson(request);
            String responseJson = codec.toJson(response);
            for (WireMessage m : List.of(request, response)) {
                String json = codec.toJson(m);
                check(jackson.encode(m).equals(json), "jackson writes other JSON than the codec");
                check(decodeCodec(codec, json).equals(m), "the codec does not read back what it wrote");
                check(jackson.decode(json, MAX_BYTES).equals(m), "jackson reads another message than the codec: "
                        + jackson.decode(json, MAX_BYTES) + " for " + m);
                check(gson.fromJson(json, WireMessage.class).equals(m), "gson reads another message than the codec");
                check(gson.fromJson(gson.toJson(m), WireMessage.class).equals(m), "gson does not read back its JSON");
            }
            cells[s][0] = new Op[] {() -> gson.toJson(request), () -> codec.toJson(request),
                () -> jackson.encode(request)};
            cells[s][1] = new Op[] {() -> gson.fromJson(requestJson, WireMessage.class),
                () -> decodeCodec(codec, requestJson), () -> jackson.decode(requestJson, MAX_BYTES)};
            cells[s][2] = new Op[] {() -> gson.toJson(response), () -> codec.toJson(response),
                () -> jackson.encode(response)};
            cells[s][3] = new Op[] {() -> gson.fromJson(responseJson, WireMessage.class),
                () -> decodeCodec(codec, responseJson), () -> jackson.decode(responseJson, MAX_BYTES)};
        }

        System.out.println("load average at start: " + loadAverage());
        // ns[size][step][lib][round]
        double[][][][] ns = new double[sizes.length][STEPS.length][LIBS.length][rounds];
        long[][][] bytes = new long[sizes.length][STEPS.length][LIBS.length];
        for (int r = 0; r < rounds; r++) {
            for (int s = 0; s < sizes.length; s++) {
                int ops = opsPerBatch(sizes[s]);
                int batches = sizes[s] >= 1 << 20 ? 7 : 15;
                for (int st = 0; st < STEPS.length; st++) {
                    for (int k = 0; k < LIBS.length; k++) {
                        int lib = (k + r + st) % LIBS.length; // rotate which library goes first
                        Op op = cells[s][st][lib];
                        ns[s][st][lib][r] = measure(op, ops, batches);
                        bytes[s][st][lib] = allocated(op, ops);
                    }
                }
            }
            System.out.println("round " + (r + 1) + " of " + rounds + " done, load average " + loadAverage());
        }

        System.out.println();
        System.out.println("| payload | step | gson µs | codec µs | jackson µs | codec / gson | jackson / gson "
                + "| jackson / codec | bytes/op gson, codec, jackson |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (int s = 0; s < sizes.length; s++) {
            for (int st = 0; st < STEPS.length; st++) {
                double[][] c = ns[s][st];
                System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %.2f | %.2f | %.2f | %s |%n",
                        label(sizes[s]), STEPS[st], micros(median(c[0])), micros(median(c[1])), micros(median(c[2])),
                        medianRatio(c[1], c[0]), medianRatio(c[2], c[0]), medianRatio(c[2], c[1]),
                        String.format(Locale.ROOT, "%,d / %,d / %,d", bytes[s][st][0], bytes[s][st][1],
                                bytes[s][st][2]));
            }
        }
        System.out.println();
        System.out.println("per-round ratios jackson / codec (sorted), to see the spread:");
        for (int s = 0; s < sizes.length; s++) {
            for (int st = 0; st < STEPS.length; st++) {
                double[] q = ratios(ns[s][st][2], ns[s][st][1]);
                Arrays.sort(q);
                StringBuilder sb = new StringBuilder();
                for (double v : q) {
                    sb.append(String.format(Locale.ROOT, " %.2f", v));
                }
                System.out.println("  " + label(sizes[s]) + " " + STEPS[st] + ":" + sb);
            }
        }
        System.out.println("load average at end: " + loadAverage());
    }

    private static Object decodeCodec(WireCodec codec, String json) throws ProtocolException {
        return ((Frame.Message) codec.decodeFrame(json, MAX_BYTES)).message();
    }

    private static int opsPerBatch(int size) {
        if (size < 1024) {
            return 20_000;
        }
        return size < 1 << 20 ? 400 : 2;
    }

    /** Median nanoseconds per operation over {@code batches} batches after a warm-up. */
    private static double measure(Op op, int ops, int batches) throws Exception {
        for (int i = 0; i < 5 * ops; i++) {
            sink = op.run();
        }
        double[] ns = new double[batches];
        for (int b = 0; b < batches; b++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < ops; i++) {
                sink = op.run();
            }
            ns[b] = (System.nanoTime() - t0) / (double) ops;
        }
        return median(ns);
    }

    /** Bytes the thread allocated per operation over one batch. */
    private static long allocated(Op op, int ops) throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long a0 = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < ops; i++) {
            sink = op.run();
        }
        return (mx.getThreadAllocatedBytes(tid) - a0) / ops;
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        int n = c.length;
        return n % 2 == 1 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    }

    private static double[] ratios(double[] a, double[] b) {
        double[] q = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            q[i] = a[i] / b[i];
        }
        return q;
    }

    private static double medianRatio(double[] a, double[] b) {
        return median(ratios(a, b));
    }

    private static String micros(double ns) {
        double us = ns / 1000;
        return String.format(Locale.ROOT, us < 10 ? "%.2f" : us < 1000 ? "%.1f" : "%,.0f", us);
    }

    private static String label(int size) {
        if (size >= 1 << 20) {
            return size / (1 << 20) + " MiB";
        }
        return size >= 1024 ? size / 1024 + " KiB" : size + " B";
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "n/a";
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }
}
