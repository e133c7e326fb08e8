package io.clawgo.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link StringJsonReader} against Gson's strict {@link JsonReader}: on generated documents and on mutations of them
 * (a character deleted, inserted, replaced, or the text cut short), both readers must see the same tokens, values and
 * paths, and fail at the same token with the same kind of error.
 */
class StringJsonReaderTest {
    private static final long SEED = 20261126L;
    private static final String NOISE = ",:{}[]\"\\ \n\t-+.0159eEtfnul'/#xa\u0001\u00e9\u2028\ud83d";

    @Test
    void agreesWithGsonOnGeneratedAndMutatedDocuments() throws IOException {
        Random rnd = new Random(SEED);
        int failures = 0;
        int documents = 0;
        // one reader reset for every document, as the codec reuses one per thread, also after a failure half-way
        StringJsonReader reused = new StringJsonReader("").rejectDuplicateNames(false);
        for (int i = 0; i < 6000; i++) {
            String doc = value(rnd, 0);
            for (String text : mutations(rnd, doc)) {
                documents++;
                List<String> gson = walk(gsonReader(text), new Random(i));
                List<String> ours = walk(new StringJsonReader(text).rejectDuplicateNames(false), new Random(i));
                assertThat(ours).as("tokens of %s", text).isEqualTo(gson);
                List<String> again = walk(reused.reset(text), new Random(i));
                reused.release();
                assertThat(again).as("tokens of %s with a reused reader", text).isEqualTo(gson);
                if (gson.get(gson.size() - 1).startsWith("!")) {
                    failures++;
                }
            }
        }
        // the mutations must exercise the error paths as much as the happy path
        assertThat(failures).isBetween(documents / 4, documents * 3 / 4);
    }

    @Test
    void knownNamesAreReturnedAsTheGivenInstancesAndEverythingElseAsNextNameWould() throws IOException {
        String[] known = {"type", "id", "to"};
        String json = "{\"type\":1,\"\\u0074o\":2,\"ids\":3,\"id\":4,\"\":5,\"typ\":6}";
        StringJsonReader r = new StringJsonReader(json);
        JsonReader gson = gsonReader(json);
        r.beginObject();
        gson.beginObject();
        List<String> names = new ArrayList<>();
        while (r.hasNext()) {
            String name = r.nextKnownName(known);
            assertThat(name).isEqualTo(gson.nextName());
            assertThat(r.getPath()).isEqualTo(gson.getPath());
            if (name.equals("type") || name.equals("id")) {
                assertThat(name).as("the given instance").isSameAs(name.equals("type") ? known[0] : known[1]);
            }
            names.add(name);
            assertThat(r.nextLong()).isEqualTo(gson.nextLong());
        }
        r.endObject();
        assertThat(names).containsExactly("type", "to", "ids", "id", "", "typ");
        // a raw control character in a name is refused as by nextName, known name or not
        assertThatThrownBy(() -> {
            StringJsonReader bad = new StringJsonReader("{\"i\u0001d\":1}");
            bad.beginObject();
            bad.nextKnownName(known);
        }).isInstanceOf(MalformedJsonException.class);
    }

    @Test
    void readsLongStringsAndEscapesExactly() throws IOException {
        String big = "x".repeat(70_000) + "\u00e9\u4e2d\ud83d\ude00";
        String json = "{\"a\":\"" + big + "\",\"b\":\"tab\\there \\\"q\\\" \\u00e9\\ud83d\\ude00 \\/\"}";
        StringJsonReader r = new StringJsonReader(json);
        r.beginObject();
        assertThat(r.nextName()).isEqualTo("a");
        assertThat(r.nextString()).isEqualTo(big);
        assertThat(r.nextName()).isEqualTo("b");
        assertThat(r.nextString()).isEqualTo("tab\there \"q\" \u00e9\ud83d\ude00 /");
        r.endObject();
        assertThat(r.peek()).isEqualTo(JsonToken.END_DOCUMENT);
    }

