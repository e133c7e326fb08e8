package io.clawgo.it.fuzz;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.WireCodec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/**
 * Inputs for the fuzz tests: random text, random JSON values (including what JSON allows but Java models choke on:
 * huge numbers, deep nesting, lone UTF-16 surrogates, duplicate keys), and valid documents mutated at the tree and at
 * the text level. Seeds come from jqwik, so a failure is reproducible from the seed it prints.
 */
final class FuzzJson {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
    private static final String HOLE = "@@FUZZ_HOLE@@";

    /**
     * Set {@code -Dclawgo.fuzz.avoidOverflow=true} to leave out numbers beyond the range of a double, so that a run can
     * look past that one known defect (decodeMap lets Gson's JsonSyntaxException escape for them).
     */
    static final boolean AVOID_OVERFLOW = Boolean.getBoolean("clawgo.fuzz.avoidOverflow");

    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?");

    /** With {@link #AVOID_OVERFLOW}: whether the text holds a JSON number beyond the range of a double. */
    static boolean skipForKnownOverflow(String text) {
        return AVOID_OVERFLOW && overflows(text);
    }

    /** Whether the text holds a number beyond the range of a double. */
    static boolean overflows(String text) {
        var m = NUMBER.matcher(text);
        while (m.find()) {
            try {
                if (Double.isInfinite(Double.parseDouble(m.group()))) {
                    return true;
                }
            } catch (NumberFormatException e) {
                return true;
            }
        }
        return false;
    }

    /** Numbers that are valid JSON but out of every Java range, or odd, plus some invalid ones. */
    static final List<String> ODD_NUMBERS = AVOID_OVERFLOW ? List.of("1e300", "123456789012345678901234567890", "-0",
            "9223372036854775808", "4.9e-324", "1e-400", "0." + "0".repeat(400) + "1", "NaN", "01", ".5") : List.of("1e400", "-1e400", "1e-400", "1.7976931348623157e309",
            "123456789012345678901234567890", "-9223372036854775809", "9223372036854775808", "2147483648",
            "-2147483649", "0", "-0", "0.0", "1.5", "-1", "1E+2", "4.9e-324", "1" + "0".repeat(400),
            "0." + "0".repeat(400) + "1", "NaN", "Infinity", "-Infinity", "01", "+1", ".5", "0x10", "1e", "--1");

    /** Tokens inserted at random places by the text mutations. */
    static final List<String> TOKENS = List.of("{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "\\udc00",
            "\\u0000", "\\x", "null", "true", AVOID_OVERFLOW ? "1e300" : "1e400", "\uD800", "\uDC00", "\uDBFF\uDFFF", "\u0000", "\u2028", "\t",
            "\n", "/*", "//", "'", "NaN", ",,", "{}", "[]", "\"\":", "\"type\":", "\"ok\":", "\"id\":",
            "\\u\u0661\u0662\u0663\u0664", "\\u00\uff21\uff21", "\\u0\u0966\u0966\u0967");

    /**
     * Four characters after a backslash-u that are no ASCII hex digits, though {@link Character#digit} takes them
     * (Arabic-Indic, fullwidth, Devanagari, ...), and a few that are simply wrong.
     */
    static final List<String> BAD_HEX = List.of("\u0661\u0662\u0663\u0664", "00\uff21\uff21", "00\uff41\uff41",
            "\u0966\u0966\u0966\u0967", "\u06f0\u06f0\u06f4\u06f1", "00e\u00e9", "12G4", "00 1",
            "\uff10\uff10\uff14\uff11");

    static final List<String> TYPES = List.of("register", "heartbeat", "node_response", "node_request",
            "signal_offer", "signal_answer", "signal_candidate", "REGISTER", " heartbeat ", "registered", "", " ",
            "teleport", "\uD800", "ack", "ok", "error", "payload_too_large");

    private FuzzJson() {
    }

