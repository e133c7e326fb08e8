package io.clawgo.protocol;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import java.io.IOException;
import java.io.Reader;
import java.util.Arrays;

/**
 * A strict {@link JsonReader} over a {@link String}, for decoding frames that are already in memory.
 *
 * <p>Gson's reader copies its input through a 1,024-character buffer and builds every long string value char by char
 * in a {@code StringBuilder}. This one scans the text in place and cuts string values out with
 * {@link String#substring}: see {@link #readString(boolean)}.
 *
 * <p>It accepts exactly what Gson's reader accepts with {@code Strictness.STRICT} (RFC 8259 JSON: no comments, no
 * unquoted or single-quoted strings, no unescaped control characters, no {@code \'} escape, no leading zeros, no
 * trailing commas, at most {@value #NESTING_LIMIT} levels of nesting) and fails the same way: malformed JSON with
 * {@link MalformedJsonException}, a token of the wrong kind with {@link IllegalStateException}, a number that does not
 * fit with {@link NumberFormatException}. A test compares the two readers on generated and mutated documents.
 *
 * <p>One deliberate difference: a key that appears twice in one object is malformed JSON ("duplicate key"); Gson's
 * reader does not look, and its binding keeps the last value. {@link #rejectDuplicateNames(boolean)} turns the check
 * off for the comparison with Gson's reader. A <code>&#92;u</code> escape takes ASCII hex digits only, as in Gson's
 * reader and RFC 8259 ({@link Character#digit} would also take other Unicode digits).
 *
 * <p>Differences that the codec never meets: {@code nextInt}, {@code nextLong} and {@code nextDouble} take only JSON
 * numbers (Gson's also parses quoted ones), and error messages give a character offset instead of line and column.
 * Gson adapters that reach into its reader's internals (its {@code Map} adapter) must not be used with it; the codec
 * registers its own map adapter ({@link StringMapAdapterFactory}).
 */
final class StringJsonReader extends JsonReader {
    /** Gson's default nesting limit. */
    static final int NESTING_LIMIT = 255;

    private static final Reader UNUSED = Reader.nullReader();

    // scopes, as in Gson's reader
    private static final int EMPTY_ARRAY = 1;
    private static final int NONEMPTY_ARRAY = 2;
    private static final int EMPTY_OBJECT = 3;
    private static final int DANGLING_NAME = 4;
    private static final int NONEMPTY_OBJECT = 5;
    private static final int EMPTY_DOCUMENT = 6;
    private static final int NONEMPTY_DOCUMENT = 7;
    private static final int CLOSED = 8;

    private String in;
    private int end;
    private int pos;

    /** The token peeked and not yet consumed, or {@code null}. */
    private JsonToken peeked;
    /** For a peeked number: where its text ends ({@link #pos} is where it starts). */
    private int numberEnd;
    /** See {@link #nextBackslash}; -1 until the first scan. */
    private int backslash = -1;

    /** Whether a decode is using this reader now (see {@link #reset}). */
    boolean inUse;

    private int[] stack = new int[16];
    private int depth;
    private String[] pathNames = new String[16];
    private int[] pathIndices = new int[16];

    /** Whether a name that appears twice in one object is an error (the default). */
    private boolean rejectDuplicates = true;
    /** Per depth: the names of the object open there, up to {@value #FEW_NAMES} of them. */
    private String[][] names = new String[16][];
    /** Per depth: how many names the object open there has. */
    private int[] nameCounts = new int[16];
    /** Per depth: all names of an object with more than {@value #FEW_NAMES} of them, else {@code null} or stale. */
    private java.util.HashSet<?>[] nameSets = new java.util.HashSet<?>[16];
    /** The deepest level whose name slots were used since the last {@link #reset}. */
    private int namesUsedDepth;
    /** Objects with up to this many names are checked for duplicates by comparing with each. */
    private static final int FEW_NAMES = 8;

    StringJsonReader(String in) {
        super(UNUSED);
        reset(in);
    }

