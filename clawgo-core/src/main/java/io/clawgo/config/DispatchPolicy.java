package io.clawgo.config;

/**
 * {@code gateway.nodes.dispatch}.
 *
 * @param preferP2p          in {@code auto} mode, try the P2P transport first (default {@code true})
 * @param allowRelayFallback in {@code auto} mode, retry over the relay when P2P fails before the node ran the request
 *                           (default {@code true})
 */
public record DispatchPolicy(boolean preferP2p, boolean allowRelayFallback) {
    public static final DispatchPolicy DEFAULT = new DispatchPolicy(true, true);
}
