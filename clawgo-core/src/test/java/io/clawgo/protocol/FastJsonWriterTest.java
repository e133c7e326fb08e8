package io.clawgo.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The codec writes strings exactly as Gson does (HTML escaping off), whichever path a string takes. */
class FastJsonWriterTest {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
    private static final String ALPHABET = "abcXYZ019 -_.:,{}[]\u00e9\u00ff\u4e2d\ud83d\ude00";
    private static final String SPECIAL = "\"\\\n\t\u0000\u001f\u2028\u2029\u2027\u202a";

    @Test
    void longAndShortStringsMatchGson() {
        Random rnd = new Random(11);
        int fast = 0;
        for (int i = 0; i < 3000; i++) {
            int len = rnd.nextInt(3) == 0 ? rnd.nextInt(40) : FastJsonWriter.FAST_MIN_LENGTH + rnd.nextInt(3000);
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < len; k++) {
                sb.append(ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
            }
            if (rnd.nextBoolean()) {
                // one character that needs escaping (or, for U+2027 and U+202A, its neighbours that do not)
                sb.insert(rnd.nextInt(sb.length() + 1), SPECIAL.charAt(rnd.nextInt(SPECIAL.length())));
            }
            String s = sb.toString();
            if (s.length() >= FastJsonWriter.FAST_MIN_LENGTH && !FastJsonWriter.needsEscape(s)) {
                fast++;
            }
            Map<String, Object> value = Map.of("s", s);
            assertThat(WireCodec.get().toJson(value)).as("string %d", i).isEqualTo(GSON.toJson(value));
        }
        assertThat(fast).as("strings written on the fast path").isBetween(500, 2500);
    }

    @Test
    void mapsOfMixedValuesMatchGson() {
        Map<String, Object> inner = new java.util.LinkedHashMap<>();
        inner.put("n", null);
        inner.put("d", 2.5);
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("s", "text \"quoted\" \u4e2d");
        m.put("t", true);
        m.put("f", Boolean.FALSE);
        m.put("i", Integer.MIN_VALUE);
        m.put("l", Long.MAX_VALUE);
        m.put("sh", (short) -7);
        m.put("b", (byte) 12);
        m.put("d", 1.0);
        m.put("fl", 0.1f);
        m.put("big", new java.math.BigDecimal("12345678901234567890.5"));
        m.put("null", null);
        m.put("map", inner);
        m.put("list", java.util.List.of(1, "two", false));
        m.put("empty", "");
        // written as a top-level map and as the payload of a record: both through the codec's map adapter
        assertThat(WireCodec.get().toJson(m)).isEqualTo(GSON.toJson(m));
        Response r = Response.ok(m);
        assertThat(WireCodec.get().toJson(r)).contains(GSON.toJson(m));
    }

    @Test
    void needsEscapeFindsEveryCharacterGsonEscapes() {
        String plain = "x".repeat(300);
        assertThat(FastJsonWriter.needsEscape(plain)).isFalse();
        for (char c = 0; c < 0x20; c++) {
            assertThat(FastJsonWriter.needsEscape(plain + c)).as("U+%04X", (int) c).isTrue();
        }
        for (char c : new char[] {'"', '\\', '\u2028', '\u2029'}) {
            assertThat(FastJsonWriter.needsEscape(c + plain)).as("U+%04X", (int) c).isTrue();
        }
        for (char c : new char[] {'\u007f', '\u2027', '\u202a', '\u4e2d', '\uffff', '/', '<', '='}) {
            assertThat(FastJsonWriter.needsEscape(plain + c)).as("U+%04X", (int) c).isFalse();
        }
    }
}
