package io.clawgo.protocol;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.ToNumberPolicy;
import com.google.gson.TypeAdapter;
import com.google.gson.TypeAdapterFactory;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import com.google.gson.stream.MalformedJsonException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The one JSON codec of clawgo-java: snake_case field names, unknown fields ignored, empty fields omitted, timestamps
 * as RFC 3339 UTC, JSON numbers inside free-form maps read as {@code Long} or {@code Double}.
 *
 * <p>Empty ({@code null}, {@code ""}, {@code []}, <code>{}</code>) top-level fields are omitted when writing the wire
 * model and the subagent records, except the fields that are always present (for example {@code ok} of a
 * {@link Response}). Reading is strict: malformed JSON, trailing data and a scalar of the wrong JSON type
 * ({@code "id": 5}, {@code "online": "yes"}) are errors, not coercions; {@code 0001-01-01T00:00:00Z} reads as an unset
 * timestamp.
 *
 * <p>Thread-safe; use the shared {@link #get()} instance.
 */
public final class WireCodec {

    /** Default largest frame or body, in bytes (8 MiB). */
    public static final int DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

    /**
     * The largest value a message size limit ({@code gateway.max_message_bytes}, a node's {@code maxMessageBytes})
     * may take: 64 MiB. A message is held several times over while it passes (bytes read, decoded text, parsed values,
     * and up to twice in a slow node's send queue), and larger limits would leave too little room below the 2 GiB of a
     * Java array or string for the arithmetic of the readers.
     */
    public static final int MAX_LIMIT_BYTES = 64 * 1024 * 1024;

    /**
     * Types whose empty top-level fields are omitted on write (the wire model, and the records of the REST API), and
     * the keys that are always written.
     */
    private static final Map<Class<?>, Set<String>> PRUNED = Map.of(
            NodeInfo.class, Set.of("id", "capabilities", "online"),
            AgentInfo.class, Set.of("id"),
            Artifact.class, Set.of(),
            Request.class, Set.of("action"),
            Response.class, Set.of("ok"),
            WireMessage.class, Set.of("type"),
            WireAck.class, Set.of("ok", "type"),
            io.clawgo.subagent.SubagentTask.class, Set.of("id", "status", "retry_count"),
            io.clawgo.subagent.SubagentReply.class, Set.of("status"),
            io.clawgo.subagent.AgentEntry.class, Set.of("agent_id", "enabled", "online"));

    /** Created after {@link #PRUNED}, which its constructor reads. */
    private static final WireCodec INSTANCE = new WireCodec();

    /** One reader per thread: see {@link StringJsonReader#reset}. */
    private static final ThreadLocal<StringJsonReader> READERS = ThreadLocal.withInitial(() -> new StringJsonReader(""));

    private final Gson gson;
    private final RecordAdapter<WireMessage> messages;
    private final RecordAdapter<WireAck> acks;
    /** The names of {@link #messages} and {@link #acks} together, for {@link StringJsonReader#nextKnownName}. */
    private final String[] frameNames;
    /** Gson's tree adapter: it reads through the public {@link JsonReader} methods only, so ours can drive it. */
    private final TypeAdapter<JsonElement> elements;

    @SuppressWarnings("unchecked")
    private WireCodec() {
        this.gson = new GsonBuilder()
                .registerTypeAdapter(Instant.class, new InstantAdapter().nullSafe())
                // only JSON strings are strings: "id": 5 is an error, not "5"
                .registerTypeAdapter(String.class, strict(JsonToken.STRING, JsonReader::nextString, (w, v) -> w.value((String) v)))
                .registerTypeAdapter(boolean.class, strict(JsonToken.BOOLEAN, JsonReader::nextBoolean, (w, v) -> w.value((Boolean) v)))
                .registerTypeAdapter(Boolean.class, strict(JsonToken.BOOLEAN, JsonReader::nextBoolean, (w, v) -> w.value((Boolean) v)))
                .registerTypeAdapter(int.class, strict(JsonToken.NUMBER, JsonReader::nextInt, (w, v) -> w.value((Number) v)))
                .registerTypeAdapter(Integer.class, strict(JsonToken.NUMBER, JsonReader::nextInt, (w, v) -> w.value((Number) v)))
                .registerTypeAdapter(long.class, strict(JsonToken.NUMBER, JsonReader::nextLong, (w, v) -> w.value((Number) v)))
                .registerTypeAdapter(Long.class, strict(JsonToken.NUMBER, JsonReader::nextLong, (w, v) -> w.value((Number) v)))
                .serializeNulls()
                .registerTypeAdapterFactory(new PruningFactory())
                .registerTypeAdapterFactory(new StringMapAdapterFactory())
                .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE)
                .setStrictness(Strictness.STRICT)
                .disableHtmlEscaping()
                .create();
        this.messages = (RecordAdapter<WireMessage>) gson.getAdapter(WireMessage.class);
        this.acks = (RecordAdapter<WireAck>) gson.getAdapter(WireAck.class);
        this.frameNames = Stream.concat(Arrays.stream(messages.names()), Arrays.stream(acks.names()))
                .distinct().toArray(String[]::new);
        this.elements = gson.getAdapter(JsonElement.class);
    }

    /**
     * The shared codec.
     *
     * @return the one instance
     */
    public static WireCodec get() {
        return INSTANCE;
    }

    /**
     * Serialises any model object, map or list to compact JSON.
     *
     * @param value the value; {@code null} gives {@code null}
     * @return the JSON text, without HTML escaping
     */
    public String toJson(Object value) {
        if (value == null) {
            return "null";
        }
        StringBuilderWriter out = new StringBuilderWriter();
        // Gson.toJson(Object, Type, JsonWriter) applies the codec's settings (no HTML escaping, nulls) to the writer
        // a map as the Map interface: the codec's own map adapter, which writes common values without a lookup
        gson.toJson(value, value instanceof Map ? Map.class : value.getClass(), new FastJsonWriter(out));
        return out.toString();
    }

    /**
     * An unsynchronised {@link java.io.Writer} into a {@link StringBuilder}: {@code Gson.toJson(Object)} writes into a
     * {@code StringWriter}, whose {@code StringBuffer} locks on every write and starts at 16 characters.
     */
    private static final class StringBuilderWriter extends java.io.Writer {
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
            // JsonWriter writes a string without escapes in one call; StringBuilder.append(CharSequence, int, int)
            // copies char by char (JDK 17), append(String) with one array copy
            if (off == 0 && len == str.length()) {
                sb.append(str);
            } else if (len >= 64) {
                sb.append(str.substring(off, off + len));
            } else {
                sb.append(str, off, off + len);
            }
        }

        @Override
        public java.io.Writer append(CharSequence csq) {
            sb.append(csq);
            return this;
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

    /**
     * Serialises to a JSON tree, with the same rules as {@link #toJson(Object)}.
     *
     * @param value the value
     * @return the tree
     */
    public JsonElement toJsonTree(Object value) {
        return gson.toJsonTree(value);
    }

    /**
     * Converts a JSON tree to {@code type}, with the strict reading rules of this codec.
     *
     * @param <T>  the target type
     * @param json the tree
     * @param type the target class, for example {@code NodeInfo.class}
     * @return the value; {@code null} for a JSON {@code null}
     * @throws ProtocolException with {@link ErrorCodes#INVALID_REQUEST} when the tree does not fit {@code type}
     */
    public <T> T fromJsonTree(JsonElement json, Class<T> type) throws ProtocolException {
        try {
            return gson.fromJson(json, type);
        } catch (JsonParseException | IllegalArgumentException | IllegalStateException e) {
            throw invalid(type, e);
        }
    }

    /**
     * Decodes a JSON object of {@code type}, enforcing {@code maxBytes}.
     *
     * @param <T>      the target type
     * @param json     the text, which must be one JSON object
     * @param type     the target class, for example {@code Request.class}
     * @param maxBytes the largest accepted UTF-8 size of {@code json}, in bytes
     * @return the value
     * @throws ProtocolException with {@link ErrorCodes#PAYLOAD_TOO_LARGE} or {@link ErrorCodes#INVALID_REQUEST}
     */
    public <T> T decode(String json, Class<T> type, int maxBytes) throws ProtocolException {
        return readObject(json, maxBytes, type, in -> gson.getAdapter(type).read(in));
    }

    /**
     * Decodes a JSON object of {@code type} with the default size limit {@link #DEFAULT_MAX_BYTES}.
     *
     * @param <T>  the target type
     * @param json the text, which must be one JSON object
     * @param type the target class
     * @return the value
     * @throws ProtocolException with {@link ErrorCodes#PAYLOAD_TOO_LARGE} or {@link ErrorCodes#INVALID_REQUEST}
     */
    public <T> T decode(String json, Class<T> type) throws ProtocolException {
        return decode(json, type, DEFAULT_MAX_BYTES);
    }

    /**
     * Decodes a JSON object into a map (numbers as {@code Long} or {@code Double}).
     *
     * @param json     the text, which must be one JSON object
     * @param maxBytes the largest accepted UTF-8 size of {@code json}, in bytes
     * @return the object as plain Java values: maps, lists, strings, numbers, booleans and {@code null}
     * @throws ProtocolException with {@link ErrorCodes#PAYLOAD_TOO_LARGE} or {@link ErrorCodes#INVALID_REQUEST}
     */
    public Map<String, Object> decodeMap(String json, int maxBytes) throws ProtocolException {
        JsonObject obj = parseObject(json, maxBytes);
        try {
            return gson.fromJson(obj, new TypeToken<Map<String, Object>>() { }.getType());
        } catch (JsonParseException | IllegalArgumentException | IllegalStateException e) {
            // e.g. a number beyond the range of a double
            throw new ProtocolException(ErrorCodes.INVALID_REQUEST, "invalid json: " + rootMessage(e), e);
        }
    }

    /**
     * Converts a JSON tree into plain Java values (maps, lists, strings, numbers, booleans, null).
     *
     * @param json the tree
     * @return the value; numbers as {@code Long} or {@code Double}
     */
    public Object toPlain(JsonElement json) {
        return gson.fromJson(json, Object.class);
    }

    /**
     * Decodes one control-channel frame: an ack when it has a top-level {@code ok} key, else a message, which must have
     * a non-blank {@code type}.
     *
     * @param text     the frame text, which must be one JSON object
     * @param maxBytes the largest accepted UTF-8 size of {@code text}, in bytes
     * @return a {@link Frame.Ack} or a {@link Frame.Message}
     * @throws ProtocolException with {@link ErrorCodes#PAYLOAD_TOO_LARGE}, or {@link ErrorCodes#INVALID_REQUEST} for
     *                           malformed JSON, a wrong field type or a message without a type
     */
    public Frame decodeFrame(String text, int maxBytes) throws ProtocolException {
        Frame f = readObject(text, maxBytes, WireMessage.class, this::readFrame);
        if (f instanceof Frame.Message m && (m.message().type() == null || m.message().type().isBlank())) {
            throw new ProtocolException(ErrorCodes.INVALID_REQUEST, "message type required");
        }
        return f;
    }

    /**
     * Reads a frame in one pass: every field is bound with the adapter of the {@link WireMessage} or {@link WireAck}
     * component of that name (they agree where both have one), then the presence of {@code ok} picks the type.
     */
    private Frame readFrame(JsonReader in) throws IOException {
        in.beginObject();
        Object[] msg = new Object[messages.size()];
        Object[] ack = new Object[acks.size()];
        boolean hasOk = false;
        while (in.hasNext()) {
            String name = in instanceof StringJsonReader s ? s.nextKnownName(frameNames) : in.nextName();
            int m = messages.indexOf(name);
            int a = acks.indexOf(name);
            hasOk |= "ok".equals(name);
            if (m < 0 && a < 0) {
                in.skipValue();
                continue;
            }
            Object v = m >= 0 ? messages.readComponent(in, m) : acks.readComponent(in, a);
            if (m >= 0) {
                msg[m] = v;
            }
            if (a >= 0) {
                ack[a] = v;
            }
        }
        in.endObject();
        return hasOk ? new Frame.Ack(acks.construct(ack)) : new Frame.Message(messages.construct(msg));
    }

    /** Reads text that must be exactly one JSON object with {@code reader}, mapping every failure to a code. */
    private <T> T readObject(String text, int maxBytes, Class<?> type, ObjectReader<T> reader)
            throws ProtocolException {
        if (text == null || text.isBlank()) {
            throw new ProtocolException(ErrorCodes.INVALID_REQUEST, "empty body: a JSON object is required");
        }
        checkSize(text, maxBytes);
        // strict, like Gson's with Strictness.STRICT; one reader per thread, or a fresh one when a decode runs inside
        // another on the same thread
        StringJsonReader cached = READERS.get();
        StringJsonReader in = cached.inUse ? new StringJsonReader(text) : cached.reset(text);
        in.inUse = true;
        T value;
        try {
            if (in.peek() != JsonToken.BEGIN_OBJECT) {
                throw new ProtocolException(ErrorCodes.INVALID_REQUEST, "invalid json: a JSON object is required");
            }
            value = reader.read(in);
            if (!atEnd(in)) {
                throw new ProtocolException(ErrorCodes.INVALID_REQUEST, "invalid json: trailing data after the object");
            }
        } catch (MalformedJsonException | java.io.EOFException e) {
            throw new ProtocolException(ErrorCodes.INVALID_REQUEST, "invalid json: " + rootMessage(e), e);
        } catch (IOException e) {
            throw new ProtocolException(ErrorCodes.INVALID_REQUEST, "invalid json: " + rootMessage(e), e);
        } catch (JsonParseException | IllegalArgumentException | IllegalStateException e) {
            throw invalid(type, e);
        } catch (RuntimeException e) {
            // binding runs while the text is still being read, before a later syntax error is seen: whatever else
            // Gson throws on hostile input (a null map key, ...) is bad input too, never a crash of the caller
            throw invalid(type, e);
        } catch (StackOverflowError e) {
            throw new ProtocolException(ErrorCodes.INVALID_REQUEST, "invalid json: nested too deeply");
        } finally {
            in.release();
        }
        return value;
    }

    private static boolean atEnd(JsonReader in) {
        try {
            return in.peek() == JsonToken.END_DOCUMENT;
        } catch (IOException e) {
            return false; // a second top-level value is malformed JSON to a strict reader
        }
    }

    @FunctionalInterface
    private interface ObjectReader<T> {
        T read(JsonReader in) throws IOException;
    }

    /**
     * Parses text that must be one JSON object, strictly (no comments, no trailing data, no duplicate keys), with the
     * same reader and rules as {@link #decode} and {@link #decodeFrame}.
     *
     * @param text     the text
     * @param maxBytes the largest accepted UTF-8 size of {@code text}, in bytes
     * @return the object
     * @throws ProtocolException with {@link ErrorCodes#PAYLOAD_TOO_LARGE} when too large, or
     *                           {@link ErrorCodes#INVALID_REQUEST} when {@code null}, blank, malformed (a duplicate key
     *                           included) or not an object
     */
    public JsonObject parseObject(String text, int maxBytes) throws ProtocolException {
        return readObject(text, maxBytes, JsonElement.class, in -> elements.read(in)).getAsJsonObject();
    }

    /**
     * Checks the UTF-8 size of {@code text} without encoding it.
     *
     * @param text     the text, not {@code null}
     * @param maxBytes the largest allowed size, in bytes
     * @throws ProtocolException with {@link ErrorCodes#PAYLOAD_TOO_LARGE} when the UTF-8 size of {@code text} exceeds
     *                           {@code maxBytes}
     */
    public static void checkSize(String text, int maxBytes) throws ProtocolException {
        if (!fits(text, maxBytes)) {
            throw new ProtocolException(ErrorCodes.PAYLOAD_TOO_LARGE,
                    "message of " + utf8Length(text) + " bytes exceeds the limit of " + maxBytes + " bytes");
        }
    }

    /**
     * Whether the UTF-8 encoding of {@code text} is at most {@code maxBytes} long, without encoding it and, unless
     * {@code text} is near the limit, without counting.
     *
     * @param text     the text, not {@code null}
     * @param maxBytes the largest allowed size, in bytes
     * @return {@code true} when it fits
     */
    public static boolean fits(CharSequence text, long maxBytes) {
        // chars <= UTF-8 bytes <= 3 * chars: only count exactly near the limit.
        return text.length() <= maxBytes && ((long) text.length() * 3 <= maxBytes || utf8Length(text) <= maxBytes);
    }

    /**
     * The UTF-8 encoded length of {@code s}, without encoding it.
     *
     * @param s the characters, not {@code null}
     * @return the length in bytes; an unpaired surrogate counts 3 bytes
     */
    public static long utf8Length(CharSequence s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /**
     * UTF-8 bytes of the JSON of {@code value}.
     *
     * @param value the value, as for {@link #toJson(Object)}
     * @return the encoded JSON
     */
    public byte[] toJsonBytes(Object value) {
        return toJson(value).getBytes(StandardCharsets.UTF_8);
    }

    private static ProtocolException invalid(Class<?> type, RuntimeException e) {
        return new ProtocolException(ErrorCodes.INVALID_REQUEST,
                "invalid " + describe(type) + ": " + rootMessage(e), e);
    }

    static String describe(Class<?> type) {
        return switch (type.getSimpleName()) {
            case "WireMessage" -> "message";
            case "WireAck" -> "ack";
            case "NodeInfo" -> "node info";
            case "JsonElement" -> "json";
            default -> type.getSimpleName().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        // Gson appends a troubleshooting URL; it is noise for API callers.
        int see = m.indexOf("\nSee https://");
        m = see >= 0 ? m.substring(0, see) : m;
        return m.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "malformed JSON");
    }

    /** Writes RFC 3339 UTC; reads any RFC 3339 offset; the Go zero time reads as "unset". */
    private static final class InstantAdapter extends TypeAdapter<Instant> {
        @Override
        public void write(JsonWriter out, Instant value) throws IOException {
            out.value(value.toString());
        }

        @Override
        public Instant read(JsonReader in) throws IOException {
            String s = in.nextString();
            if (s.isBlank() || s.startsWith("0001-01-01")) {
                return null;
            }
            try {
                return OffsetDateTime.parse(s).toInstant();
            } catch (DateTimeParseException e) {
                throw new JsonParseException("invalid timestamp '" + s + "' (RFC 3339 expected)");
            }
        }
    }

    @FunctionalInterface
    private interface Reader<T> {
        T read(JsonReader in) throws IOException;
    }

    @FunctionalInterface
    private interface Writer {
        void write(JsonWriter out, Object value) throws IOException;
    }

    /** A scalar adapter that accepts only the given JSON token ("5" is not a number, "yes" is not a boolean). */
    private static <T> TypeAdapter<T> strict(JsonToken token, Reader<T> reader, Writer writer) {
        return new TypeAdapter<T>() {
            @Override
            public void write(JsonWriter out, T value) throws IOException {
                if (value == null) {
                    out.nullValue();
                } else {
                    writer.write(out, value);
                }
            }

            @Override
            public T read(JsonReader in) throws IOException {
                JsonToken t = in.peek();
                if (t == JsonToken.NULL) {
                    in.nextNull();
                    return null;
                }
                if (t != token) {
                    throw new JsonParseException("expected a " + token.name().toLowerCase(java.util.Locale.ROOT)
                            + " but found " + t.name().toLowerCase(java.util.Locale.ROOT) + " at " + in.getPath());
                }
                try {
                    return reader.read(in);
                } catch (NumberFormatException e) {
                    throw new JsonParseException("number out of range at " + in.getPath());
                }
            }
        };
    }

    /** Streams the model types with {@link RecordAdapter}: empty top-level fields omitted, except the kept ones. */
    private static final class PruningFactory implements TypeAdapterFactory {
        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public <T> TypeAdapter<T> create(Gson gson, TypeToken<T> type) {
            Set<String> keep = PRUNED.get(type.getRawType());
            return keep == null ? null : new RecordAdapter(gson, type.getRawType(), keep);
        }
    }
}
