package io.clawgo.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.testing.TestHttp;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/** {@code clawgo gateway} as a real child process. */
@Execution(ExecutionMode.CONCURRENT)
class GatewayCliTest {
    private static final String READY = "^clawgo gateway listening on (http://127\\.0\\.0\\.1:(\\d+)) \\(p2p: ([^)]+)\\)$";
    private static final Duration START = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void portZeroPrintsTheRealUrlServesTheApiAndStopsOnSigterm() throws Exception {
        String token = "gateway-cli-token";
        try (CliProcess gw = CliProcess.start("gateway", "--host", "127.0.0.1", "--port", "0", "--token", token,
                "--data-dir", dir.toString(), "--transport", "websocket_tunnel", "--node-ttl-sec", "5")) {
            Matcher ready = gw.awaitStdout(READY, START);
            String url = ready.group(1);
            assertThat(Integer.parseInt(ready.group(2))).isPositive();
            assertThat(ready.group(3)).isEqualTo("websocket_tunnel");

            TestHttp.Reply version = TestHttp.get(url + "/webui/api/version", token);
            assertThat(version.status()).as(version.body()).isEqualTo(200);
            assertThat(version.json().get("p2p_transport")).isEqualTo("websocket_tunnel");
            assertThat(TestHttp.get(url + "/webui/api/version", null).status()).isEqualTo(401);

            long t0 = System.nanoTime();
            gw.terminate();
            assertThat(gw.waitFor(Duration.ofSeconds(10))).as(gw.dump()).isZero();
            assertThat((System.nanoTime() - t0) / 1_000_000).as("stop time").isLessThan(5_000);
            assertThat(String.join("\n", gw.stdout()) + String.join("\n", gw.stderr()))
                    .as("the configured token is never printed").doesNotContain(token);
            assertThat(Files.exists(dir)).isTrue();
        }
    }

    @Test
    void metricsServesPrometheusTextBehindTheTokenOrPublicFromTheConfigFile() throws Exception {
        String token = "gateway-cli-metrics";
        try (CliProcess gw = CliProcess.start("gateway", "--host", "127.0.0.1", "--port", "0", "--token", token,
                "--data-dir", dir.resolve("a").toString(), "--transport", "websocket_tunnel", "--metrics")) {
            String url = gw.awaitStdout(READY, START).group(1);
            gw.awaitStdout("^Metrics: " + java.util.regex.Pattern.quote(url + "/metrics") + " \\(Prometheus text, "
                    + "with the token\\)$", Duration.ofSeconds(5));
            assertThat(TestHttp.get(url + "/metrics", null).status()).isEqualTo(401);
            assertThat(TestHttp.get(url + "/webui/api/version", token).status()).isEqualTo(200);
            TestHttp.Reply page = TestHttp.get(url + "/metrics", token);
            assertThat(page.status()).isEqualTo(200);
            io.clawgo.testing.PrometheusText text = io.clawgo.testing.PrometheusText.parse(page.body());
            assertThat(text.types()).containsEntry("clawgo_nodes", "gauge")
                    .containsEntry("clawgo_dispatch_in_flight", "gauge")
                    .containsEntry("clawgo_p2p_sessions", "gauge")
                    .containsEntry("clawgo_http_requests_seconds", "summary");
            assertThat(text.value("clawgo_http_requests_seconds_count", Map.of("route", "/webui/api/version",
                    "status", "200"))).isEqualTo(1);
            assertThat(text.value("clawgo_dispatch_in_flight", Map.of("transport", "websocket_tunnel"))).isZero();
            gw.terminate();
            assertThat(gw.waitFor(Duration.ofSeconds(10))).as(gw.dump()).isZero();
        }
        Path config = Files.writeString(dir.resolve("gateway.json"),
                "{\"gateway\":{\"metrics\":{\"enabled\":true,\"public\":true}}}");
        try (CliProcess gw = CliProcess.start("gateway", "--config", config.toString(), "--host", "127.0.0.1",
                "--port", "0", "--token", token, "--data-dir", dir.resolve("b").toString())) {
            String url = gw.awaitStdout(READY, START).group(1);
            TestHttp.Reply page = TestHttp.get(url + "/metrics", null);
            assertThat(page.status()).isEqualTo(200);
            assertThat(io.clawgo.testing.PrometheusText.parse(page.body()).types()).containsKey("clawgo_nodes");
            assertThat(TestHttp.get(url + "/webui/api/version", null).status()).isEqualTo(401);
        }
    }

    @Test
    void withoutATokenOneIsGeneratedAndPrintedOnce() throws Exception {
        try (CliProcess gw = CliProcess.start("gateway", "--host", "127.0.0.1", "--port", "0",
                "--data-dir", dir.toString())) {
            String url = gw.awaitStdout(READY, START).group(1);
            String token = gw.awaitStdout("generated (cg_[0-9a-f]{32}) ", Duration.ofSeconds(5)).group(1);
            gw.awaitStdout("^Web UI: " + java.util.regex.Pattern.quote(url + "/"), Duration.ofSeconds(5));

            assertThat(TestHttp.get(url + "/webui/api/version", token).status()).isEqualTo(200);
            assertThat(TestHttp.get(url + "/webui/api/version", null).status()).isEqualTo(401);

            gw.terminate();
            assertThat(gw.waitFor(Duration.ofSeconds(10))).as(gw.dump()).isZero();
            String all = String.join("\n", gw.stdout()) + "\n" + String.join("\n", gw.stderr());
            assertThat(all.split(token, -1)).as("printed exactly once\n" + gw.dump()).hasSize(2);
        }
    }