    /**
     * Starts over on {@code text}, as a new reader would: Gson's constructor, which every reader runs, allocates a
     * 1,024-character buffer this class never uses, so a decoder can keep one reader per thread.
     *
     * @return this reader
     */
    StringJsonReader reset(String text) {
        this.in = text;
        this.end = text.length();
        pos = 0;
        peeked = null;
        numberEnd = 0;
        backslash = -1;
        Arrays.fill(pathNames, 0, Math.max(depth, 1), null);
        for (int d = 0; d <= namesUsedDepth && d < names.length; d++) {
            if (names[d] != null) {
                Arrays.fill(names[d], null); // names may be long strings of a large document
            }
            nameCounts[d] = 0;
            nameSets[d] = null;
        }
        namesUsedDepth = 0;
        depth = 0;
        stack[depth++] = EMPTY_DOCUMENT;
        pathIndices[0] = 0;
        return this;
    }

    /**
     * Whether a key that appears twice in one object is an error ({@code true}, the default, and what the codec uses)
     * or is read like any other (as Gson's reader does).
     *
     * @param reject {@code false} to read duplicate keys like any other
     * @return this reader
     */
    StringJsonReader rejectDuplicateNames(boolean reject) {
        this.rejectDuplicates = reject;
        return this;
    }

    /** Ends a use: drops the text (it may be large) and the names read from it. */
    void release() {
        reset("");
        inUse = false;
    }

    // ---------------------------------------------------------------------------------------------- structure

    @Override
    public void beginArray() throws IOException {
        expect(JsonToken.BEGIN_ARRAY);
        pos++;
        push(EMPTY_ARRAY);
        peeked = null;
    }

    @Override
    public void endArray() throws IOException {
        expect(JsonToken.END_ARRAY);
        pos++;
        depth--;
        pathIndices[depth - 1]++;
        peeked = null;
    }

    @Override
    public void beginObject() throws IOException {
        expect(JsonToken.BEGIN_OBJECT);
        pos++;
        push(EMPTY_OBJECT);
        peeked = null;
    }

    @Override
    public void endObject() throws IOException {
        expect(JsonToken.END_OBJECT);
        pos++;
        depth--;
        pathNames[depth] = null;
        pathIndices[depth - 1]++;
        peeked = null;
    }

    @Override
    public boolean hasNext() throws IOException {
        JsonToken t = peek();
        return t != JsonToken.END_OBJECT && t != JsonToken.END_ARRAY && t != JsonToken.END_DOCUMENT;
    }

    @Override
    public JsonToken peek() throws IOException {
        if (peeked == null) {
            peeked = doPeekToken();
        }
        return peeked;
    }

