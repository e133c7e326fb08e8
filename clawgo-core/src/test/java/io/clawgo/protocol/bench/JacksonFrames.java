package io.clawgo.protocol.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.protocol.WireCodec;
import io.clawgo.protocol.WireSizes;
import io.clawgo.protocol.WireMessage;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code node_request} and {@code node_response} frames of the gateway written and read with jackson-core's
 * streaming API, for {@link JsonLibBench}: what replacing the codec's Gson layer would cost or save, not a second
 * codec (bench code, test scope).
 *
 * <p>It does the work the codec does for these frames, so the times compare: the same output byte for byte (empty
 * fields omitted, {@code type}, {@code action} and {@code ok} always written, no HTML escaping), and on read the same
 * records and maps, with the codec's strict rules: a JSON object only, no trailing data, duplicate keys and
 * unescaped control characters rejected, scalars of the wrong JSON type rejected, unknown fields skipped, numbers in
 * maps as {@code Long} or {@code Double}, the UTF-8 size checked first. Not covered, because these frames do not carry
 * them: {@code node} (a register's {@code NodeInfo}), acks, timestamps. U+2028 and U+2029, which Gson escapes and
 * jackson does not, do not occur in the bench's payloads.
 *
 * <p>Thread-safe: the factory is shared, generators and parsers are per call.
 */
final class JacksonFrames {
    private final JsonFactory factory = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(255) // Gson's, and so the codec's, limit
                    .maxStringLength(WireCodec.MAX_LIMIT_BYTES)
                    .build())
            .build();

    /** Per thread: the chars of the text being parsed (grows to the largest text seen; bench code). */
    private static final ThreadLocal<char[]> CHARS = ThreadLocal.withInitial(() -> new char[0]);

    /** Encodes a message as {@code WireCodec.toJson} does. */
    String encode(WireMessage m) {
        StringBuilderWriter out = new StringBuilderWriter();
        try (JsonGenerator g = factory.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("type", m.type()); // always present
            string(g, "id", m.id());
            string(g, "from", m.from());
            string(g, "to", m.to());
            string(g, "session", m.session());
            if (m.node() != null) {
                throw new UnsupportedOperationException("register frames are not part of the bench");
            }
            if (m.request() != null) {
                g.writeFieldName("request");
                request(g, m.request());
            }
            if (m.response() != null) {
                g.writeFieldName("response");
                response(g, m.response());
            }
            map(g, "payload", m.payload());
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    private static void request(JsonGenerator g, Request r) throws IOException {
        g.writeStartObject();
        g.writeFieldName("action");
        if (r.action() == null) {
            g.writeNull();
        } else {
            g.writeString(r.action());
        }
        string(g, "node", r.node());
        string(g, "task", r.task());
        string(g, "model", r.model());
        map(g, "args", r.args());
        string(g, "traceparent", r.traceparent());
        g.writeEndObject();
    }

    private static void response(JsonGenerator g, Response r) throws IOException {
        g.writeStartObject();
        g.writeBooleanField("ok", r.ok());
        string(g, "code", r.code());
        string(g, "error", r.error());
        string(g, "node", r.node());
        string(g, "action", r.action());
        map(g, "payload", r.payload());
        g.writeEndObject();
    }

    private static void string(JsonGenerator g, String name, String v) throws IOException {
        if (v != null && !v.isEmpty()) {
            g.writeStringField(name, v);
        }
    }

    private static void map(JsonGenerator g, String name, Map<String, Object> v) throws IOException {
        if (v != null && !v.isEmpty()) {
            g.writeFieldName(name);
            value(g, v);
        }
    }

    private static void value(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String s) {
            g.writeString(s);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof Double d) {
            g.writeNumber(d);
        } else if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                value(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof List<?> l) {
            g.writeStartArray();
            for (Object o : l) {
                value(g, o);
            }
            g.writeEndArray();
        } else {
            throw new UnsupportedOperationException("not in the bench: " + v.getClass());
        }
    }

    /** Decodes a message frame as {@code WireCodec.decodeFrame} does (acks are not part of the bench). */
    WireMessage decode(String json, int maxBytes) throws ProtocolException {
        WireSizes.checkSize(json, maxBytes);
        // createParser(String) reads a text of more than 32 Ki chars through a StringReader and its 4,000-char
        // buffer, where every long string value is assembled from segments; a copy of the chars into a per-thread
        // array (as the codec keeps one reader per thread) lets the parser cut values out of one array
        int n = json.length();
        char[] chars = n <= 0x8000 ? null : chars(n);
        if (chars != null) {
            json.getChars(0, n, chars, 0);
        }
        try (JsonParser p = chars == null ? factory.createParser(json) : factory.createParser(chars, 0, n)) {
            expect(p.nextToken(), JsonToken.START_OBJECT, p);
            String type = null;
            String id = null;
            String from = null;
            String to = null;
            String session = null;
            Request request = null;
            Response response = null;
            Map<String, Object> payload = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "type" -> type = string(t, p);
                    case "id" -> id = string(t, p);
                    case "from" -> from = string(t, p);
                    case "to" -> to = string(t, p);
                    case "session" -> session = string(t, p);
                    case "request" -> request = t == JsonToken.VALUE_NULL ? null : request(t, p);
                    case "response" -> response = t == JsonToken.VALUE_NULL ? null : response(t, p);
                    case "payload" -> payload = object(t, p);
                    case "ok", "node" -> throw new UnsupportedOperationException("not in the bench: " + name);
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw new ProtocolException(ErrorCodes.INVALID_REQUEST, "invalid json: trailing data after the object");
            }
            if (type == null || type.isBlank()) {
                throw new ProtocolException(ErrorCodes.INVALID_REQUEST, "message type required");
            }
            return new WireMessage(type, id, from, to, session, null, request, response, payload);
        } catch (IOException | RuntimeException e) {
            throw new ProtocolException(ErrorCodes.INVALID_REQUEST, "invalid json: " + e.getMessage(), e);
        }
    }

    private static char[] chars(int n) {
        char[] c = CHARS.get();
        if (c.length < n) {
            c = new char[Math.max(n, c.length * 2)];
            CHARS.set(c);
        }
        return c;
    }

    private static Request request(JsonToken start, JsonParser p) throws IOException {
        expect(start, JsonToken.START_OBJECT, p);
        String action = null;
        String node = null;
        String task = null;
        String model = null;
        Map<String, Object> args = null;
        String traceparent = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "action" -> action = string(t, p);
                case "node" -> node = string(t, p);
                case "task" -> task = string(t, p);
                case "model" -> model = string(t, p);
                case "args" -> args = object(t, p);
                case "traceparent" -> traceparent = string(t, p);
                default -> p.skipChildren();
            }
        }
        return new Request(action, node, task, model, args, traceparent);
    }

    private static Response response(JsonToken start, JsonParser p) throws IOException {
        expect(start, JsonToken.START_OBJECT, p);
        boolean ok = false;
        String code = null;
        String error = null;
        String node = null;
        String action = null;
        Map<String, Object> payload = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "ok" -> {
                    if (t != JsonToken.VALUE_NULL) {
                        if (!t.isBoolean()) {
                            throw new IOException("expected a boolean at " + p.currentLocation());
                        }
                        ok = p.getBooleanValue();
                    }
                }
                case "code" -> code = string(t, p);
                case "error" -> error = string(t, p);
                case "node" -> node = string(t, p);
                case "action" -> action = string(t, p);
                case "payload" -> payload = object(t, p);
                default -> p.skipChildren();
            }
        }
        return new Response(ok, code, error, node, action, payload);
    }

    private static String string(JsonToken t, JsonParser p) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(t, JsonToken.VALUE_STRING, p);
        return p.getText();
    }

    private static Map<String, Object> object(JsonToken t, JsonParser p) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(t, JsonToken.START_OBJECT, p);
        Map<String, Object> map = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            map.put(key, value(p.nextToken(), p)); // duplicates: the parser's STRICT_DUPLICATE_DETECTION
        }
        return map;
    }

    private static Object value(JsonToken t, JsonParser p) throws IOException {
        switch (t) {
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                // as Gson's LONG_OR_DOUBLE: a Long when it fits, else a Double
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    return p.getDoubleValue();
                }
                return p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            case START_OBJECT:
                return object(t, p);
            case START_ARRAY:
                List<Object> list = new ArrayList<>();
                JsonToken e;
                while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                    list.add(value(e, p));
                }
                return list;
            default:
                throw new IOException("unexpected " + t + " at " + p.currentLocation());
        }
    }

    private static void expect(JsonToken t, JsonToken wanted, JsonParser p) throws IOException {
        if (t != wanted) {
            throw new IOException("expected " + wanted + " but found " + t + " at " + p.currentLocation());
        }
    }

    /** An unsynchronised writer into a {@link StringBuilder}, the same as the codec's. */
    private static final class StringBuilderWriter extends Writer {
        private final StringBuilder sb = new StringBuilder(256);

        @Override
        public void write(char[] buf, int off, int len) {
            sb.append(buf, off, len);
        }

        @Override
        public void write(int c) {
            sb.append((char) c);
        }

        @Override
        public void write(String str, int off, int len) {
            // as the codec's writer: append(CharSequence, int, int) copies char by char on JDK 17
            if (off == 0 && len == str.length()) {
                sb.append(str);
            } else if (len >= 64) {
                sb.append(str.substring(off, off + len));
            } else {
                sb.append(str, off, off + len);
            }
        }

        @Override
        public void flush() {
            // nothing buffered
        }

        @Override
        public void close() {
            // nothing to release
        }

        @Override
        public String toString() {
            return sb.toString();
        }
    }
}