    /** A golden document of core's test jar ({@code /golden/<name>}). */
    static String golden(String name) {
        try (InputStream in = FuzzJson.class.getResourceAsStream("/golden/" + name)) {
            if (in == null) {
                throw new IllegalStateException("golden document " + name + " not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A random JSON-ish value: mostly valid, with odd numbers, odd strings, deep nesting and bad literals. */
    static String value(Random r, int depth) {
        int k = r.nextInt(depth > 0 ? 12 : 8);
        return switch (k) {
            case 0 -> string(r);
            case 1 -> ODD_NUMBERS.get(r.nextInt(ODD_NUMBERS.size()));
            case 2 -> Long.toString(r.nextLong());
            case 3 -> Double.toString(r.nextGaussian() * 1e6);
            case 4 -> r.nextBoolean() ? "true" : "false";
            case 5 -> "null";
            case 6 -> deep(r, 1 + r.nextInt(r.nextInt(8) == 0 ? 3000 : 300));
            case 7 -> List.of("tru", "nul", "undefined", "'x'", "\"unterminated", "", "{", "]").get(r.nextInt(8));
            case 8, 9 -> {
                StringBuilder sb = new StringBuilder("[");
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    sb.append(i > 0 ? "," : "").append(value(r, depth - 1));
                }
                yield sb.append(']').toString();
            }
            default -> {
                StringBuilder sb = new StringBuilder("{");
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    sb.append(i > 0 ? "," : "").append(r.nextInt(4) == 0 ? string(r) : "\"k" + r.nextInt(5) + "\"")
                            .append(':').append(value(r, depth - 1));
                }
                yield sb.append('}').toString();
            }
        };
    }

    /** A JSON string literal with odd content: lone surrogates (raw and escaped), control characters, bad escapes. */
    static String string(Random r) {
        StringBuilder sb = new StringBuilder("\"");
        int n = r.nextInt(r.nextInt(10) == 0 ? 2000 : 24);
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(14);
            switch (k) {
                case 0 -> sb.append('\uD800' + r.nextInt(0x400)); // lone high surrogate
                case 1 -> sb.append((char) ('\uDC00' + r.nextInt(0x400))); // lone low surrogate
                case 2 -> sb.append(String.format("\\u%04x", 0xD800 + r.nextInt(0x800))); // escaped lone surrogate
                case 3 -> sb.append((char) r.nextInt(0x20)); // raw control character (invalid in JSON)
                case 4 -> sb.append("\\").append("\"\\/bfnrtux".charAt(r.nextInt(10)));
                case 5 -> sb.appendCodePoint(0x10000 + r.nextInt(0x10FFFF - 0x10000)); // valid pair
                case 6 -> sb.append((char) r.nextInt(0xD800));
                default -> sb.append((char) ('a' + r.nextInt(26)));
            }
        }
        return sb.append('"').toString();
    }

    /** {@code depth} nested arrays or objects. */
    static String deep(Random r, int depth) {
        boolean arrays = r.nextBoolean();
        String open = arrays ? "[" : "{\"a\":";
        String close = arrays ? "]" : "}";
        String inner = r.nextBoolean() ? "1" : "\"x\"";
        return open.repeat(depth) + inner + close.repeat(r.nextInt(10) == 0 ? depth - 1 : depth);
    }

    /** A valid document with one to three tree- or text-level mutations. */
    static String mutate(String doc, Random r) {
        String out = doc;
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(10);
            if (k < 7) {
                out = mutateTree(out, r);
            } else {
                out = mutateText(out, r);
            }
        }
        return out;
    }

