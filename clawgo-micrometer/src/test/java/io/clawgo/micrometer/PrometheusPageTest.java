package io.clawgo.micrometer;

import static io.clawgo.micrometer.GatewayMetricsTest.TOKEN;
import static io.clawgo.micrometer.GatewayMetricsTest.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.config.ConfigException;
import io.clawgo.config.GatewayConfig;
import io.clawgo.config.MetricsConfig;
import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.testing.LoopbackRelay;
import io.clawgo.testing.PrometheusText;
import io.clawgo.testing.SeedEndpoint;
import io.clawgo.testing.TestHttp;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /metrics} with a Prometheus registry: the text format, the documented names, and who may read it. */
class PrometheusPageTest {
    /** Every meter the gateway binds before any event, as Prometheus names them (see docs/operations.md). */
    static final List<String> GATEWAY_NAMES = List.of("clawgo_nodes", "clawgo_dispatch_in_flight",
            "clawgo_control_send_queue_overflows_total", "clawgo_audit_queue_depth", "clawgo_audit_dropped_total");
    /** The meters that come with their first event, after a registration, a dispatch and an HTTP request. */
    static final List<String> EVENT_NAMES = List.of("clawgo_registrations_total", "clawgo_dispatch_seconds_bucket",
            "clawgo_dispatch_seconds_count", "clawgo_dispatch_seconds_sum", "clawgo_dispatch_seconds_max",
            "clawgo_http_requests_seconds_count", "clawgo_disconnects_total");

    @TempDir
    Path dir;

    private static Response get(String url, String token) throws Exception {
        okhttp3.Request.Builder b = new okhttp3.Request.Builder().url(url).get();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return TestHttp.CLIENT.newCall(b.build()).execute();
    }

    @Test
    void servesPrometheusTextWithTheDocumentedNamesBehindTheToken() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (SeedEndpoint endpoint = SeedEndpoint.start("edge-p");
             Gateway gw = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir)
                     .p2p(P2pConfig.disabled()).nodePolicy(LoopbackRelay.POLICY).metricsText(registry::scrape)
                     .start();
             ClawgoMetrics binding = ClawgoMetrics.bind(gw, registry)) {
            assertThat(gw.config().metrics()).isEqualTo(new MetricsConfig(true, false));
            try (NodeAgent n = NodeAgent.builder().gateway(gw.url()).token(TOKEN).id("edge-p")
                    .endpoint(endpoint.url()).build()) {
                n.start();
                assertThat(n.awaitConnected(WAIT)).isTrue();
                assertThat(gw.dispatch(new Request("run", "edge-p", "x", null, null),
                        DispatchMode.AUTO, WAIT).get().ok())
                        .isTrue();
            }
            GatewayMetricsTest.await("the node offline", () -> gw.stats().nodesOnline() == 0);

            try (Response anonymous = get(gw.url() + "/metrics", null)) {
                assertThat(anonymous.code()).isEqualTo(401);
            }
            String page;
            try (Response r = get(gw.url() + "/metrics", TOKEN)) {
                assertThat(r.code()).isEqualTo(200);
                assertThat(r.header("Content-Type")).startsWith("text/plain; version=0.0.4");
                page = r.body().string();
            }
            PrometheusText text = PrometheusText.parse(page);
            List<String> names = text.samples().stream().map(PrometheusText.Sample::name).distinct().toList();
            assertThat(names).containsAll(GATEWAY_NAMES).containsAll(EVENT_NAMES);
            assertThat(text.types()).containsEntry("clawgo_dispatch_seconds", "histogram")
                    .containsEntry("clawgo_registrations_total", "counter").containsEntry("clawgo_nodes", "gauge");
            assertThat(text.value("clawgo_nodes", Map.of("state", "offline"))).isEqualTo(1);
            assertThat(text.value("clawgo_registrations_total", Map.of("outcome", "ok"))).isEqualTo(2);
            assertThat(text.value("clawgo_dispatch_seconds_count",
                    Map.of("transport", "http_relay", "mode", "auto", "code", "ok"))).isEqualTo(1);
            assertThat(text.value("clawgo_dispatch_seconds_bucket",
                    Map.of("transport", "http_relay", "code", "ok", "le", "+Inf"))).isEqualTo(1);
            assertThat(text.value("clawgo_disconnects_total", Map.of("reason", "disconnected"))).isEqualTo(1);
            assertThat(text.value("clawgo_http_requests_seconds_count",
                    Map.of("route", "/metrics", "method", "GET", "status", "401"))).isEqualTo(1);
        }
    }

    @Test
    void aPublicPageNeedsNoToken() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        GatewayConfig config = GatewayConfig.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir)
                .metrics(new MetricsConfig(true, true)).build();
        try (Gateway gw = Gateway.builder().config(config).p2p(P2pConfig.disabled()).metricsText(registry::scrape)
                .start();
             ClawgoMetrics binding = ClawgoMetrics.bind(gw, registry)) {
            try (Response r = get(gw.url() + "/metrics", null)) {
                assertThat(r.code()).isEqualTo(200);
                assertThat(PrometheusText.parse(r.body().string()).samples()).isNotEmpty();
            }
            // the rest of the API still needs the token
            assertThat(TestHttp.get(gw.url() + "/webui/api/nodes", null).status()).isEqualTo(401);
        }
    }

    @Test
    void withoutMetricsThereIsNoPageAndEnabledMetricsNeedASource() throws Exception {
        try (Gateway gw = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir).start()) {
            assertThat(TestHttp.get(gw.url() + "/metrics", TOKEN).status()).isEqualTo(404);
        }
        GatewayConfig enabled = GatewayConfig.parse("{\"gateway\":{\"host\":\"127.0.0.1\",\"port\":0,"
                + "\"token\":\"" + TOKEN + "\",\"metrics\":{\"enabled\":true,\"public\":true}}}");
        assertThat(enabled.metrics()).isEqualTo(new MetricsConfig(true, true));
        assertThatThrownBy(() -> Gateway.builder().config(enabled).dataDir(dir).start())
                .isInstanceOf(ConfigException.class).hasMessageContaining("clawgo-micrometer");
        assertThatThrownBy(() -> GatewayConfig.parse("{\"gateway\":{\"metrics\":{\"enabled\":\"yes\"}}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("gateway.metrics.enabled");
    }
}
