/**
 * The Transport SPI: a {@link io.clawgo.spi.TransportProvider} found with {@link java.util.ServiceLoader} creates
 * the gateway side ({@link io.clawgo.spi.GatewayTransport}) and the node side ({@link io.clawgo.spi.NodeTransport}) of
 * a data plane, given what core offers them ({@link io.clawgo.spi.GatewayContext}, {@link io.clawgo.spi.NodeContext},
 * {@link io.clawgo.spi.ControlChannel}). See {@code docs/custom-transports.md}.
 */
package io.clawgo.spi;
