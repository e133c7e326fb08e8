package io.clawgo.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of one field of a config JSON object, shared by the config classes of this package. Each read names the
 * field in its error ({@code gateway.port must be an integer}); a missing or {@code null} field gives the default.
 */
final class JsonFields {
    private JsonFields() {
    }

    static JsonElement field(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e;
    }

    static JsonObject object(JsonObject o, String key, String name) {
        JsonElement e = field(o, key);
        if (e == null) {
            return null;
        }
        if (!e.isJsonObject()) {
            throw new ConfigException(name + " must be an object");
        }
        return e.getAsJsonObject();
    }

    static JsonArray array(JsonObject o, String key, String name) {
        JsonElement e = field(o, key);
        if (e == null) {
            return null;
        }
        if (!e.isJsonArray()) {
            throw new ConfigException(name + " must be an array");
        }
        return e.getAsJsonArray();
    }

    static List<String> strings(JsonObject o, String key, String name) {
        JsonArray a = array(o, key, name);
        List<String> out = new ArrayList<>();
        if (a != null) {
            for (int i = 0; i < a.size(); i++) {
                JsonElement e = a.get(i);
                if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isString())) {
                    throw new ConfigException(name + "[" + i + "] must be a string");
                }
                out.add(e.getAsString().trim());
            }
        }
        return out;
    }

    static String string(JsonObject o, String key, String name, String def) {
        JsonElement e = field(o, key);
        if (e == null) {
            return def;
        }
        if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isString())) {
            throw new ConfigException(name + " must be a string");
        }
        return e.getAsString();
    }

    static boolean bool(JsonObject o, String key, String name, boolean def) {
        JsonElement e = field(o, key);
        if (e == null) {
            return def;
        }
        if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean())) {
            throw new ConfigException(name + " must be true or false");
        }
        return e.getAsBoolean();
    }

    static int integer(JsonObject o, String key, String name, int def) {
        JsonElement e = field(o, key);
        if (e == null) {
            return def;
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            JsonPrimitive p = e.getAsJsonPrimitive();
            double d = p.getAsDouble();
            if (d == Math.rint(d) && d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE) {
                return (int) d;
            }
        }
        throw new ConfigException(name + " must be an integer");
    }
}
