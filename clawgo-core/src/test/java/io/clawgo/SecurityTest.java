package io.clawgo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clawgo.config.ClientTls;
import io.clawgo.config.P2pConfig;
import io.clawgo.config.ServerTls;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.testing.RawControlClient;
import io.clawgo.testing.TestHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS with a self-signed certificate, per-node tokens, and tokens kept out of output. */
class SecurityTest {
    private static final String TOKEN = "gateway-secret-token";

    @TempDir
    Path dir;

    /** Makes a self-signed key store and a trust store holding its certificate, with the JDK's keytool. */
    private static void selfSigned(Path keyStore, Path trustStore) throws Exception {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", "gw", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
                "-keystore", keyStore.toString(), "-storepass", "changeit", "-keypass", "changeit");
        Path cert = keyStore.resolveSibling("gw.cer");
        run(keytool, "-exportcert", "-alias", "gw", "-keystore", keyStore.toString(), "-storepass", "changeit",
                "-file", cert.toString());
        run(keytool, "-importcert", "-noprompt", "-alias", "gw", "-file", cert.toString(), "-storetype", "PKCS12",
                "-keystore", trustStore.toString(), "-storepass", "trustpass");
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + "\n" + out).isZero();
    }

    @Test
    void httpsAndWssWithASelfSignedCertificate() throws Exception {
        Path ks = dir.resolve("gw.p12");
        Path ts = dir.resolve("trust.p12");
        selfSigned(ks, ts);
        ClientTls trust = ClientTls.trustStore(ts, "trustpass".toCharArray());
        try (Gateway gw = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir.resolve("data"))
                .p2p(P2pConfig.disabled()).tls(new ServerTls(ks, "changeit")).start();
             GatewayClient client = GatewayClient.create(gw.url(), TOKEN, trust);
             GatewayClient untrusting = GatewayClient.create(gw.url(), TOKEN);
             NodeAgent node = NodeAgent.builder().gateway(gw.url()).token(TOKEN).id("tls-node").tls(trust)
                     .heartbeatInterval(Duration.ofSeconds(1)).build()) {
            assertThat(gw.url()).startsWith("https://127.0.0.1:");
            assertThat(client.getJson("/webui/api/version")).containsEntry("ok", true);
            assertThatThrownBy(() -> untrusting.getJson("/webui/api/version"))
                    .isInstanceOf(ClawgoException.class)
                    .satisfies(e -> assertThat(((ClawgoException) e).code()).isEqualTo("transport_error"));
            node.start();
            assertThat(node.awaitConnected(Duration.ofSeconds(10))).isTrue();
            assertThat(gw.node("tls-node")).get().matches(NodeInfo::online);
        }
    }

    @Test
    void aNodeTokenOnlyLetsItsOwnNodeRegisterAndConnect() throws Exception {
        try (Gateway gw = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir)
                .p2p(P2pConfig.disabled()).nodeTokens(Map.of("edge-1", "edge-1-secret")).start()) {
            String url = gw.url();
            assertThat(TestHttp.post(url + "/nodes/register", "edge-1-secret", "{\"id\":\"edge-1\"}").status())
                    .isEqualTo(200);
            TestHttp.Reply other = TestHttp.post(url + "/nodes/register", "edge-1-secret", "{\"id\":\"edge-2\"}");
            assertThat(other.status()).isEqualTo(403);
            assertThat(other.json()).containsEntry("code", "forbidden");
            assertThat(TestHttp.get(url + "/webui/api/nodes", "edge-1-secret").status()).isEqualTo(403);
            assertThat(TestHttp.post(url + "/nodes/heartbeat", "edge-1-secret", "{\"id\":\"edge-2\"}").status())
                    .isEqualTo(403);

            try (RawControlClient c = RawControlClient.connect(url, "edge-1-secret")) {
                Map<String, Object> ack = c.exchange("{\"type\":\"register\",\"node\":{\"id\":\"edge-9\"}}");
                assertThat(ack).containsEntry("ok", false);
                assertThat((String) ack.get("error")).contains("belongs to node edge-1");
                assertThat(c.exchange("{\"type\":\"register\",\"node\":{\"id\":\"edge-1\"}}"))
                        .containsEntry("ok", true).containsEntry("type", "registered");
            }

            AtomicReference<String> failure = new AtomicReference<>();
            try (NodeAgent impostor = NodeAgent.builder().gateway(url).token("edge-1-secret").id("edge-2")
                    .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(200))
                    .listener(new NodeAgent.Listener() {
                        @Override
                        public void onRegistrationFailed(String error) {
                            failure.compareAndSet(null, error);
                        }
                    }).build()) {
                impostor.start();
                assertThat(TestHttp.await(Duration.ofSeconds(5), () -> failure.get() != null)).isTrue();
                assertThat(impostor.isConnected()).isFalse();
                assertThat(gw.node("edge-2")).isEmpty();
            }
        }
    }

    @Test
    void tokensNeverAppearInApiOutputAndTheStateFileIsPrivate() throws Exception {
        try (Gateway gw = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir)
                .p2p(P2pConfig.disabled()).start()) {
            TestHttp.post(gw.url() + "/nodes/register", TOKEN,
                    "{\"id\":\"n1\",\"endpoint\":\"http://127.0.0.1:9\",\"token\":\"endpoint-secret-xyz\"}");
            for (String path : List.of("/webui/api/nodes", "/webui/api/version", "/webui/api/subagents_runtime?action=registry")) {
                String body = TestHttp.get(gw.url() + path, TOKEN).body();
                assertThat(body).doesNotContain("endpoint-secret-xyz").doesNotContain(TOKEN);
            }
            assertThat(gw.nodes()).allMatch(n -> n.token() == null);
            assertThat(gw.config().toString()).doesNotContain(TOKEN);
            // the state file keeps the endpoint token (the relay needs it) but only its owner can read it
            Path state = dir.resolve("nodes-state.json");
            assertThat(TestHttp.await(Duration.ofSeconds(3), () -> Files.exists(state))).isTrue();
            // a HashSet of enums: its order changes from run to run
            assertThat(Files.getPosixFilePermissions(state)).containsExactlyInAnyOrder(
                    java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                    java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        }
    }
}