    /** Finds the next token, moving {@link #pos} to its first character and updating the scope. */
    private JsonToken doPeekToken() throws IOException {
        int scope = stack[depth - 1];
        switch (scope) {
            case EMPTY_ARRAY -> stack[depth - 1] = NONEMPTY_ARRAY;
            case NONEMPTY_ARRAY -> {
                int c = nextNonWhitespace();
                if (c == ']') {
                    return JsonToken.END_ARRAY;
                }
                if (c != ',') {
                    throw syntaxError(c < 0 ? "End of input" : "Unterminated array");
                }
                pos++;
            }
            case EMPTY_OBJECT, NONEMPTY_OBJECT -> {
                stack[depth - 1] = DANGLING_NAME;
                if (scope == NONEMPTY_OBJECT) {
                    int c = nextNonWhitespace();
                    if (c == '}') {
                        return JsonToken.END_OBJECT;
                    }
                    if (c != ',') {
                        throw syntaxError(c < 0 ? "End of input" : "Unterminated object");
                    }
                    pos++;
                }
                int c = nextNonWhitespace();
                if (c == '"') {
                    return JsonToken.NAME;
                }
                if (c == '}' && scope == EMPTY_OBJECT) {
                    return JsonToken.END_OBJECT;
                }
                throw syntaxError(c < 0 ? "End of input" : "Expected name");
            }
            case DANGLING_NAME -> {
                stack[depth - 1] = NONEMPTY_OBJECT;
                int c = nextNonWhitespace();
                if (c != ':') {
                    throw syntaxError(c < 0 ? "End of input" : "Expected ':'");
                }
                pos++;
            }
            case EMPTY_DOCUMENT -> stack[depth - 1] = NONEMPTY_DOCUMENT;
            case NONEMPTY_DOCUMENT -> {
                if (nextNonWhitespace() < 0) {
                    return JsonToken.END_DOCUMENT;
                }
                throw syntaxError("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON");
            }
            default -> throw new IllegalStateException("JsonReader is closed");
        }
        int c = nextNonWhitespace();
        switch (c) {
            case ']' -> {
                if (scope == EMPTY_ARRAY) {
                    return JsonToken.END_ARRAY;
                }
                throw syntaxError("Expected value");
            }
            case '"' -> {
                return JsonToken.STRING;
            }
            case '{' -> {
                return JsonToken.BEGIN_OBJECT;
            }
            case '[' -> {
                return JsonToken.BEGIN_ARRAY;
            }
            case 't', 'f' -> {
                if (literal(c == 't' ? "true" : "false")) {
                    return JsonToken.BOOLEAN;
                }
                throw syntaxError("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON");
            }
            case 'n' -> {
                if (literal("null")) {
                    return JsonToken.NULL;
                }
                throw syntaxError("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON");
            }
            case -1 -> throw syntaxError("End of input");
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    numberEnd = scanNumber();
                    return JsonToken.NUMBER;
                }
                throw syntaxError(c == '\'' || c == '/' || c == '#' || c == ';' || c == '='
                        ? "Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON"
                        : "Expected value");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- values

    /**
     * {@link #nextName()}, returning the instance from {@code known} when the name is one of them and written without
     * escapes: no new string, and its hash code is already computed for the caller's map lookup.
     *
     * @param known candidate names
     * @return the name
     * @throws IOException as {@link #nextName()}
     */
    String nextKnownName(String[] known) throws IOException {
        expect(JsonToken.NAME);
        int start = pos + 1;
        int close = in.indexOf('"', start);
        if (close >= 0 && nextBackslash(start) > close) {
            int len = close - start;
            for (String k : known) {
                if (k.length() == len && in.regionMatches(start, k, 0, len)) {
                    pos = close + 1; // a known name holds no control character: nothing else to check
                    pathNames[depth - 1] = k;
                    peeked = null;
                    named(k);
                    return k;
                }
            }
        }
        return nextName();
    }

    @Override
    public String nextName() throws IOException {
        expect(JsonToken.NAME);
        String name = readString(true);
        pathNames[depth - 1] = name;
        peeked = null;
        named(name);
        return name;
    }

    /**
     * Records a name of the object open at the current depth; a name it already has is malformed JSON. Objects with
     * few names compare with each (no allocation after the first object at a depth), larger ones use a set.
     */
    @SuppressWarnings("unchecked")
    private void named(String name) throws MalformedJsonException {
        if (!rejectDuplicates) {
            return;
        }
        int d = depth - 1;
        int n = nameCounts[d];
        if (d > namesUsedDepth) {
            namesUsedDepth = d;
        }
        String[] few = names[d];
        if (few == null) {
            few = names[d] = new String[FEW_NAMES];
        }
        if (n < FEW_NAMES) {
            for (int i = 0; i < n; i++) {
                if (few[i].equals(name)) {
                    throw duplicate(name);
                }
            }
            few[n] = name;
        } else {
            java.util.HashSet<String> set = (java.util.HashSet<String>) nameSets[d];
            if (n == FEW_NAMES) {
                set = new java.util.HashSet<>(4 * FEW_NAMES);
                set.addAll(Arrays.asList(few));
                nameSets[d] = set;
            }
            if (!set.add(name)) {
                throw duplicate(name);
            }
        }
        nameCounts[d] = n + 1;
    }

    private MalformedJsonException duplicate(String name) {
        StringBuilder shown = new StringBuilder();
        for (int i = 0; i < name.length() && shown.length() < 64; i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
                shown.append(String.format("\\u%04x", (int) c));
            } else {
                shown.append(c);
            }
        }
        if (shown.length() >= 64 && name.length() > 64) {
            shown.append("...");
        }
        pathNames[depth - 1] = shown.toString(); // the path names the key as the message does: cut, escaped
        return new MalformedJsonException("duplicate key \"" + shown + "\"" + locationString());
    }

