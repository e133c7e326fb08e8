/**
 * {@code tcp_example}: a transport written against the public SPI only ({@code io.clawgo.spi},
 * {@code io.clawgo.protocol}, {@code io.clawgo.config}), to show what a transport author writes. Start at
 * {@link io.clawgo.examples.transport.TcpExampleProvider} (the protocol in its class comment), then the gateway and
 * node sides ({@code TcpGatewayTransport}, {@code TcpNodeTransport}) and their framing ({@code FrameConnection}).
 * See {@code docs/custom-transports.md}. Not a published API.
 */
package io.clawgo.examples.transport;
