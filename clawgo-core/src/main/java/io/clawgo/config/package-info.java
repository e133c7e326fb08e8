/**
 * Immutable, validated configuration: {@link io.clawgo.config.GatewayConfig} (with the clawgo-compatible JSON loader),
 * its {@code p2p} and {@code dispatch} sections, TLS for the gateway ({@link io.clawgo.config.ServerTls}) and for
 * clients ({@link io.clawgo.config.ClientTls}). Invalid values raise {@link io.clawgo.config.ConfigException} naming
 * the field; see {@code docs/configuration.md}.
 */
package io.clawgo.config;