    @Override
    public String nextString() throws IOException {
        JsonToken t = peek();
        String s;
        if (t == JsonToken.STRING) {
            s = readString(true);
        } else if (t == JsonToken.NUMBER) {
            s = in.substring(pos, numberEnd);
            pos = numberEnd;
        } else {
            throw unexpected("a string", t);
        }
        consumedValue();
        return s;
    }

    @Override
    public boolean nextBoolean() throws IOException {
        expect(JsonToken.BOOLEAN);
        boolean value = in.charAt(pos) == 't';
        pos += value ? 4 : 5;
        consumedValue();
        return value;
    }

    @Override
    public void nextNull() throws IOException {
        expect(JsonToken.NULL);
        pos += 4;
        consumedValue();
    }

    @Override
    public double nextDouble() throws IOException {
        String text = numberText("a double");
        double d = Double.parseDouble(text);
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            // Gson's strict reader refuses these; the text stays unconsumed, as there
            throw new MalformedJsonException("JSON forbids NaN and infinities: " + d + locationString());
        }
        consumeNumber();
        return d;
    }

    @Override
    public long nextLong() throws IOException {
        long result = integral("a long");
        consumeNumber();
        return result;
    }

    @Override
    public int nextInt() throws IOException {
        long result = integral("an int");
        if ((int) result != result) {
            throw new NumberFormatException("Expected an int but was " + in.substring(pos, numberEnd)
                    + locationString());
        }
        consumeNumber();
        return (int) result;
    }

    /** The peeked number as a long, also when written as an integral double ({@code 1.0}, {@code 1e3}), as in Gson. */
    private long integral(String wanted) throws IOException {
        String text = numberText(wanted);
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            double d = Double.parseDouble(text);
            long result = (long) d;
            if (result != d) {
                throw new NumberFormatException("Expected " + wanted + " but was " + text + locationString());
            }
            return result;
        }
    }

    @Override
    public void skipValue() throws IOException {
        int open = 0;
        do {
            JsonToken t = peek();
            switch (t) {
                case BEGIN_ARRAY -> {
                    beginArray();
                    open++;
                }
                case BEGIN_OBJECT -> {
                    beginObject();
                    open++;
                }
                case END_ARRAY -> {
                    if (open == 0) {
                        throw unexpected("a value", t);
                    }
                    endArray();
                    open--;
                }
                case END_OBJECT -> {
                    if (open == 0) {
                        throw unexpected("a value", t);
                    }
                    endObject();
                    open--;
                }
                case NAME -> {
                    pathNames[depth - 1] = readString(false);
                    peeked = null;
                    named(pathNames[depth - 1]);
                    if (open == 0) {
                        pathNames[depth - 1] = "<skipped>";
                        return; // a name alone is skipped, as Gson does
                    }
                }
                case STRING -> {
                    readString(false); // like Gson's, skipped strings and names may hold raw control characters
                    consumedValue();
                }
                case NUMBER -> nextString();
                case BOOLEAN -> nextBoolean();
                case NULL -> nextNull();
                case END_DOCUMENT -> {
                    return;
                }
                default -> throw new IllegalStateException("unexpected token " + t);
            }
        } while (open > 0);
    }

    @Override
    public void close() {
        peeked = null;
        stack[0] = CLOSED;
        depth = 1;
    }

    // ---------------------------------------------------------------------------------------------- paths

    @Override
    public String getPath() {
        return path(false);
    }

    @Override
    public String getPreviousPath() {
        return path(true);
    }

    private String path(boolean previous) {
        StringBuilder sb = new StringBuilder("$");
        for (int i = 1; i < depth; i++) {
            switch (stack[i]) {
                case EMPTY_ARRAY, NONEMPTY_ARRAY -> {
                    int index = pathIndices[i];
                    if (previous && index > 0 && i == depth - 1) {
                        index--;
                    }
                    sb.append('[').append(index).append(']');
                }
                case EMPTY_OBJECT, DANGLING_NAME, NONEMPTY_OBJECT -> {
                    sb.append('.');
                    if (pathNames[i] != null) {
                        sb.append(pathNames[i]);
                    }
                }
                default -> {
                    // documents have no path segment
                }
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "StringJsonReader" + locationString();
    }

    // ---------------------------------------------------------------------------------------------- scanning

    private void expect(JsonToken wanted) throws IOException {
        JsonToken t = peek();
        if (t != wanted) {
            throw unexpected(wanted.name(), t);
        }
    }

    private IllegalStateException unexpected(String wanted, JsonToken t) {
        return new IllegalStateException("Expected " + wanted + " but was " + t + locationString());
    }

    private void push(int scope) throws MalformedJsonException {
        if (depth - 1 >= NESTING_LIMIT) {
            throw new MalformedJsonException("Nesting limit " + NESTING_LIMIT + " reached" + locationString());
        }
        if (depth == stack.length) {
            int n = depth * 2;
            stack = Arrays.copyOf(stack, n);
            pathIndices = Arrays.copyOf(pathIndices, n);
            pathNames = Arrays.copyOf(pathNames, n);
            names = Arrays.copyOf(names, n);
            nameCounts = Arrays.copyOf(nameCounts, n);
            nameSets = Arrays.copyOf(nameSets, n);
        }
        pathIndices[depth] = 0;
        pathNames[depth] = null;
        nameCounts[depth] = 0;
        stack[depth++] = scope;
    }

    /** After a scalar value: counts it in an enclosing array. */
    private void consumedValue() {
        peeked = null;
        pathIndices[depth - 1]++;
    }

    private String numberText(String wanted) throws IOException {
        JsonToken t = peek();
        if (t != JsonToken.NUMBER) {
            throw unexpected(wanted, t);
        }
        return in.substring(pos, numberEnd);
    }

    private void consumeNumber() {
        pos = numberEnd;
        consumedValue();
    }

    /** Skips JSON whitespace; returns the character at {@link #pos} (not consumed), or -1 at the end. */
    private int nextNonWhitespace() {
        while (pos < end) {
            char c = in.charAt(pos);
            if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
                return c;
            }
            pos++;
        }
        return -1;
    }

    /** Whether {@code word} is at {@link #pos}, followed by a character that ends a literal. */
    private boolean literal(String word) {
        int after = pos + word.length();
        return in.startsWith(word, pos)
                && (after == end || !isLiteralChar(in.charAt(after)) && !isLenientOnly(in.charAt(after)));
    }

    /** Characters that end a literal only in lenient mode (comments and other extensions): an error here. */
    private static boolean isLenientOnly(char c) {
        return c == '/' || c == '\\' || c == ';' || c == '#' || c == '=';
    }

    /** Characters that continue an unquoted literal in Gson's reader (anything but these ends one). */
    private static boolean isLiteralChar(char c) {
        return switch (c) {
            case '/', '\\', ';', '#', '=', '{', '}', '[', ']', ':', ',', ' ', '\t', '\f', '\r', '\n' -> false;
            default -> true;
        };
    }

    /** Checks the RFC 8259 number at {@link #pos}; returns where it ends. */
    private int scanNumber() throws MalformedJsonException {
        int i = pos;
        if (in.charAt(i) == '-') {
            i++;
        }
        if (i >= end) {
            throw badNumber();
        }
        char c = in.charAt(i);
        if (c == '0') {
            i++;
        } else if (c >= '1' && c <= '9') {
            i = digits(i);
        } else {
            throw badNumber();
        }
        if (i < end && in.charAt(i) == '.') {
            int frac = digits(i + 1);
            if (frac == i + 1) {
                throw badNumber();
            }
            i = frac;
        }
        if (i < end && (in.charAt(i) == 'e' || in.charAt(i) == 'E')) {
            i++;
            if (i < end && (in.charAt(i) == '+' || in.charAt(i) == '-')) {
                i++;
            }
            int exp = digits(i);
            if (exp == i) {
                throw badNumber();
            }
            i = exp;
        }
        if (i < end && (isLiteralChar(in.charAt(i)) || isLenientOnly(in.charAt(i)))) {
            throw badNumber(); // 01, 1x, 1.5.3, 1#: not one number
        }
        return i;
    }

    private int digits(int i) {
        while (i < end && in.charAt(i) >= '0' && in.charAt(i) <= '9') {
            i++;
        }
        return i;
    }

    private MalformedJsonException badNumber() {
        return syntaxError("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON");
    }

    /**
     * Reads the string whose opening quote is at {@link #pos} and moves past its closing quote. A string without
     * escapes costs two vectorised {@code indexOf} scans, one {@link ControlChars} pass (eight characters at a time)
     * and one {@code substring}; anything else takes the character-by-character path.
     *
     * @param strict whether an unescaped control character is an error (it is, except in a skipped value)
     */
    private String readString(boolean strict) throws MalformedJsonException {
        int start = pos + 1;
        int close = in.indexOf('"', start);
        if (close >= 0 && nextBackslash(start) > close && !(strict && ControlChars.any(in, start, close))) {
            pos = close + 1;
            return in.substring(start, close);
        }
        return readEscapedString(start, start, strict);
    }

    /**
     * The first backslash at or after {@code from}, or {@link #end}. Remembered between calls, so that the scans of
     * all strings of a document together read it at most once.
     */
    private int nextBackslash(int from) {
        if (backslash < from) {
            int b = in.indexOf('\\', from);
            backslash = b < 0 ? end : b;
        }
        return backslash;
    }

    /** The slow path of {@link #readString(boolean)}: from {@code i}, the first escape or control character on. */
    private String readEscapedString(int start, int i, boolean strict) throws MalformedJsonException {
        StringBuilder sb = new StringBuilder(Math.max(16, (i - start) * 2));
        sb.append(in, start, i);
        while (i < end) {
            char c = in.charAt(i++);
            if (c == '"') {
                pos = i;
                return sb.toString();
            }
            if (c < 0x20 && strict) {
                pos = i;
                throw syntaxError("Unescaped control characters (\\u0000-\\u001F) are not allowed in strict mode");
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (i >= end) {
                break;
            }
            char e = in.charAt(i++);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (i + 4 > end) {
                        pos = end;
                        throw syntaxError("Unterminated escape sequence");
                    }
                    int v = 0;
                    for (int k = 0; k < 4; k++) {
                        int d = hexDigit(in.charAt(i + k));
                        if (d < 0) {
                            pos = i;
                            throw syntaxError("Malformed Unicode escape \\u" + in.substring(i, i + 4));
                        }
                        v = (v << 4) | d;
                    }
                    i += 4;
                    sb.append((char) v);
                }
                case '\'' -> {
                    pos = i;
                    throw syntaxError("Invalid escaped character \"'\" in strict mode");
                }
                default -> {
                    pos = i;
                    throw syntaxError("Invalid escape sequence");
                }
            }
        }
        pos = end;
        throw syntaxError("Unterminated string");
    }

    /** The value of an ASCII hex digit, or -1: {@link Character#digit} would also take other Unicode digits. */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private MalformedJsonException syntaxError(String message) {
        return new MalformedJsonException(message + locationString());
    }

    /** " at character N path P", like Gson's messages (which count lines and columns instead). */
    private String locationString() {
        return " at character " + (pos + 1) + " path " + getPath();
    }
}
