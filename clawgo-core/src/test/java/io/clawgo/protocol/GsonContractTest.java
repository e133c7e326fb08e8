package io.clawgo.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.Strictness;
import com.google.gson.ToNumberPolicy;
import com.google.gson.TypeAdapter;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Pins the behaviour of Gson that the codec relies on and that Gson does not promise, so that a Gson upgrade which
 * changes it fails here, with a message that says what to check, instead of corrupting frames.
 *
 * <ul>
 *   <li>{@link StringJsonReader} subclasses {@link JsonReader} and replaces every reading method; Gson's own adapters
 *       that the codec uses (the {@link JsonElement} tree, {@code Object} values, collections, records bound by
 *       reflection, numbers) must read only through those public methods, never through the reader's internals.</li>
 *   <li>{@link FastJsonWriter} writes a long string by calling {@link JsonWriter#jsonValue(String)} with a lone quote
 *       (for the separator and the opening quote) and then writing the value and the closing quote straight to the
 *       underlying {@link java.io.Writer}: {@code jsonValue} must write its text as is, and the writer must not
 *       buffer, or the two would interleave.</li>
 * </ul>
 *
 * <p>The JSON codec was measured against plain Gson and jackson-core before keeping these parts (docs/benchmarks.md,
 * "The JSON codec against Gson and jackson-core").
 */
class GsonContractTest {
    private static final String SEE = " (Gson %s; see GsonContractTest's class comment and docs/benchmarks.md)";

    /** A record bound by Gson's reflective adapter, as the codec's records outside its pruned set are. */
    record Sample(String name, long n, double d, boolean b, List<String> tags, Map<String, Object> extra,
                  Capabilities caps) {
    }

    private static final String DOCUMENT = "{\"name\":\"x\\u00e9\\\"y\",\"n\":-9007199254740993,\"d\":1.5e-3,"
            + "\"b\":true,\"tags\":[\"a\",\"\",\"c\"],\"unknown\":{\"deep\":[1,[2,{\"x\":null}],false]},"
            + "\"extra\":{\"i\":7,\"f\":2.5,\"big\":123456789012345678901234,\"s\":\"\\n\\t\",\"l\":[true,null,"
            + "{\"k\":\"v\"}],\"o\":{},\"z\":null},\"caps\":{\"run\":true,\"canvas\":false,\"other\":1}}";

    @Test
    void stringJsonReaderReplacesEveryReadingMethodOfJsonReader() {
        List<String> missing = new ArrayList<>();
        for (Method m : JsonReader.class.getDeclaredMethods()) {
            int mod = m.getModifiers();
            if (!Modifier.isPublic(mod) || Modifier.isStatic(mod) || Modifier.isFinal(mod)) {
                continue; // final ones (strictness, nesting limit) only hold settings
            }
            try {
                Method own = StringJsonReader.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
                assertThat(own.getDeclaringClass()).isEqualTo(StringJsonReader.class);
            } catch (NoSuchMethodException e) {
                missing.add(m.toString());
            }
        }
        assertThat(missing)
                .as("public JsonReader methods that StringJsonReader does not override: Gson added or opened them."
                        + " Gson's adapters may call them, and the base class would read from the empty Reader that"
                        + " StringJsonReader hands it. Override each in StringJsonReader (strict, as the others) and"
                        + " extend StringJsonReaderTest" + SEE, gsonVersion())
                .isEmpty();
    }

    @Test
    void gsonsAdaptersReadOnlyThroughThePublicReaderMethods() throws IOException {
        Gson gson = new GsonBuilder()
                .registerTypeAdapterFactory(new StringMapAdapterFactory())
                .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE)
                .setStrictness(Strictness.STRICT)
                .create();
        List<TypeToken<?>> types = List.of(TypeToken.get(JsonElement.class), TypeToken.get(Object.class),
                TypeToken.get(Sample.class), new TypeToken<Map<String, Object>>() { });
        for (TypeToken<?> type : types) {
            TypeAdapter<?> adapter = gson.getAdapter(type);
            JsonReader gsons = new JsonReader(new StringReader(DOCUMENT));
            gsons.setStrictness(Strictness.STRICT);
            Object expected = adapter.read(gsons);
            StringJsonReader ours = new StringJsonReader(DOCUMENT);
            Object actual = adapter.read(ours);
            assertThat(actual)
                    .as("Gson's adapter for %s (%s) read something else through StringJsonReader than through its"
                            + " own JsonReader: it now reaches into the reader's internals or calls a method that"
                            + " StringJsonReader implements differently. Find what the adapter calls, and make"
                            + " StringJsonReader do the same or give the codec its own adapter for the type (as"
                            + " StringMapAdapterFactory does for maps)" + SEE,
                            type, adapter.getClass().getName(), gsonVersion())
                    .isEqualTo(expected);
            assertThat(ours.peek()).as("StringJsonReader left data after %s" + SEE, type, gsonVersion())
                    .isEqualTo(JsonToken.END_DOCUMENT);
        }
        // the numbers as the codec promises them, so that the comparison above is not vacuous
        @SuppressWarnings("unchecked")
        Map<String, Object> extra = (Map<String, Object>) gson.getAdapter(Sample.class)
                .read(new StringJsonReader(DOCUMENT)).extra();
        assertThat(extra.get("i")).isEqualTo(7L);
        assertThat(extra.get("f")).isEqualTo(2.5);
        assertThat(extra.get("big")).isEqualTo(1.2345678901234568e23);
    }

    @Test
    void jsonValueWritesItsTextAsIsAndTheWriterDoesNotBuffer() throws IOException {
        StringWriter out = new StringWriter();
        JsonWriter w = new JsonWriter(out);
        w.beginObject();
        w.name("a").value(1);
        w.name("b");
        w.jsonValue("\""); // what FastJsonWriter does before a long value
        out.write("raw\"");
        w.name("c").beginArray();
        w.value("x");
        w.jsonValue("\"");
        out.write("y\"");
        w.jsonValue("\"");
        out.write("z\"");
        w.nullValue();
        w.endArray();
        w.endObject();
        assertThat(out.toString())
                .as("FastJsonWriter writes a long string as jsonValue(\"\\\"\") followed by the raw value on the"
                        + " underlying Writer: jsonValue must write the separator and its text unchanged, at once,"
                        + " and JsonWriter must not buffer. If this changed, make FastJsonWriter.value(String) fall"
                        + " back to super.value(value) (correct, about 2x slower at 64 KiB) and re-measure"
                        + " (CodecBench)" + SEE, gsonVersion())
                .isEqualTo("{\"a\":1,\"b\":\"raw\",\"c\":[\"x\",\"y\",\"z\",null]}");
    }

    @Test
    void theCodecsWriterIsWhatGsonWouldWrite() {
        Map<String, Object> m = new LinkedHashMap<>();
        String longValue = "<&>'=".repeat(40); // HTML characters that an HTML-safe writer would escape
        m.put("long", longValue);
        m.put("short", "<");
        m.put("null", null);
        m.put("list", List.of(longValue, 1));
        Gson plain = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
        assertThat(WireCodec.get().toJson(m))
                .as("Gson.toJson(value, type, writer) must hand its settings (no HTML escaping, nulls written) to the"
                        + " FastJsonWriter it is given, and the fast path must match Gson's output" + SEE,
                        gsonVersion())
                .isEqualTo(plain.toJson(m));
    }

    /** The Gson version on the class path, for the messages. */
    private static String gsonVersion() {
        try (InputStream in = Gson.class.getResourceAsStream(
                "/META-INF/maven/com.google.code.gson/gson/pom.properties")) {
            if (in == null) {
                return "version unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "version unknown");
        } catch (IOException e) {
            return "version unknown";
        }
    }
}
