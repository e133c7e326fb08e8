package io.clawgo.protocol;

import static io.clawgo.protocol.WireAdapters.strict;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.ToNumberPolicy;
import com.google.gson.TypeAdapter;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
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
 * <p>Its public methods take and return Java values and text only: which JSON library runs underneath is not part of
 * the API. The pieces live beside it, package-private: the adapters in {@code WireAdapters}, the streaming
 * {@code RecordAdapter}, {@code StringMapAdapterFactory} and {@code StringJsonReader}; the UTF-8 size helpers are the
 * public {@link WireSizes}.
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
                .registerTypeAdapter(Instant.class, new WireAdapters.InstantAdapter().nullSafe())
                // only JSON strings are strings: "id": 5 is an error, not "5"
                .registerTypeAdapter(String.class, strict(JsonToken.STRING, JsonReader::nextString, (w, v) -> w.value((String) v)))
                .registerTypeAdapter(boolean.class, strict(JsonToken.BOOLEAN, JsonReader::nextBoolean, (w, v) -> w.value((Boolean) v)))
                .registerTypeAdapter(Boolean.class, strict(JsonToken.BOOLEAN, JsonReader::nextBoolean, (w, v) -> w.value((Boolean) v)))
                .registerTypeAdapter(int.class, strict(JsonToken.NUMBER, JsonReader::nextInt, (w, v) -> w.value((Number) v)))
                .registerTypeAdapter(Integer.class, strict(JsonToken.NUMBER, JsonReader::nextInt, (w, v) -> w.value((Number) v)))
                .registerTypeAdapter(long.class, strict(JsonToken.NUMBER, JsonReader::nextLong, (w, v) -> w.value((Number) v)))
                .registerTypeAdapter(Long.class, strict(JsonToken.NUMBER, JsonReader::nextLong, (w, v) -> w.value((Number) v)))
                .serializeNulls()
                .registerTypeAdapterFactory(new WireAdapters.PruningFactory())
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
        // inside this library, also Gson's JsonObject (the config parsers walk the tree): with the same reader, the
        // same rules and, through describe(), the same "invalid json" messages the tree parse always had
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
        JsonObject obj = parseTree(json, maxBytes);
        try {
            return gson.fromJson(obj, new TypeToken<Map<String, Object>>() { }.getType());
        } catch (JsonParseException | IllegalArgumentException | IllegalStateException e) {
            // e.g. a number beyond the range of a double
            throw new ProtocolException(ErrorCodes.INVALID_REQUEST, "invalid json: " + rootMessage(e), e);
        }
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
        WireSizes.checkSize(text, maxBytes);
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

    /** Parses text that must be one JSON object into a tree, with the reader and rules of {@link #decode}. */
    private JsonObject parseTree(String text, int maxBytes) throws ProtocolException {
        return readObject(text, maxBytes, JsonElement.class, in -> elements.read(in)).getAsJsonObject();
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
            case "JsonElement", "JsonObject" -> "json";
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
}
