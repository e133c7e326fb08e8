package io.clawgo.it.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.protocol.AgentInfo;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Frame;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireAck;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The JSON codec against arbitrary text, mutated valid frames (the golden documents' shapes), deep nesting, huge
 * numbers and invalid UTF-16: every entry point the gateway feeds with untrusted text either returns a valid object or
 * throws {@link ProtocolException} with a code and a message; nothing else (no {@code JsonSyntaxException}, no
 * {@code NumberFormatException}, no {@code StackOverflowError}). A decoded object must also encode again, since the
 * gateway echoes what it decoded (payloads, args) into other frames and API answers.
 */
class WireCodecFuzzTest {
    private static final int MAX = 1 << 20;
    private static final WireCodec CODEC = WireCodec.get();
    private static final List<String> GOLDEN = List.of("wire_register.json", "wire_heartbeat.json",
            "wire_node_request.json", "wire_node_request_traced.json", "wire_node_response.json",
            "wire_signal_offer.json", "wire_signal_answer.json", "wire_signal_candidate.json", "ack_registered.json",
            "ack_error.json", "ack_signaled.json", "node_info.json", "request.json", "response.json",
            "response_error.json", "agent_info.json");

    @FunctionalInterface
    private interface Decoder {
        Object decode(String text) throws ProtocolException;
    }

    private static final List<Decoder> DECODERS = List.of(
            t -> CODEC.decodeFrame(t, MAX),
            t -> CODEC.decode(t, WireMessage.class, MAX),
            t -> CODEC.decode(t, WireAck.class, MAX),
            t -> CODEC.decode(t, NodeInfo.class, MAX),
            t -> CODEC.decode(t, Request.class, MAX),
            t -> CODEC.decode(t, Response.class, MAX),
            t -> CODEC.decode(t, AgentInfo.class, MAX),
            t -> CODEC.decodeMap(t, MAX),
            t -> CODEC.decode(t, com.google.gson.JsonObject.class, MAX));
    private static final String[] NAMES = {"decodeFrame", "decode(WireMessage)", "decode(WireAck)",
            "decode(NodeInfo)", "decode(Request)", "decode(Response)", "decode(AgentInfo)", "decodeMap", "decode(JsonObject)"};

    /** Runs every decoder; returns the failures (entry point, input, exception) instead of stopping at the first. */
    static List<String> problems(String text) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < DECODERS.size(); i++) {
            try {
                Object o = DECODERS.get(i).decode(text);
                if (o == null) {
                    out.add(NAMES[i] + " returned null");
                    continue;
                }
                if (o instanceof Frame.Message m && (m.message().type() == null || m.message().type().isBlank())) {
                    out.add(NAMES[i] + " returned a message without a type");
                }
                Object value = o instanceof Frame.Message m ? m.message() : o instanceof Frame.Ack a ? a.ack() : o;
                CODEC.toJson(value);
            } catch (ProtocolException e) {
                if (e.getMessage() == null || e.getMessage().isBlank()
                        || !Set.of(ErrorCodes.INVALID_REQUEST, ErrorCodes.PAYLOAD_TOO_LARGE).contains(e.code())) {
                    out.add(NAMES[i] + ": ProtocolException without a message or with code " + e.code());
                }
            } catch (Throwable t) {
                out.add(NAMES[i] + " threw " + t.getClass().getName() + ": " + abbreviate(String.valueOf(t.getMessage())));
            }
        }
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    private static void check(String text) {
        net.jqwik.api.Assume.that(!FuzzJson.skipForKnownOverflow(text));
        assertThat(problems(text)).as("input: %s", abbreviate(text)).isEmpty();
    }

    @Provide
    Arbitrary<String> mutatedGolden() {
        return Arbitraries.of(GOLDEN).flatMap(name -> Arbitraries.randomValue(r -> FuzzJson.mutate(FuzzJson.golden(name), r)));
    }

    @Provide
    Arbitrary<String> deeplyNested() {
        return Arbitraries.of(GOLDEN).flatMap(name -> Arbitraries.integers().between(1, 20_000).flatMap(depth ->
                Arbitraries.randomValue(r -> {
                    String doc = FuzzJson.golden(name);
                    int at = doc.lastIndexOf('}');
                    return doc.substring(0, at) + ",\"deep\":" + FuzzJson.deep(r, depth) + doc.substring(at);
                })));
    }

    @Provide
    Arbitrary<String> oddNumbersInEveryField() {
        List<String> fields = List.of("online", "ok", "id", "type", "registered_at", "capabilities", "tags",
                "sdpMLineIndex", "duration_ms", "size_bytes", "x", "payload", "args", "request", "response", "node");
        return Arbitraries.of(GOLDEN).flatMap(name -> Arbitraries.of(fields).flatMap(field ->
                Arbitraries.of(FuzzJson.ODD_NUMBERS).map(n -> {
                    String doc = FuzzJson.golden(name);
                    int at = doc.lastIndexOf('}');
                    String nested = name.startsWith("wire_") ? doc.replaceFirst("\\{\"", "{\"" + field + "\":" + n + ",\"")
                            : doc;
                    at = nested.lastIndexOf('}');
                    return nested.substring(0, at) + ",\"" + field + "_n\":" + n + nested.substring(at);
                })));
    }

    @Property(tries = 400)
    void arbitraryTextIsAValidObjectOrAProtocolException(@ForAll("anyText") String text) {
        check(text);
    }

    @Provide
    Arbitrary<String> anyText() {
        return FuzzJson.anyText();
    }

    @Property(tries = 500)
    void mutatedFramesAreAValidObjectOrAProtocolException(@ForAll("mutatedGolden") String text) {
        check(text);
    }

    @Property(tries = 200)
    void deepNestingIsAValidObjectOrAProtocolException(@ForAll("deeplyNested") String text) {
        check(text);
    }

    @Property(tries = 300)
    void hugeAndOddNumbersAreAValidObjectOrAProtocolException(@ForAll("oddNumbersInEveryField") String text) {
        check(text);
    }

    @Property(tries = 200)
    void invalidSurrogatesAreAValidObjectOrAProtocolException(@ForAll("surrogates") String text) {
        check(text);
    }

    @Provide
    Arbitrary<String> surrogates() {
        return Arbitraries.of(GOLDEN).flatMap(name -> Arbitraries.randomValue(r -> {
            String doc = FuzzJson.golden(name);
            // put an odd string into a string position (a value) or a key
            String s = FuzzJson.string(r);
            int quote = doc.indexOf('"', r.nextInt(doc.length()));
            if (quote < 0) {
                return doc;
            }
            int end = doc.indexOf('"', quote + 1);
            if (end < 0) {
                return doc;
            }
            return doc.substring(0, quote) + s + doc.substring(end + 1);
        }));
    }

    // ---- issue 18: duplicate keys and bad escapes are refused everywhere, with one message ----

    @Provide
    Arbitrary<String> duplicateKeys() {
        return Arbitraries.of(GOLDEN).flatMap(name -> Arbitraries.randomValue(r -> {
            String dup = FuzzJson.duplicateKey(FuzzJson.golden(name), r);
            return dup == null ? "{\"a\":1,\"a\":1}" : dup;
        }));
    }

    @Provide
    Arbitrary<String> badEscapes() {
        return Arbitraries.of(GOLDEN).flatMap(name -> Arbitraries.randomValue(r -> {
            String bad = FuzzJson.badEscape(FuzzJson.golden(name), r);
            return bad == null ? "{\"a\":\"\\u\u0661\u0662\u0663\u0664\"}" : bad;
        }));
    }

    /**
     * A key written twice in one object, at any depth and whatever the value: no entry point accepts the document, and
     * the schema-less ones (which read every member) name the key. Before issue 18 the last value won.
     */
    @Property(tries = 300)
    void aDuplicateKeyIsRefusedByEveryEntryPoint(@ForAll("duplicateKeys") String text) {
        refusedEverywhere(text, "duplicate key \"");
    }

    /**
     * A backslash-u escape whose four characters are not all ASCII hex digits (Arabic-Indic and fullwidth digits
     * included, which {@code Character.digit} takes): no entry point accepts it, and the schema-less ones say why.
     * Before issue 18 the frame decoders read {@code \\u١٢٣٤} as {@code \\u1234}.
     */
    @Property(tries = 300)
    void aBadUnicodeEscapeIsRefusedByEveryEntryPoint(@ForAll("badEscapes") String text) {
        refusedEverywhere(text, "Malformed Unicode escape");
    }

    private static void refusedEverywhere(String text, String reason) {
        check(text); // a value or a ProtocolException with a message, nothing else
        for (int i = 0; i < DECODERS.size(); i++) {
            try {
                Object o = DECODERS.get(i).decode(text);
                throw new AssertionError(NAMES[i] + " accepted " + abbreviate(text) + ": " + o);
            } catch (ProtocolException e) {
                assertThat(e.code()).as("%s of %s", NAMES[i], abbreviate(text)).isEqualTo(ErrorCodes.INVALID_REQUEST);
                if (NAMES[i].equals("decodeMap") || NAMES[i].equals("decode(JsonObject)")) {
                    // nothing but the defect can stop these first: they bind no types
                    assertThat(e.getMessage()).as("%s of %s", NAMES[i], abbreviate(text)).startsWith("invalid json: ")
                            .contains(reason);
                }
            }
        }
    }

    @Example
    void manyKeysAreCheckedWithoutQuadraticCostAndTheLastOneCanBeTheDuplicate() throws ProtocolException {
        StringBuilder sb = new StringBuilder("{\"type\":\"heartbeat\",\"payload\":{");
        for (int i = 0; i < 50_000; i++) {
            sb.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":").append(i);
        }
        String distinct = sb + "}}";
        assertThat(((Frame.Message) CODEC.decodeFrame(distinct, MAX)).message().payload()).hasSize(50_000);
        refusedEverywhere(sb + ",\"k49999\":0}}", "duplicate key \"k49999\"");
        refusedEverywhere(sb + ",\"k0\":0}}", "duplicate key \"k0\"");
        // the reader of this thread forgot the 50,000 names: a small document with one of them decodes
        assertThat(CODEC.decodeMap("{\"k1\":1}", MAX)).containsEntry("k1", 1L);
    }

    // ---- fixed cases that the properties found or that must stay covered ----

    @Example
    void aNumberBeyondDoubleInAFreeFormMap() {
        check("{\"type\":\"heartbeat\",\"id\":\"a\",\"payload\":{\"n\":1e400}}");
        check("{\"id\":\"a\",\"n\":1e400}");
        check("{\"id\":\"a\",\"n\":-1e400}");
    }

    @Example
    void nestingFarBeyondTheParserLimit() {
        check("{\"type\":\"register\",\"payload\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}");
        check("{\"a\":" + "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_001));
    }

    @Example
    void loneSurrogatesInKeysAndValues() {
        check("{\"type\":\"\uD800\",\"id\":\"\uDC00\"}");
        check("{\"\uD800\":1,\"type\":\"heartbeat\"}");
        check("{\"type\":\"heartbeat\",\"id\":\"\\ud800\"}");
    }
}
