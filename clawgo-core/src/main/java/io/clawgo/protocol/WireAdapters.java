package io.clawgo.protocol;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.google.gson.TypeAdapter;
import com.google.gson.TypeAdapterFactory;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The Gson adapters behind {@link WireCodec}'s rules: timestamps as RFC 3339, scalars that accept only their own JSON
 * token, and the streamed model records with their empty top-level fields omitted. Stateless; every adapter here is
 * thread-safe once created. A value that breaks a rule fails with a {@link JsonParseException}, which the codec turns
 * into a {@link ProtocolException}.
 */
final class WireAdapters {

    /**
     * Types whose empty top-level fields are omitted on write (the wire model, and the records of the REST API), and
     * the keys that are always written.
     */
    static final Map<Class<?>, Set<String>> PRUNED = Map.of(
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

    private WireAdapters() {
    }

    /** Writes RFC 3339 UTC; reads any RFC 3339 offset; the Go zero time reads as "unset". */
    static final class InstantAdapter extends TypeAdapter<Instant> {
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

    /** Reads one scalar of a {@link #strict} adapter, the reader positioned on it. */
    @FunctionalInterface
    interface Reader<T> {
        T read(JsonReader in) throws IOException;
    }

    /** Writes one non-null scalar of a {@link #strict} adapter. */
    @FunctionalInterface
    interface Writer {
        void write(JsonWriter out, Object value) throws IOException;
    }

    /**
     * A scalar adapter that accepts only the given JSON token ("5" is not a number, "yes" is not a boolean) or
     * {@code null}.
     */
    static <T> TypeAdapter<T> strict(JsonToken token, Reader<T> reader, Writer writer) {
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
                    throw new JsonParseException("expected a " + token.name().toLowerCase(Locale.ROOT)
                            + " but found " + t.name().toLowerCase(Locale.ROOT) + " at " + in.getPath());
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
    static final class PruningFactory implements TypeAdapterFactory {
        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public <T> TypeAdapter<T> create(Gson gson, TypeToken<T> type) {
            Set<String> keep = PRUNED.get(type.getRawType());
            return keep == null ? null : new RecordAdapter(gson, type.getRawType(), keep);
        }
    }
}
