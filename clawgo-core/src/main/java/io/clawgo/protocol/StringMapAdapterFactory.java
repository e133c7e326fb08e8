package io.clawgo.protocol;

import com.google.gson.Gson;
import com.google.gson.JsonSyntaxException;
import com.google.gson.TypeAdapter;
import com.google.gson.TypeAdapterFactory;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes {@code Map<String, V>} (declared as the {@link Map} interface) through the public
 * {@link JsonReader} API only: Gson's own map adapter reaches into its reader's internals and so cannot read from a
 * {@link StringJsonReader}. Same rules as Gson's: a JSON object (or {@code null}), keys in order, a duplicate key is an
 * error; maps are written with {@code String.valueOf(key)} names.
 */
final class StringMapAdapterFactory implements TypeAdapterFactory {

    @Override
    public <T> TypeAdapter<T> create(Gson gson, TypeToken<T> type) {
        if (type.getRawType() != Map.class) {
            return null;
        }
        Type valueType = Object.class;
        if (type.getType() instanceof ParameterizedType p) {
            Type[] args = p.getActualTypeArguments();
            if (args.length != 2 || args[0] != String.class) {
                return null; // non-string keys: Gson's adapter
            }
            valueType = args[1];
        }
        @SuppressWarnings("unchecked")
        TypeAdapter<T> adapter = (TypeAdapter<T>) new Adapter<>(gson.getAdapter(TypeToken.get(valueType)),
                valueType == Object.class);
        return adapter;
    }

    private static final class Adapter<V> extends TypeAdapter<Map<String, V>> {
        private final TypeAdapter<V> values;
        /** Values declared {@code Object}: Gson looks up an adapter for each value's class; common ones skip that. */
        private final boolean objectValues;

        Adapter(TypeAdapter<V> values, boolean objectValues) {
            this.values = values;
            this.objectValues = objectValues;
        }

        /** Writes strings, booleans and integers as Gson's own adapters would; false for anything else. */
        private static boolean writePlain(JsonWriter out, Object v) throws IOException {
            if (v instanceof String s) {
                out.value(s);
            } else if (v instanceof Boolean b) {
                out.value(b.booleanValue());
            } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
                out.value(((Number) v).longValue());
            } else {
                return false;
            }
            return true;
        }

        @Override
        public void write(JsonWriter out, Map<String, V> map) throws IOException {
            if (map == null) {
                out.nullValue();
                return;
            }
            out.beginObject();
            for (Map.Entry<String, V> e : map.entrySet()) {
                out.name(String.valueOf(e.getKey()));
                V v = e.getValue();
                if (!objectValues || !writePlain(out, v)) {
                    values.write(out, v);
                }
            }
            out.endObject();
        }

        @Override
        public Map<String, V> read(JsonReader in) throws IOException {
            if (in.peek() == JsonToken.NULL) {
                in.nextNull();
                return null;
            }
            Map<String, V> map = new LinkedHashMap<>();
            in.beginObject();
            while (in.hasNext()) {
                String key = in.nextName();
                if (map.containsKey(key)) {
                    throw new JsonSyntaxException("duplicate key: " + key);
                }
                map.put(key, values.read(in));
            }
            in.endObject();
            return map;
        }
    }
}
