/**
 * Micrometer meters of clawgo: {@link io.clawgo.micrometer.ClawgoMetrics} binds those of a gateway or a node agent to
 * a {@code MeterRegistry}. Core does not depend on Micrometer; this module reads only core's public API.
 */
package io.clawgo.micrometer;