    @Test
    void configFileIsLoadedAndFlagsOverrideIt() throws Exception {
        Path cfg = dir.resolve("gateway.json");
        Files.writeString(cfg, "{\"gateway\":{\"host\":\"127.0.0.1\",\"port\":18790,\"token\":\"file-token\","
                + "\"nodes\":{\"p2p\":{\"enabled\":true,\"transport\":\"websocket_tunnel\"}}}}");
        try (CliProcess gw = CliProcess.start(Map.of("CLAWGO_GATEWAY_TOKEN", "env-token"),
                "gateway", "--config", cfg.toString(), "--port", "0", "--data-dir", dir.resolve("data").toString())) {
            Matcher ready = gw.awaitStdout(READY, START);
            String url = ready.group(1);
            assertThat(ready.group(2)).isNotEqualTo("18790");
            assertThat(ready.group(3)).isEqualTo("websocket_tunnel");
            // the file's token wins over the environment's, which is only a fallback
            assertThat(TestHttp.get(url + "/webui/api/version", "file-token").status()).isEqualTo(200);
            assertThat(TestHttp.get(url + "/webui/api/version", "env-token").status()).isEqualTo(401);
            gw.terminate();
            assertThat(gw.waitFor(Duration.ofSeconds(10))).as(gw.dump()).isZero();
        }
    }

    @Test
    void configWithAnInvalidPortExits2NamingTheField() throws Exception {
        Path cfg = dir.resolve("bad-port.json");
        Files.writeString(cfg, "{\"gateway\":{\"port\":70000}}");

        CliProcess.Result r = CliProcess.run(START, "gateway", "--config", cfg.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).as(r.toString()).hasSize(1);
        assertThat(r.stderr().get(0)).startsWith("error: ").contains("gateway.port");
        assertThat(r.stdout()).isEmpty();
    }

    @Test
    void configWithATurnServerWithoutUsernameExits2NamingTheField() throws Exception {
        Path cfg = dir.resolve("bad-turn.json");
        Files.writeString(cfg, "{\"gateway\":{\"nodes\":{\"p2p\":{\"transport\":\"webrtc\","
                + "\"ice_servers\":[{\"urls\":[\"turn:turn.example.org:3478\"]}]}}}}");

        CliProcess.Result r = CliProcess.run(START, "gateway", "--config", cfg.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).as(r.toString()).hasSize(1);
        assertThat(r.stderr().get(0)).startsWith("error: ").contains("gateway.nodes.p2p.ice_servers[0].username");
    }

    @Test
    void anUnknownTransportExits2ListingTheKnownOnes() throws Exception {
        CliProcess.Result r = CliProcess.run(START, "gateway", "--host", "127.0.0.1", "--port", "0",
                "--token", "t", "--data-dir", dir.toString(), "--transport", "carrier_pigeon");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.errorLines()).as(r.toString()).hasSize(1);
        assertThat(r.errorLines().get(0)).contains("carrier_pigeon", "websocket_tunnel");
    }

    @Test
    void aPortInUseExits1WithOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            CliProcess.Result r = CliProcess.run(START, "gateway", "--host", "127.0.0.1",
                    "--port", String.valueOf(taken.getLocalPort()), "--token", "t", "--data-dir", dir.toString());

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            List<String> errors = r.errorLines();
            assertThat(errors).as(r.toString()).hasSize(1);
            assertThat(errors.get(0)).contains(String.valueOf(taken.getLocalPort()));
            assertThat(r.stdout()).as(r.toString()).isEmpty();
        }
    }

    @Test
    void authNoneInTheConfigFileRunsWithoutAGeneratedToken() throws Exception {
        Path cfg = dir.resolve("open.json");
        Files.writeString(cfg, "{\"gateway\":{\"host\":\"127.0.0.1\",\"port\":0,\"auth\":\"none\","
                + "\"nodes\":{\"p2p\":{\"enabled\":false}}}}");
        try (CliProcess gw = CliProcess.start("gateway", "--config", cfg.toString(), "--data-dir",
                dir.resolve("data").toString())) {
            String url = gw.awaitStdout(READY, START).group(1);
            gw.awaitStdout("^Web UI: ", Duration.ofSeconds(5));
            assertThat(TestHttp.get(url + "/webui/api/version", null).status()).isEqualTo(200);
            gw.terminate();
            assertThat(gw.waitFor(Duration.ofSeconds(10))).as(gw.dump()).isZero();
            assertThat(String.join("\n", gw.stdout())).as(gw.dump()).doesNotContain("generated");
            assertThat(String.join("\n", gw.stderr())).as(gw.dump()).contains("authentication is disabled");
        }
    }

    @Test
    void noAuthIsTheExplicitOptOutBeyondLoopback() throws Exception {
        // 192.0.2.1 (TEST-NET-1) is no address of this machine: past the token check, the start fails at the bind
        CliProcess.Result r = CliProcess.run(START, "gateway", "--host", "192.0.2.1", "--port", "0", "--no-auth",
                "--data-dir", dir.toString(), "--transport", "relay");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.errorLines()).as(r.toString()).hasSize(1);
        assertThat(r.errorLines().get(0)).contains("cannot listen on 192.0.2.1");
    }
}
