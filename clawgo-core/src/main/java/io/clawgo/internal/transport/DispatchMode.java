package io.clawgo.internal.transport;

import java.util.Locale;

/** How the router picks a transport. */
public enum DispatchMode {
    /** P2P first (when preferred), relay on P2P transport failure. */
    AUTO,
    /** P2P only. */
    P2P,
    /** Relay only. */
    RELAY;

    private final String wire = name().toLowerCase(Locale.ROOT);

    /** Parses {@code auto|p2p|relay} (blank = auto). */
    public static DispatchMode parse(String s) {
        String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "", "auto" -> AUTO;
            case "p2p" -> P2P;
            case "relay" -> RELAY;
            default -> throw new IllegalArgumentException("mode must be auto, p2p or relay");
        };
    }

    public String wire() {
        return wire;
    }
}
