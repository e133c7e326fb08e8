package io.clawgo.protocol;

import java.util.Locale;

/**
 * How a dispatch picks its transport. On the wire and in the REST API it is the lower-case name ({@code auto},
 * {@code p2p}, {@code relay}).
 */
public enum DispatchMode {
    /** P2P first (when the dispatch policy prefers it), then the relay after a P2P transport failure. */
    AUTO,
    /** P2P only. */
    P2P,
    /** The HTTP relay only. */
    RELAY;

    private final String wire = name().toLowerCase(Locale.ROOT);

    /**
     * Parses the wire name.
     *
     * @param s {@code auto}, {@code p2p} or {@code relay}, case-insensitive, surrounding blanks ignored; {@code null}
     *          or blank means {@link #AUTO}
     * @return the mode
     * @throws IllegalArgumentException for any other value
     */
    public static DispatchMode parse(String s) {
        String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "", "auto" -> AUTO;
            case "p2p" -> P2P;
            case "relay" -> RELAY;
            default -> throw new IllegalArgumentException("mode must be auto, p2p or relay");
        };
    }

    /**
     * The wire name.
     *
     * @return {@code auto}, {@code p2p} or {@code relay}
     */
    public String wire() {
        return wire;
    }
}