    /** Replaces, adds or removes one member somewhere in the tree (when the text still parses). */
    static String mutateTree(String doc, Random r) {
        JsonElement root;
        try {
            root = JsonParser.parseString(doc);
        } catch (RuntimeException e) {
            return mutateText(doc, r);
        }
        List<JsonElement> containers = new ArrayList<>();
        collect(root, containers);
        if (containers.isEmpty()) {
            return mutateText(doc, r);
        }
        JsonElement c = containers.get(r.nextInt(containers.size()));
        if (c.isJsonObject()) {
            JsonObject o = c.getAsJsonObject();
            List<String> keys = new ArrayList<>(o.keySet());
            int k = r.nextInt(4);
            if (k == 0 && !keys.isEmpty()) {
                o.remove(keys.get(r.nextInt(keys.size())));
                return GSON.toJson(root);
            }
            if (k == 2 && !keys.isEmpty()) {
                // same kind of value, odd content: the mutations that get past the type checks
                String key = keys.get(r.nextInt(keys.size()));
                JsonElement old = o.get(key);
                if (old.isJsonPrimitive()) {
                    o.addProperty(key, HOLE);
                    return GSON.toJson(root).replace("\"" + HOLE + "\"", sameKind(old, r));
                }
            }
            String key = k == 1 || keys.isEmpty() ? List.of("type", "id", "ok", "node", "to", "from", "request",
                    "response", "payload", "args", "online", "capabilities", "agents", "tags", "registered_at",
                    "timeout_sec", "action", "extra").get(r.nextInt(18)) : keys.get(r.nextInt(keys.size()));
            o.addProperty(key, HOLE);
        } else {
            JsonArray a = c.getAsJsonArray();
            if (a.isEmpty() || r.nextBoolean()) {
                a.add(HOLE);
            } else {
                a.set(r.nextInt(a.size()), new com.google.gson.JsonPrimitive(HOLE));
            }
        }
        String value = r.nextInt(5) == 0 ? "\"" + TYPES.get(r.nextInt(TYPES.size())) + "\"" : value(r, 2);
        return GSON.toJson(root).replace("\"" + HOLE + "\"", value);
    }

    private static final String HOLE_KEY = "@@FUZZ_HOLE_KEY@@";

    /**
     * {@code doc} (which must parse) with one key of one of its objects written twice, at a random object of the tree
     * and with a random value the second time; {@code null} when it has no object with a key.
     */
    static String duplicateKey(String doc, Random r) {
        JsonElement root = JsonParser.parseString(doc);
        List<JsonElement> containers = new ArrayList<>();
        collect(root, containers);
        containers.removeIf(c -> !c.isJsonObject() || c.getAsJsonObject().isEmpty());
        if (containers.isEmpty()) {
            return null;
        }
        JsonObject o = containers.get(r.nextInt(containers.size())).getAsJsonObject();
        List<String> keys = new ArrayList<>(o.keySet());
        String key = keys.get(r.nextInt(keys.size()));
        o.addProperty(HOLE_KEY, HOLE);
        String value = r.nextBoolean() ? GSON.toJson(o.get(key)) : value(r, 1);
        return GSON.toJson(root).replace("\"" + HOLE_KEY + "\":\"" + HOLE + "\"", GSON.toJson(key) + ":" + value);
    }

    /**
     * {@code doc} (which must parse) with one of its string values or keys given a backslash-u escape of
     * {@link #BAD_HEX} digits; {@code null} when it has no string.
     */
    static String badEscape(String doc, Random r) {
        // places inside a string between two whole characters or escapes (never right after a backslash)
        List<Integer> places = new ArrayList<>();
        boolean in = false;
        for (int i = 0; i < doc.length(); i++) {
            char c = doc.charAt(i);
            if (in) {
                places.add(i);
            }
            if (in && c == '\\') {
                i += doc.charAt(i + 1) == 'u' ? 5 : 1;
            } else if (c == '"') {
                in = !in;
            }
        }
        if (places.isEmpty()) {
            return null;
        }
        int at = places.get(r.nextInt(places.size()));
        return doc.substring(0, at) + "\\u" + BAD_HEX.get(r.nextInt(BAD_HEX.size())) + doc.substring(at);
    }

    /** Strings that mean something to some route or message. */
    static final List<String> INTERESTING = List.of("", " ", "fuzz-node", "node.fuzz-node.main", "node.fuzz-node.coder",
            "node.fuzz-node.", "node..main", "node.", "fuzzecho", "main", "local", "p2p", "relay", "auto", "P2P",
            "delete", "DELETE", "list", "get", "spawn", "create", "info", "registry", "dispatch_and_wait", "run",
            "invoke", "agent_task", "camera_snap", "gateway", "edge-1", "subagent-1", "subagent-0", "0001-01-01T00:00:00Z",
            "2026-13-45T99:99:99Z", "9999-12-31T23:59:59.999999999Z", "a".repeat(129), "x".repeat(70_000), "\u0000",
            "../../etc/passwd", "<script>alert(1)</script>", "%s%n", "${jndi:ldap://127.0.0.1:9/a}");

