package io.clawgo.internal;

/** Version constants. */
public final class Version {
    /** The library version. */
    public static final String VERSION = "0.1.0";
    /** The wire protocol version (the clawgo 0.2.x message set). */
    public static final int PROTOCOL = 1;

    private Version() {
    }
}