    @Test
    void refusesWhatStrictGsonRefuses() {
        for (String bad : List.of("{\"a\":\"x\u0001\"}", "{\"a\":\"\\'\"}", "{\"a\":01}", "{\"a\":1,}", "[1,]",
                "{'a':1}", "{a:1}", "{\"a\":TRUE}", "{\"a\":1}{}", "{\"a\":\"\\u12\"}", "// c\n{}", "{\"a\":-}",
                "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":NaN}")) {
            assertThatThrownBy(() -> drain(new StringJsonReader(bad))).as(bad).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> drain(gsonReader(bad))).as(bad).isInstanceOf(IOException.class);
        }
    }

    @Test
    void nestingIsLimitedLikeGson() throws IOException {
        String deep = "[".repeat(StringJsonReader.NESTING_LIMIT + 1) + "]".repeat(StringJsonReader.NESTING_LIMIT + 1);
        assertThatThrownBy(() -> drain(new StringJsonReader(deep))).isInstanceOf(MalformedJsonException.class)
                .hasMessageContaining("Nesting limit");
        String ok = "[".repeat(StringJsonReader.NESTING_LIMIT) + "]".repeat(StringJsonReader.NESTING_LIMIT);
        assertThat(drain(new StringJsonReader(ok))).isEqualTo(2 * StringJsonReader.NESTING_LIMIT);
    }

    @Test
    void theCodecDecodesFramesThroughIt() throws ProtocolException {
        String payload = "p".repeat(100_000);
        String json = WireCodec.get().toJson(WireMessage.nodeResponse("r1", "edge-1", Response.ok(Map.of("data", payload,
                "n", 5, "nested", Map.of("list", List.of(1.5, true))))));
        Frame f = WireCodec.get().decodeFrame(json, WireCodec.DEFAULT_MAX_BYTES);
        Response r = ((Frame.Message) f).message().response();
        assertThat(r.payload()).containsEntry("data", payload).containsEntry("n", 5L)
                .containsEntry("nested", Map.of("list", List.of(1.5, true)));
        assertThatThrownBy(() -> WireCodec.get().decodeFrame("{\"type\":\"x\",\"payload\":{\"a\":1,\"a\":2}}",
                WireCodec.DEFAULT_MAX_BYTES)).isInstanceOf(ProtocolException.class).hasMessageContaining("duplicate key");
    }

    @Test
    void aDuplicateKeyIsMalformedWhereverItIs() {
        for (String bad : List.of("{\"a\":1,\"a\":2}", "{\"a\":1,\"b\":{\"c\":1,\"c\":1}}",
                "{\"a\":1,\"\\u0061\":2}", "{\"x\":[{\"k\":1},{\"k\":1,\"k\":2}]}",
                "{\"a\":{},\"b\":[],\"a\":null}", many(20, 13), many(3, 1), many(9, 7), many(10, 8), many(9, 0))) {
            assertThatThrownBy(() -> drain(new StringJsonReader(bad))).as(bad)
                    .isInstanceOf(MalformedJsonException.class).hasMessageContaining("duplicate key");
            // the same when the value is skipped, as for an unknown field, and when names are known ones
            assertThatThrownBy(() -> {
                StringJsonReader r = new StringJsonReader(bad);
                r.skipValue();
            }).as("skipped %s", bad).isInstanceOf(MalformedJsonException.class).hasMessageContaining("duplicate key");
            assertThatThrownBy(() -> walkKnown(new StringJsonReader(bad), new String[] {"a", "k", "c"}))
                    .as("known names %s", bad).isInstanceOf(MalformedJsonException.class)
                    .hasMessageContaining("duplicate key");
        }
        assertThatThrownBy(() -> drain(new StringJsonReader("{\"node\":{\"id\":\"a\",\"id\":\"b\"}}")))
                .hasMessage("duplicate key \"id\" at character 23 path $.node.id");
    }

    @Test
    void theSameKeyInDifferentObjectsIsFineAndAReusedReaderForgetsTheKeysOfTheLastDocument() throws IOException {
        String ok = "{\"a\":{\"a\":{\"a\":1}},\"b\":[{\"a\":1,\"b\":2},{\"a\":1,\"b\":2}],\"c\":{\"a\":1}}";
        assertThat(drain(new StringJsonReader(ok))).isPositive();
        assertThat(drain(new StringJsonReader(many(40, -1)))).isPositive();
        StringJsonReader reused = new StringJsonReader("");
        for (int i = 0; i < 3; i++) {
            String doc = many(12, -1);
            assertThat(drain(reused.reset(doc))).isPositive();
            reused.release();
            // a failure half-way leaves names behind: the next document must not see them
            assertThatThrownBy(() -> drain(reused.reset("{\"k0\":1,\"k1\":{\"x\":1,\"x\":2}}")))
                    .hasMessageContaining("duplicate key");
            reused.release();
        }
        // long keys are cut in the message, control characters shown escaped
        String longKey = "k\\n" + "y".repeat(500);
        assertThatThrownBy(() -> drain(new StringJsonReader("{\"" + longKey + "\":1,\"" + longKey + "\":2}")))
                .hasMessageStartingWith("duplicate key \"k\\u000ayyy").hasMessageContaining("...\" at")
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(200));
        // Gson's own reader reads them (its binding keeps the last): the comparison mode does too
        assertThat(drain(new StringJsonReader("{\"a\":1,\"a\":2}").rejectDuplicateNames(false))).isEqualTo(6);
    }

    @Test
    void unicodeEscapesTakeAsciiHexDigitsOnly() throws IOException {
        // Arabic-Indic, fullwidth and Devanagari digits: Character.digit takes them, RFC 8259 and Gson do not
        for (String digits : List.of("\u0661\u0662\u0663\u0664", "00\uff21\uff21", "00\uff41\uff41",
                "\u0966\u0966\u0966\u0967", "00e\u00e9")) {
            String bad = "{\"a\":\"\\u" + digits + "\"}";
            assertThatThrownBy(() -> drain(new StringJsonReader(bad))).as(bad)
                    .isInstanceOf(MalformedJsonException.class).hasMessageContaining("Malformed Unicode escape");
            assertThatThrownBy(() -> drain(gsonReader(bad))).as(bad).isInstanceOf(MalformedJsonException.class);
            String badName = "{\"\\u" + digits + "\":1}";
            assertThatThrownBy(() -> drain(new StringJsonReader(badName))).as(badName)
                    .isInstanceOf(MalformedJsonException.class);
        }
        StringJsonReader r = new StringJsonReader("{\"a\":\"\\u00e9\\u00C9\\u4E2d\\u0041\"}");
        r.beginObject();
        r.nextName();
        assertThat(r.nextString()).isEqualTo("\u00e9\u00c9\u4e2dA");
    }

    /** An object of {@code n} keys k0..; when {@code dupOf >= 0}, the last key repeats {@code k<dupOf>}. */
    private static String many(int n, int dupOf) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < n; i++) {
            sb.append(i > 0 ? "," : "").append("\"k").append(dupOf >= 0 && i == n - 1 ? dupOf : i).append("\":")
                    .append(i);
        }
        return sb.append('}').toString();
    }

    /** Reads every token, taking names with {@link StringJsonReader#nextKnownName}. */
    private static void walkKnown(StringJsonReader r, String[] known) throws IOException {
        while (true) {
            JsonToken t = r.peek();
            switch (t) {
                case BEGIN_ARRAY -> r.beginArray();
                case END_ARRAY -> r.endArray();
                case BEGIN_OBJECT -> r.beginObject();
                case END_OBJECT -> r.endObject();
                case NAME -> r.nextKnownName(known);
                case STRING, NUMBER -> r.nextString();
                case BOOLEAN -> r.nextBoolean();
                case NULL -> r.nextNull();
                case END_DOCUMENT -> {
                    return;
                }
                default -> throw new IllegalStateException(t.toString());
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static JsonReader gsonReader(String text) {
        JsonReader r = new JsonReader(new StringReader(text));
        r.setStrictness(Strictness.STRICT);
        return r;
    }

    /** Reads every token; returns how many were read. */
    private static int drain(JsonReader r) throws IOException {
        int n = 0;
        while (true) {
            JsonToken t = r.peek();
            switch (t) {
                case BEGIN_ARRAY -> r.beginArray();
                case END_ARRAY -> r.endArray();
                case BEGIN_OBJECT -> r.beginObject();
                case END_OBJECT -> r.endObject();
                case NAME -> r.nextName();
                case STRING, NUMBER -> r.nextString();
                case BOOLEAN -> r.nextBoolean();
                case NULL -> r.nextNull();
                case END_DOCUMENT -> {
                    return n;
                }
                default -> throw new IllegalStateException(t.toString());
            }
            n++;
        }
    }

    /**
     * Walks the document as a binding would, recording each token with its path and value; numbers are read as
     * strings, longs, ints or doubles and values after a name are sometimes skipped, both chosen by {@code choice} (the
     * same sequence for both readers). Ends with the first error, recorded as "!" and its kind.
     */
    private static List<String> walk(JsonReader r, Random choice) {
        List<String> out = new ArrayList<>();
        try {
            while (true) {
                JsonToken t = r.peek();
                String path = r.getPath();
                switch (t) {
                    case BEGIN_ARRAY -> r.beginArray();
                    case END_ARRAY -> r.endArray();
                    case BEGIN_OBJECT -> r.beginObject();
                    case END_OBJECT -> r.endObject();
                    case NAME -> {
                        String name = r.nextName();
                        path += " " + name;
                        if (choice.nextInt(5) == 0) {
                            r.skipValue();
                            path += " skipped, then " + r.getPath();
                        }
                    }
                    case STRING -> path += " " + r.nextString();
                    case NUMBER -> path += " " + switch (choice.nextInt(4)) {
                        case 0 -> r.nextString();
                        case 1 -> Long.toString(r.nextLong());
                        case 2 -> Integer.toString(r.nextInt());
                        default -> Double.toString(r.nextDouble());
                    };
                    case BOOLEAN -> path += " " + r.nextBoolean();
                    case NULL -> r.nextNull();
                    case END_DOCUMENT -> {
                        out.add("end");
                        return out;
                    }
                    default -> throw new IllegalStateException(t.toString());
                }
                out.add(t + " " + path);
            }
        } catch (IOException e) {
            out.add("! syntax");
        } catch (NumberFormatException e) {
            out.add("! number");
        } catch (IllegalStateException e) {
            out.add("! state");
        }
        return out;
    }

    private static List<String> mutations(Random rnd, String doc) {
        List<String> out = new ArrayList<>();
        out.add(doc);
        for (int k = 0; k < 3; k++) {
            int at = rnd.nextInt(doc.length() + 1);
            char noise = NOISE.charAt(rnd.nextInt(NOISE.length()));
            String m = switch (rnd.nextInt(4)) {
                case 0 -> at < doc.length() ? doc.substring(0, at) + doc.substring(at + 1) : doc;
                case 1 -> doc.substring(0, at) + noise + doc.substring(at);
                case 2 -> at < doc.length() ? doc.substring(0, at) + noise + doc.substring(at + 1) : doc + noise;
                default -> doc.substring(0, at);
            };
            out.add(m);
        }
        return out;
    }

    private static String value(Random rnd, int depth) {
        int kind = depth >= 4 ? 3 + rnd.nextInt(5) : rnd.nextInt(8);
        String ws = rnd.nextInt(6) == 0 ? " \n\t\r".substring(rnd.nextInt(4)) : "";
        return ws + switch (kind) {
            case 0, 1 -> {
                StringBuilder sb = new StringBuilder("{");
                int n = rnd.nextInt(4);
                for (int i = 0; i < n; i++) {
                    sb.append(i > 0 ? "," : "").append(string(rnd)).append(rnd.nextBoolean() ? ":" : " : ")
                            .append(value(rnd, depth + 1));
                }
                yield sb.append('}').toString();
            }
            case 2 -> {
                StringBuilder sb = new StringBuilder("[");
                int n = rnd.nextInt(4);
                for (int i = 0; i < n; i++) {
                    sb.append(i > 0 ? "," : "").append(value(rnd, depth + 1));
                }
                yield sb.append(']').toString();
            }
            case 3, 4 -> string(rnd);
            case 5 -> number(rnd);
            case 6 -> rnd.nextBoolean() ? "true" : "false";
            default -> "null";
        } + ws;
    }

    private static String string(Random rnd) {
        String[] parts = {"a", "key", "x y", "\\u\u0661\u0662\u0663\u0664", "\\u00\uff21\uff21",
            "\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\ud83d\\ude00", "\u00e9", "\u4e2d",
            "\ud83d\ude00", "\\t", "\\b\\f\\r", "0", "\\uD83D"};
        StringBuilder sb = new StringBuilder("\"");
        int n = rnd.nextInt(4);
        for (int i = 0; i < n; i++) {
            sb.append(parts[rnd.nextInt(parts.length)]);
        }
        return sb.append('"').toString();
    }

    private static String number(Random rnd) {
        String[] forms = {"0", "-0", "7", "-42", "3.25", "-0.5", "1e3", "2E-2", "6.02e+23", "9223372036854775807",
            "9223372036854775808", "-9223372036854775808", "1.0", "123456789012345678901234567890", "1e400", "0.1e1",
            "2147483648", "1.5e3"};
        return forms[rnd.nextInt(forms.length)];
    }
}
