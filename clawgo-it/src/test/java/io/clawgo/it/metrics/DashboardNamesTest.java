package io.clawgo.it.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.it.Repo;
import io.clawgo.micrometer.ClawgoMetrics;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.testing.LoopbackRelay;
import io.clawgo.testing.PrometheusText;
import io.clawgo.testing.SeedEndpoint;
import io.clawgo.testing.TestHttp;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/grafana-dashboard.json and docs/operations.md use the names a real gateway and node agent publish: a gateway
 * running the tunnel and a node agent, bound to one Prometheus registry, serve {@code /metrics} after a few events,
 * and every {@code clawgo_*} name of the dashboard's queries and of the operations page's meter table is on it.
 */
class DashboardNamesTest {
    private static final String TOKEN = "dashboard-names";
    private static final Pattern PROM_NAME = Pattern.compile("clawgo_[a-z0-9_]+");
    /** A meter of the operations page's tables: {@code | `clawgo.x.y` ...}. */
    private static final Pattern TABLE_METER = Pattern.compile("^\\| `(clawgo\\.[a-z0-9_.]+)`");

    @TempDir
    Path dir;

    @Test
    void theDashboardAndTheMeterTableNameWhatIsPublished() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        String page;
        try (SeedEndpoint endpoint = SeedEndpoint.start("relay-only");
             Gateway gw = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir)
                     .transport("websocket_tunnel").nodePolicy(LoopbackRelay.POLICY).metricsText(registry::scrape)
                     .start();
             ClawgoMetrics gatewayMeters = ClawgoMetrics.bind(gw, registry);
             NodeAgent tunnel = NodeAgent.builder().gateway(gw.url()).token(TOKEN).id("edge-d")
                     .handler(r -> Response.ok(Map.of("result", "ok"))).build();
             ClawgoMetrics nodeMeters = ClawgoMetrics.bind(tunnel, registry);
             NodeAgent relayOnly = NodeAgent.builder().gateway(gw.url()).token(TOKEN).id("edge-r")
                     .endpoint(endpoint.url()).transports(List.of()).build()) {
            tunnel.start();
            relayOnly.start();
            assertThat(tunnel.awaitConnected(Duration.ofSeconds(20))).isTrue();
            assertThat(relayOnly.awaitConnected(Duration.ofSeconds(20))).isTrue();
            assertThat(gw.dispatch(new Request("run", "edge-d", "x", null, null),
                    DispatchMode.P2P, Duration.ofSeconds(20))
                    .get().ok()).isTrue();
            assertThat(gw.dispatch(new Request("run", "edge-r", "x", null, null),
                    DispatchMode.AUTO, Duration.ofSeconds(20))
                    .get().ok()).isTrue();
            relayOnly.close();
            assertThat(TestHttp.await(Duration.ofSeconds(20), () -> gw.stats().nodesOnline() == 1)).isTrue();
            TestHttp.Reply reply = TestHttp.get(gw.url() + "/metrics", TOKEN);
            assertThat(reply.status()).isEqualTo(200);
            page = reply.body();
        }
        PrometheusText text = PrometheusText.parse(page);
        Set<String> published = text.samples().stream().map(PrometheusText.Sample::name)
                .collect(Collectors.toCollection(TreeSet::new));

        String dashboard = Files.readString(Repo.root().resolve("docs/grafana-dashboard.json"));
        Set<String> used = new TreeSet<>();
        Matcher m = PROM_NAME.matcher(dashboard);
        while (m.find()) {
            used.add(m.group());
        }
        assertThat(used).as("names the dashboard queries").isNotEmpty();
        assertThat(published).as("published names").containsAll(used);

        Set<String> documented = new TreeSet<>();
        for (String line : Files.readAllLines(Repo.root().resolve("docs/operations.md"))) {
            Matcher t = TABLE_METER.matcher(line);
            if (t.find()) {
                documented.add(t.group(1));
            }
        }
        Set<String> families = text.types().keySet();
        Set<String> undocumentedOnPage = new TreeSet<>();
        for (String family : families) {
            if (family.startsWith("clawgo_") && documented.stream().noneMatch(d -> family.startsWith(
                    d.replace('.', '_')))) {
                undocumentedOnPage.add(family);
            }
        }
        assertThat(undocumentedOnPage).as("published families missing from the table of docs/operations.md")
                .isEmpty();
        for (String meter : documented) {
            assertThat(families).as("the documented meter %s is published", meter)
                    .anyMatch(f -> f.startsWith(meter.replace('.', '_')));
        }
    }
}
