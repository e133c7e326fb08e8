package io.clawgo.config;

/**
 * {@code gateway.nodes.dispatch}: how {@code auto} mode picks transports. With {@code preferP2p} false, {@code auto}
 * uses the relay only; with {@code allowRelayFallback} false, it never falls back from P2P to the relay (the relay is
 * still used when there is no P2P transport).
 *
 * @param preferP2p          in {@code auto} mode, try the P2P transport first (default {@code true})
 * @param allowRelayFallback in {@code auto} mode, retry over the relay when P2P fails before the node ran the request
 *                           (default {@code true})
 */
public record DispatchPolicy(boolean preferP2p, boolean allowRelayFallback) {
    /** Prefer P2P and fall back to the relay: {@code prefer_p2p} and {@code allow_relay_fallback} both true. */
    public static final DispatchPolicy DEFAULT = new DispatchPolicy(true, true);
}