    private static String sameKind(JsonElement old, Random r) {
        com.google.gson.JsonPrimitive p = old.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return r.nextBoolean() ? "true" : "false";
        }
        if (p.isNumber()) {
            return r.nextBoolean() ? ODD_NUMBERS.get(r.nextInt(ODD_NUMBERS.size()))
                    : List.of("0", "-1", "1", "3600", "3601", "86400", "2147483647", "9", "8", "0.5", "1e9", "-0.0")
                    .get(r.nextInt(12));
        }
        return r.nextInt(3) == 0 ? string(r) : GSON.toJson(INTERESTING.get(r.nextInt(INTERESTING.size())));
    }

    private static void collect(JsonElement e, List<JsonElement> out) {
        if (e.isJsonObject()) {
            out.add(e);
            for (Map.Entry<String, JsonElement> m : e.getAsJsonObject().entrySet()) {
                collect(m.getValue(), out);
            }
        } else if (e.isJsonArray()) {
            out.add(e);
            for (JsonElement x : e.getAsJsonArray()) {
                collect(x, out);
            }
        }
    }

    /** Deletes a range, inserts a token, duplicates a key, swaps two characters or truncates. */
    static String mutateText(String doc, Random r) {
        if (doc.isEmpty()) {
            return TOKENS.get(r.nextInt(TOKENS.size()));
        }
        int at = r.nextInt(doc.length());
        return switch (r.nextInt(6)) {
            case 0 -> doc.substring(0, at) + doc.substring(Math.min(doc.length(), at + 1 + r.nextInt(8)));
            case 1, 2 -> doc.substring(0, at) + TOKENS.get(r.nextInt(TOKENS.size())) + doc.substring(at);
            case 3 -> doc.startsWith("{") ? "{\"type\":" + value(r, 1) + "," + doc.substring(1) : doc;
            case 4 -> {
                int b = r.nextInt(doc.length());
                char[] cs = doc.toCharArray();
                char t = cs[at];
                cs[at] = cs[b];
                cs[b] = t;
                yield new String(cs);
            }
            default -> doc.substring(0, at);
        };
    }

    /** Arbitrary text, most of it not JSON at all, every UTF-16 code unit possible. */
    static Arbitrary<String> anyText() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(300),
                Arbitraries.strings().withChars("{}[]\":,0123456789.eE+-truefalsn \\u\t\n").ofMaxLength(200),
                Arbitraries.randomValue(r -> value(r, 3)));
    }

    /** Anything OkHttp could read as an http(s) URL: it accepts any number of slashes, even none, after the scheme. */
    private static final Pattern URL = Pattern.compile("(?i)(https?|wss?)\\s*:");
    private static final Pattern LOOPBACK = Pattern.compile(
            "(?i)^\\s*(https?|wss?)://(127(\\.\\d{1,3}){3}|localhost|\\[::1])(:\\d{1,5})?(/.*)?$", Pattern.DOTALL);

    /**
     * Whether a body is safe to send to a real gateway here: every string in it that looks like a URL points to the
     * loopback interface, so no relay request, and no DNS lookup, can leave the machine. A body the gateway's own codec
     * cannot parse is safe (the gateway refuses it before it could use an endpoint).
     */
    static boolean loopbackOnly(String body) {
        Object plain;
        try {
            plain = WireCodec.get().decodeMap(body, 1 << 24);
        } catch (ProtocolException e) {
            return true;
        } catch (RuntimeException e) {
            // the codec itself failed (a finding of its own, reported by the codec property); be safe: scan the text
            return !URL.matcher(body).find() && !body.contains("\\u") && !body.contains("://");
        }
        return loopbackOnly(plain);
    }

    private static boolean loopbackOnly(Object v) {
        if (v instanceof String s) {
            return !URL.matcher(s).find() && !s.contains("://") || LOOPBACK.matcher(s).matches();
            // (a loopback URL with a host OkHttp would read differently, e.g. "http://127.0.0.1@host", fails LOOPBACK)
        }
        if (v instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!loopbackOnly(e.getValue())) {
                    return false;
                }
            }
        } else if (v instanceof List<?> l) {
            for (Object x : l) {
                if (!loopbackOnly(x)) {
                    return false;
                }
            }
        }
        return true;
    }
}
