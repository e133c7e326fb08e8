package io.clawgo.protocol;

/**
 * An unsynchronised {@link java.io.Writer} into a {@link StringBuilder}, for {@link WireCodec#toJson}:
 * {@code Gson.toJson(Object)} writes into a {@code StringWriter}, whose {@code StringBuffer} locks on every write and
 * starts at 16 characters. One per serialisation, used by one thread; grows without bound (the caller's value decides
 * the size).
 */
final class StringBuilderWriter extends java.io.Writer {
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
