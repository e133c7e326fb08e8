package io.clawgo.config;

import com.google.gson.JsonObject;

/**
 * {@code gateway.metrics}: whether the gateway serves {@code GET /metrics} (Prometheus text format) and who may read
 * it. Core does not make the metrics: the text comes from what the application gave
 * {@code Gateway.Builder.metricsText(...)}, for example a Prometheus registry of {@code io.clawgo:clawgo-micrometer}
 * (the {@code clawgo gateway} command does this by itself).
 *
 * <pre>{@code
 * "metrics": {"enabled": true, "public": false}
 * }</pre>
 *
 * @param enabled  serve {@code /metrics} (default {@code false}); a gateway started with it and without a metrics
 *                 source fails to start with a message that says what to add
 * @param open     serve it without the gateway token ({@code public}, default {@code false}: the page names nodes,
 *                 transports and error codes, so it needs the token like the API)
 */
public record MetricsConfig(boolean enabled, boolean open) {

    /** Off: no {@code /metrics} route. */
    public static final MetricsConfig DISABLED = new MetricsConfig(false, false);

    /** {@code gateway.metrics} of a config file; {@link #DISABLED} when absent. */
    static MetricsConfig parse(JsonObject gateway) {
        JsonObject m = JsonFields.object(gateway, "metrics", "gateway.metrics");
        if (m == null) {
            return DISABLED;
        }
        return new MetricsConfig(JsonFields.bool(m, "enabled", "gateway.metrics.enabled", false),
                JsonFields.bool(m, "public", "gateway.metrics.public", false));
    }
}
