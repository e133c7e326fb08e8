package io.clawgo.it.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Traceparent;
import io.clawgo.protocol.WireCodec;
import io.clawgo.testing.LoopbackRelay;
import io.clawgo.testing.SeedEndpoint;
import io.clawgo.testing.TempDirs;
import io.clawgo.testing.TestHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The {@code traceparent} check against an independent reading of W3C Trace Context version 00 (a regular expression
 * and the all-zero rule), on valid values, their one-character mutations and arbitrary text; then the same values as
 * headers of REST replays on a real gateway, whose node agent forwards to a real loopback endpoint: the endpoint sees
 * exactly the valid ones, and every call is answered 200 whatever the header held.
 */
class TraceparentFuzzTest {
    private static final Pattern FORM = Pattern.compile("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    private static final String ZERO_TRACE = "0".repeat(32);
    private static final String ZERO_PARENT = "0".repeat(16);
    private static final String TOKEN = "fuzz-trace-token";
    /** Characters a mutation puts in: hex digits of both cases, separators, look-alikes and white space. */
    private static final String MUTATIONS = "0123456789abcdefABCDEFgxz-_ .\t:";

    private static Path dir;
    private static Gateway gw;
    private static SeedEndpoint seed;
    private static NodeAgent node;
    private static OkHttpClient http;

    /** What W3C Trace Context says of a version 00 value, written apart from {@link Traceparent}. */
    static boolean oracle(String v) {
        return v != null && FORM.matcher(v).matches() && !v.substring(3, 35).equals(ZERO_TRACE)
                && !v.substring(36, 52).equals(ZERO_PARENT);
    }

    static String hex(Random r, int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append("0123456789abcdef".charAt(r.nextInt(16)));
        }
        return sb.toString();
    }

    static String valid(Random r) {
        String trace = r.nextInt(8) == 0 ? "0".repeat(31) + "1" : hex(r, 32); // ids with a single non-zero digit too
        String parent = r.nextInt(8) == 0 ? "1" + "0".repeat(15) : hex(r, 16);
        return "00-" + trace + "-" + parent + "-" + hex(r, 2);
    }

    /** One change: a character replaced, inserted or removed, or an id zeroed. */
    static String mutate(String v, Random r) {
        int at = r.nextInt(v.length());
        char c = MUTATIONS.charAt(r.nextInt(MUTATIONS.length()));
        return switch (r.nextInt(5)) {
            case 0, 1 -> v.substring(0, at) + c + v.substring(at + 1);
            case 2 -> v.substring(0, at) + c + v.substring(at);
            case 3 -> v.substring(0, at) + v.substring(at + 1);
            default -> r.nextBoolean() ? "00-" + ZERO_TRACE + v.substring(35) : v.substring(0, 36) + ZERO_PARENT
                    + v.substring(52);
        };
    }

    @Provide
    Arbitrary<String> values() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.randomValue(TraceparentFuzzTest::valid)),
                Tuple.of(6, Arbitraries.randomValue(r -> mutate(valid(r), r))),
                Tuple.of(1, Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(70)));
    }

    @Property(tries = 5000)
    void theCheckAgreesWithTheSpecification(@ForAll("values") String value) throws Exception {
        boolean ok = oracle(value);
        assertThat(Traceparent.isValid(value)).as(value).isEqualTo(ok);
        assertThat(Traceparent.traceId(value)).as(value).isEqualTo(ok ? value.substring(3, 35) : null);
        Request r = new Request("run", "n", null, null, null, value);
        assertThat(r.traceparent()).as(value).isEqualTo(ok ? value : null);
        // what a node reads from the wire is what the check says: a valid value, or nothing
        String json = "{\"action\":\"run\",\"traceparent\":" + WireCodec.get().toJson(value) + "}";
        assertThat(WireCodec.get().decode(json, Request.class).traceparent()).as(value).isEqualTo(ok ? value : null);
    }

    @BeforeContainer
    static void start() throws Exception {
        dir = Files.createTempDirectory("clawgo-fuzz-trace");
        seed = SeedEndpoint.start("trace-node");
        gw = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir).transport("websocket_tunnel")
                .nodePolicy(LoopbackRelay.POLICY).start();
        node = NodeAgent.builder().gateway(gw.url()).token(TOKEN).id("trace-node").endpoint(seed.url())
                .actions(List.of("run")).build();
        node.start();
        assertThat(node.awaitConnected(Duration.ofSeconds(15))).isTrue();
        http = new OkHttpClient.Builder().callTimeout(20, TimeUnit.SECONDS).retryOnConnectionFailure(false).build();
    }

    @AfterContainer
    static void stop() {
        if (node != null) {
            node.close();
        }
        if (gw != null) {
            gw.close();
        }
        if (seed != null) {
            seed.close();
        }
        TempDirs.deleteQuietly(dir);
    }

    @Provide
    Arbitrary<Tuple.Tuple2<String, String>> headers() {
        return Arbitraries.of("p2p", "relay").flatMap(mode -> values().map(v -> Tuple.of(mode, v)));
    }

    /**
     * HTTP trims the white space around a header value (the client and the server both), so the oracle reads the
     * trimmed value, as the gateway gets it.
     */
    @Property(tries = 150)
    void theEndpointSeesExactlyTheValidHeaders(@ForAll("headers") Tuple.Tuple2<String, String> input) throws Exception {
        String mode = input.get1();
        String value = input.get2();
        int before = seed.traceparents().size();
        okhttp3.Request call = new okhttp3.Request.Builder().url(gw.url() + "/webui/api/node_dispatches/replay")
                .header("Authorization", "Bearer " + TOKEN).header("traceparent", value)
                .post(RequestBody.create("{\"node\":\"trace-node\",\"action\":\"run\",\"mode\":\"" + mode
                        + "\",\"timeout_sec\":10}", MediaType.get("application/json"))).build();
        try (Response r = http.newCall(call).execute()) {
            String body = r.body() == null ? "" : r.body().string();
            assertThat(r.code()).as("%s over %s: %s", value, mode, body).isEqualTo(200);
            Map<String, Object> result = TestHttp.map(WireCodec.get().decodeMap(body, 1 << 20).get("result"));
            assertThat(result).as(body).containsEntry("ok", true);
        }
        String sent = value.trim();
        assertThat(seed.traceparents()).hasSize(before + 1);
        assertThat(seed.traceparents().get(before)).as("%s over %s", value, mode)
                .isEqualTo(oracle(sent) ? sent : "null");
    }
}
