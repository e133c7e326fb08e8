package io.clawgo.protocol;

import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.Writer;

/**
 * A {@link JsonWriter} that writes long strings needing no escape in one piece. Gson's writer looks every character
 * up in its escape table and hands the text over in runs; for a 64 KiB value that was about 50 µs. Here a string of
 * at least {@value #FAST_MIN_LENGTH} characters is checked with vectorised {@code indexOf} scans and
 * {@link ControlChars}, then written straight after {@link #jsonValue} has put the separator and the opening quote;
 * a string that needs escaping, and every short one, goes through Gson's own code. The output is identical to Gson's
 * with HTML escaping off.
 */
final class FastJsonWriter extends JsonWriter {
    /** Shorter strings are not worth the extra scans (at 200 characters the scans already cost half of Gson's loop). */
    static final int FAST_MIN_LENGTH = 64;

    /** The writer under this one, for writing a long value without first joining it with its quotes. */
    private final Writer out;

    FastJsonWriter(Writer out) {
        super(out);
        this.out = out;
    }

    @Override
    public JsonWriter value(String value) throws IOException {
        if (value == null || value.length() < FAST_MIN_LENGTH || isHtmlSafe() || needsEscape(value)) {
            return super.value(value);
        }
        jsonValue("\""); // the separator before the value, and its opening quote
        out.write(value);
        out.write('"');
        return this;
    }

    /**
     * Whether Gson would escape a character of {@code s}: a control character, a quote, a backslash, U+2028 or
     * U+2029.
     */
    static boolean needsEscape(String s) {
        if (s.indexOf('"') >= 0 || s.indexOf('\\') >= 0 || s.indexOf('\u2028') >= 0 || s.indexOf('\u2029') >= 0) {
            return true; // indexOf is vectorised, and returns at once for U+2028 in a Latin-1 string
        }
        return ControlChars.any(s, 0, s.length());
    }
}
