package io.clawgo.protocol;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.google.gson.TypeAdapter;
import com.google.gson.annotations.SerializedName;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Streams one record type to and from JSON without building a JSON tree: on write, empty top-level components
 * ({@code null}, {@code ""}, empty collections and maps) are omitted unless their JSON name is in {@code keep}; on
 * read, unknown names are skipped, missing components are {@code null} (or {@code false}/{@code 0} for primitives), and
 * anything but an object or {@code null} is an error that names the type.
 *
 * <p>Component names come from {@link SerializedName} or the component name; component values go through the
 * {@link Gson} adapters, so the codec's strict scalar rules apply inside.
 */
final class RecordAdapter<T> extends TypeAdapter<T> {

    /** The arguments of an accessor: shared, since {@code invoke(value)} would allocate an empty array per call. */
    private static final Object[] NO_ARGS = new Object[0];

    private final Class<T> type;
    private final Set<String> keep;
    private final String[] names;
    private final Method[] accessors;
    private final TypeAdapter<?>[] adapters;
    private final Class<?>[] rawTypes;
    private final Map<String, Integer> index = new HashMap<>();
    private final Constructor<T> constructor;

    RecordAdapter(Gson gson, Class<T> type, Set<String> keep) {
        if (!type.isRecord()) {
            throw new IllegalArgumentException(type + " is not a record");
        }
        this.type = type;
        this.keep = keep;
        RecordComponent[] comps = type.getRecordComponents();
        names = new String[comps.length];
        accessors = new Method[comps.length];
        adapters = new TypeAdapter<?>[comps.length];
        rawTypes = new Class<?>[comps.length];
        for (int i = 0; i < comps.length; i++) {
            RecordComponent c = comps[i];
            SerializedName sn = c.getAnnotation(SerializedName.class);
            if (sn == null) {
                try {
                    sn = type.getDeclaredField(c.getName()).getAnnotation(SerializedName.class);
                } catch (NoSuchFieldException e) {
                    throw new IllegalStateException(e);
                }
            }
            names[i] = sn != null ? sn.value() : c.getName();
            accessors[i] = c.getAccessor();
            adapters[i] = gson.getAdapter(TypeToken.get(c.getGenericType()));
            rawTypes[i] = c.getType();
            index.put(names[i], i);
        }
        try {
            Class<?>[] params = new Class<?>[comps.length];
            for (int i = 0; i < comps.length; i++) {
                params[i] = comps[i].getType();
            }
            constructor = type.getDeclaredConstructor(params);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
        // skip the access check that reflection otherwise repeats on every call (our own records, one module)
        trySetAccessible(constructor);
        for (Method m : accessors) {
            trySetAccessible(m);
        }
    }

    private static void trySetAccessible(java.lang.reflect.AccessibleObject o) {
        try {
            o.trySetAccessible();
        } catch (SecurityException e) {
            // keep the checked path
        }
    }

    /** The component index of the JSON name, or -1. */
    int indexOf(String name) {
        Integer i = index.get(name);
        return i == null ? -1 : i;
    }

    /** The JSON names of the components, in declaration order (the array itself: do not modify). */
    String[] names() {
        return names;
    }

    /** The number of components. */
    int size() {
        return names.length;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void write(JsonWriter out, T value) throws IOException {
        if (value == null) {
            out.nullValue();
            return;
        }
        out.beginObject();
        for (int i = 0; i < names.length; i++) {
            Object v = get(value, i);
            if (isEmpty(v) && !keep.contains(names[i])) {
                continue;
            }
            out.name(names[i]);
            ((TypeAdapter<Object>) adapters[i]).write(out, v);
        }
        out.endObject();
    }

    @Override
    public T read(JsonReader in) throws IOException {
        JsonToken t = in.peek();
        if (t == JsonToken.NULL) {
            in.nextNull();
            return null;
        }
        if (t != JsonToken.BEGIN_OBJECT) {
            throw new JsonParseException("expected an object for " + WireCodec.describe(type) + " but found "
                    + kind(t) + " at " + in.getPath());
        }
        Object[] values = new Object[names.length];
        in.beginObject();
        while (in.hasNext()) {
            int i = indexOf(in instanceof StringJsonReader s ? s.nextKnownName(names) : in.nextName());
            if (i < 0) {
                in.skipValue();
            } else {
                values[i] = readComponent(in, i);
            }
        }
        in.endObject();
        return construct(values);
    }

    /**
     * Reads the value of component {@code i}. A map component must be a JSON object (or {@code null}): Gson would also
     * take an array of {@code [key, value]} pairs, which is not part of the protocol.
     */
    Object readComponent(JsonReader in, int i) throws IOException {
        if (Map.class.isAssignableFrom(rawTypes[i])) {
            JsonToken t = in.peek();
            if (t != JsonToken.BEGIN_OBJECT && t != JsonToken.NULL) {
                throw new JsonParseException("expected an object for " + names[i] + " but found " + kind(t) + " at "
                        + in.getPath());
            }
        }
        return adapters[i].read(in);
    }

    /** Builds the record from component values in declaration order; {@code null} primitives get their default. */
    T construct(Object[] values) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == null && rawTypes[i].isPrimitive()) {
                values[i] = defaultOf(rawTypes[i]);
            }
        }
        try {
            return constructor.newInstance(values);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw new JsonParseException(WireCodec.describe(type) + ": " + re.getMessage(), re);
            }
            throw new IllegalStateException(cause);
        } catch (InstantiationException | IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private Object get(T value, int i) {
        try {
            return accessors[i].invoke(value, NO_ARGS);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + type.getSimpleName() + "." + names[i], e);
        }
    }

    private static Object defaultOf(Class<?> c) {
        if (c == boolean.class) {
            return Boolean.FALSE;
        }
        if (c == int.class) {
            return 0;
        }
        if (c == long.class) {
            return 0L;
        }
        if (c == double.class) {
            return 0.0;
        }
        throw new IllegalStateException("unsupported primitive component " + c);
    }

    static boolean isEmpty(Object v) {
        if (v == null) {
            return true;
        }
        if (v instanceof CharSequence s) {
            return s.length() == 0;
        }
        if (v instanceof Collection<?> c) {
            return c.isEmpty();
        }
        return v instanceof Map<?, ?> m && m.isEmpty();
    }

    static String kind(JsonToken t) {
        return switch (t) {
            case BEGIN_ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            default -> t.name().toLowerCase(Locale.ROOT);
        };
    }
}
