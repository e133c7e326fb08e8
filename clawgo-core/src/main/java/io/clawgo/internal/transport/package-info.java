/**
 * How the gateway sends a request to a node. Start at {@link io.clawgo.internal.transport.NodeDispatcher} (the one
 * entry point: node checks, routing, dispatch audit), then {@link io.clawgo.internal.transport.Router} (which
 * transport, and the fallback of {@code auto} mode). {@link io.clawgo.internal.transport.TransportCatalog} finds the
 * transport providers; the built-in {@code http_relay} ({@link io.clawgo.internal.transport.HttpRelayTransport}) is
 * guarded by {@link io.clawgo.internal.transport.RelayGuard}. Not a public API: it may change without notice.
 */
package io.clawgo.internal.transport;
