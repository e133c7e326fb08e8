package io.clawgo.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clawgo.Gateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Config files: the seed's examples load; invalid values are rejected with the field's name. */
class GatewayConfigTest {

    @Test
    void theSeedsTunnelConfigLoads(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, "{\"gateway\":{\"host\":\"0.0.0.0\",\"port\":18790,\"token\":\"YOUR_GATEWAY_TOKEN\","
                + "\"nodes\":{\"p2p\":{\"enabled\":true,\"transport\":\"websocket_tunnel\",\"stun_servers\":[],"
                + "\"ice_servers\":[]}}},\"agents\":{\"ignored\":true}}");
        GatewayConfig c = GatewayConfig.load(f);
        assertThat(c.host()).isEqualTo("0.0.0.0");
        assertThat(c.port()).isEqualTo(18790);
        assertThat(c.token()).isEqualTo("YOUR_GATEWAY_TOKEN");
        assertThat(c.p2p().enabled()).isTrue();
        assertThat(c.p2p().transport()).isEqualTo("websocket_tunnel");
        assertThat(c.toString()).doesNotContain("YOUR_GATEWAY_TOKEN");
    }

    @Test
    void everyFieldIsRead() {
        GatewayConfig c = GatewayConfig.parse("{\"gateway\":{\"port\":0,\"data_dir\":\"/tmp/x\",\"node_ttl_sec\":5,"
                + "\"offline_retention_hours\":2,\"max_message_bytes\":65536,\"audit_max_bytes\":100000,"
                + "\"max_nodes\":3,\"control_ping_sec\":7,"
                + "\"nodes\":{\"p2p\":{\"enabled\":false,\"transport\":\"WebRTC\",\"stun_servers\":[\"stun:127.0.0.1:3478\"],"
                + "\"ice_servers\":[{\"urls\":[\"turn:127.0.0.1:3478\"],\"username\":\"u\",\"credential\":\"p\"}],"
                + "\"request_timeout_sec\":9,\"max_in_flight_per_node\":3,\"ready_timeout_sec\":3,\"direct_callbacks\":true,"
                + "\"signal_max_bytes\":8192,\"signal_rate_per_sec\":5,\"signal_burst\":9,\"node_to_node_signals\":true},"
                + "\"dispatch\":{\"prefer_p2p\":false,\"allow_relay_fallback\":false}}}}");
        assertThat(c.dataDir()).isEqualTo(Path.of("/tmp/x"));
        assertThat(c.nodeTtl()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.offlineRetention()).isEqualTo(Duration.ofHours(2));
        assertThat(c.maxMessageBytes()).isEqualTo(65536);
        assertThat(c.auditMaxBytes()).isEqualTo(100000);
        assertThat(c.maxNodes()).isEqualTo(3);
        assertThat(c.controlPingInterval()).isEqualTo(Duration.ofSeconds(7));
        assertThat(c.toString()).contains("maxNodes=3").contains("controlPingInterval=PT7S");
        assertThat(c.p2p().enabled()).isFalse();
        assertThat(c.p2p().transport()).isEqualTo("webrtc");
        assertThat(c.p2p().allIceServers()).hasSize(2);
        assertThat(c.p2p().requestTimeout()).isEqualTo(Duration.ofSeconds(9));
        assertThat(c.p2p().maxInFlightPerNode()).isEqualTo(3);
        assertThat(c.p2p().readyTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.p2p().directCallbacks()).isTrue();
        assertThat(GatewayConfig.defaults().p2p().directCallbacks()).isFalse();
        assertThat(c.p2p().signalMaxBytes()).isEqualTo(8192);
        assertThat(c.p2p().signalRatePerSec()).isEqualTo(5);
        assertThat(c.p2p().signalBurst()).isEqualTo(9);
        assertThat(c.p2p().nodeToNodeSignals()).isTrue();
        assertThat(c.p2p().withTransport("x").withReadyTimeout(null).withMaxInFlightPerNode(2)
                .withDirectCallbacks(false).withIce(null, null).withEnabled(true))
                .as("other copies keep the signal values").matches(p -> p.signalMaxBytes() == 8192 && p.signalRatePerSec() == 5 && p.signalBurst() == 9
                        && p.nodeToNodeSignals());
        P2pConfig d = GatewayConfig.defaults().p2p();
        assertThat(d.signalMaxBytes()).isEqualTo(65536);
        assertThat(d.signalRatePerSec()).isEqualTo(64);
        assertThat(d.signalBurst()).isEqualTo(256);
        assertThat(d.nodeToNodeSignals()).isFalse();
        assertThat(P2pConfig.builder().transport(null).stunServers(null).iceServers(null).requestTimeout(null)
                .maxInFlightPerNode(0).readyTimeout(null).build()).isEqualTo(P2pConfig.defaults());
        assertThat(c.dispatch()).isEqualTo(new DispatchPolicy(false, false));
        assertThat(c.p2p().iceServers().get(0).toString()).doesNotContain("\"p\"").doesNotContain("credential");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"gateway\":{\"port\":70000}}|gateway.port must be in 0..65535",
            "{\"gateway\":{\"port\":\"18790\"}}|gateway.port must be an integer",
            "{\"gateway\":{\"port\":1.5}}|gateway.port must be an integer",
            "{\"gateway\":{\"host\":5}}|gateway.host must be a string",
            "{\"gateway\":[]}|gateway must be an object",
            "{\"gateway\":{\"node_ttl_sec\":0}}|gateway.node_ttl_sec must be > 0",
            "{\"gateway\":{\"max_message_bytes\":10}}|gateway.max_message_bytes must be >= 4096",
            "{\"gateway\":{\"max_message_bytes\":2147483647}}|gateway.max_message_bytes must be <= 67108864 (64 MiB)",
            "{\"gateway\":{\"port\":1,\"port\":2}}|config: invalid json: duplicate key \"port\"",
            "{\"gateway\":{\"nodes\":{\"tokens\":{\"b\":\"shared-secret\",\"a\":\"shared-secret\"}}}}|gateway.nodes.tokens.b must differ from the token of node a",
            "{\"gateway\":{\"nodes\":{\"p2p\":{\"signal_max_bytes\":100}}}}|gateway.nodes.p2p.signal_max_bytes must be in 4096..67108864",
            "{\"gateway\":{\"nodes\":{\"p2p\":{\"signal_max_bytes\":0}}}}|gateway.nodes.p2p.signal_max_bytes must be > 0",
            "{\"gateway\":{\"nodes\":{\"p2p\":{\"signal_rate_per_sec\":0}}}}|gateway.nodes.p2p.signal_rate_per_sec must be > 0",
            "{\"gateway\":{\"nodes\":{\"p2p\":{\"signal_burst\":-1}}}}|gateway.nodes.p2p.signal_burst must be > 0",
            "{\"gateway\":{\"nodes\":{\"p2p\":{\"node_to_node_signals\":1}}}}|gateway.nodes.p2p.node_to_node_signals must be true or false",
            "{\"gateway\":{\"max_nodes\":0}}|gateway.max_nodes must be > 0",
            "{\"gateway\":{\"max_nodes\":-5}}|gateway.max_nodes must be > 0",
            "{\"gateway\":{\"max_nodes\":\"many\"}}|gateway.max_nodes must be an integer",
            "{\"gateway\":{\"control_ping_sec\":-1}}|gateway.control_ping_sec must be >= 0",
            "{\"gateway\":{\"control_ping_sec\":2.5}}|gateway.control_ping_sec must be an integer",
            "{\"gateway\":{\"nodes\":{\"p2p\":{\"enabled\":\"yes\"}}}}|gateway.nodes.p2p.enabled must be true or false",
            "{\"gateway\":{\"nodes\":{\"p2p\":{\"stun_servers\":[\"\"]}}}}|gateway.nodes.p2p.stun_servers[0] must not be empty",
            "{\"gateway\":{\"nodes\":{\"p2p\":{\"stun_servers\":\"stun:x\"}}}}|gateway.nodes.p2p.stun_servers must be an array",
            "{\"gateway\":{\"nodes\":{\"p2p\":{\"ice_servers\":[{\"urls\":[\"turn:x:3478\"]}]}}}}|gateway.nodes.p2p.ice_servers[0].username is required",
            "{\"gateway\":{\"nodes\":{\"p2p\":{\"ice_servers\":[{\"urls\":[\"turn:x:3478\"],\"username\":\"u\"}]}}}}|gateway.nodes.p2p.ice_servers[0].credential is required",
            "{\"gateway\":{\"nodes\":{\"p2p\":{\"ice_servers\":[{\"urls\":[\"http://x\"]}]}}}}|gateway.nodes.p2p.ice_servers[0].urls[0] must start with",
            "{\"gateway\":{\"nodes\":{\"p2p\":{\"transport\":\"web rtc\"}}}}|gateway.nodes.p2p.transport must be a provider name",
            "{\"gateway\":{\"nodes\":{\"dispatch\":{\"prefer_p2p\":1}}}}|gateway.nodes.dispatch.prefer_p2p must be true or false",
            "{not json|config: invalid json"})
    void invalidValuesNameTheirField(String json, String message) {
        assertThatThrownBy(() -> GatewayConfig.parse(json)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(message);
    }

    @Test
    void nodeLimitAndControlPingHaveDefaultsCopiesAndChecks() {
        GatewayConfig d = GatewayConfig.defaults();
        assertThat(d.maxNodes()).isEqualTo(GatewayConfig.DEFAULT_MAX_NODES).isEqualTo(50_000);
        assertThat(d.controlPingInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(GatewayConfig.parse("{\"gateway\":{}}").maxNodes()).isEqualTo(50_000);
        assertThat(GatewayConfig.parse("{\"gateway\":{\"control_ping_sec\":0}}").controlPingInterval())
                .as("0 turns the pings off").isZero();

        GatewayConfig c = d.withPort(0).withMaxNodes(7).withControlPingInterval(Duration.ofMillis(250));
        assertThat(c.maxNodes()).isEqualTo(7);
        assertThat(c.controlPingInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.withToken("t").withNodeTtl(Duration.ofSeconds(3)))
                .as("other copies keep both").matches(x -> x.maxNodes() == 7)
                .matches(x -> x.controlPingInterval().equals(Duration.ofMillis(250)));
        assertThat(c.withMaxNodes(0).maxNodes()).as("0 means the default").isEqualTo(50_000);
        assertThat(c.withControlPingInterval(null).controlPingInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.validate()).isSameAs(c);

        assertThatThrownBy(() -> d.withMaxNodes(-1).validate()).isInstanceOf(ConfigException.class)
                .hasMessage("gateway.max_nodes must be > 0");
        assertThatThrownBy(() -> d.withControlPingInterval(Duration.ofMillis(50)).validate())
                .isInstanceOf(ConfigException.class).hasMessageContaining("gateway.control_ping_sec")
                .hasMessageContaining("at least 100 ms");
        assertThatThrownBy(() -> Gateway.builder().port(0).maxNodes(-3).start()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("gateway.max_nodes");
    }

    @Test
    void tlsAndNodeTokensAreReadAndChecked(@TempDir Path dir) throws Exception {
        Path ks = Files.writeString(dir.resolve("ks.p12"), "not really a key store");
        GatewayConfig c = GatewayConfig.parse("{\"gateway\":{\"token\":\"gw-token\",\"tls\":{\"keystore\":\""
                + ks + "\",\"keystore_password\":\"pw\"},\"nodes\":{\"tokens\":{\"edge-1\":\"0123456789\"}}}}");
        assertThat(c.tls().keyStore()).isEqualTo(ks);
        assertThat(c.nodeTokens()).containsEntry("edge-1", "0123456789");
        assertThat(c.toString()).doesNotContain("pw\"").doesNotContain("0123456789").doesNotContain("gw-token");
        assertThatThrownBy(() -> GatewayConfig.parse("{\"gateway\":{\"tls\":{\"keystore\":\"/nope.p12\"}}}"))
                .hasMessageContaining("gateway.tls.keystore: cannot read");
        assertThatThrownBy(() -> GatewayConfig.parse("{\"gateway\":{\"tls\":{}}}"))
                .hasMessageContaining("gateway.tls.keystore is required");
        assertThatThrownBy(() -> GatewayConfig.parse("{\"gateway\":{\"nodes\":{\"tokens\":{\"edge-1\":\"short\"}}}}"))
                .hasMessageContaining("gateway.nodes.tokens.edge-1 must be at least 8 characters");
        assertThatThrownBy(() -> GatewayConfig.parse("{\"gateway\":{\"nodes\":{\"tokens\":{\"bad id\":\"0123456789\"}}}}"))
                .hasMessageContaining("is not a valid node id");
    }

    @Test
    void aMissingFileIsAClearError(@TempDir Path dir) {
        assertThatThrownBy(() -> GatewayConfig.load(dir.resolve("nope.json")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cannot read config file");
    }

    @Test
    void anUnknownTransportFailsTheStartAndListsWhatWasFound(@TempDir Path dir) {
        assertThatThrownBy(() -> Gateway.builder().host("127.0.0.1").port(0).dataDir(dir).transport("webrtc").start())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("no transport 'webrtc' on the class path")
                .hasMessageContaining("add io.clawgo:clawgo-transport-webrtc")
                .hasMessageContaining("found: http_relay");
        assertThatThrownBy(() -> Gateway.builder().host("127.0.0.1").port(0).dataDir(dir).transport("carrier_pigeon").start())
                .isInstanceOf(ConfigException.class).hasMessageContaining("carrier_pigeon");
    }

    @Test
    void theClusterSectionIsReadAndCheckedAndItsSecretsAreNotPrinted() {
        GatewayConfig c = GatewayConfig.parse("{\"gateway\":{\"cluster\":{\"provider\":\"NATS\","
                + "\"servers\":[\"nats://10.0.0.5:4222\",\" nats://10.0.0.6:4222 \"],\"name\":\"prod\","
                + "\"advertise_url\":\"https://gw-a:18790\",\"options\":{\"password\":\"hunter2\",\"heartbeat_ms\":500}}}}");
        assertThat(c.cluster().enabled()).isTrue();
        assertThat(c.cluster().provider()).isEqualTo("nats");
        assertThat(c.cluster().servers()).containsExactly("nats://10.0.0.5:4222", "nats://10.0.0.6:4222");
        assertThat(c.cluster().name()).isEqualTo("prod");
        assertThat(c.cluster().advertiseUrl()).isEqualTo("https://gw-a:18790");
        assertThat(c.cluster().options()).containsEntry("heartbeat_ms", "500").containsEntry("password", "hunter2");
        assertThat(c.toString()).contains("provider=nats").doesNotContain("hunter2");
        assertThat(GatewayConfig.defaults().cluster().enabled()).isFalse();
        assertThat(GatewayConfig.defaults().cluster().provider()).isEqualTo(ClusterConfig.LOCAL);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"gateway\":{\"cluster\":{\"provider\":\"nats\"}}}|gateway.cluster.servers must name at least one server",
            "{\"gateway\":{\"cluster\":{\"provider\":\"nats\",\"servers\":[\"nats://x:4222\"],\"name\":\"a.b\"}}}|gateway.cluster.name must be 1..64",
            "{\"gateway\":{\"cluster\":{\"servers\":\"nats://x:4222\"}}}|gateway.cluster.servers must be an array",
            "{\"gateway\":{\"cluster\":{\"provider\":\"nats\",\"servers\":[\"x\"],\"options\":{\"a\":{}}}}}|gateway.cluster.options.a must be a string",
    })
    void badClusterSettingsNameTheirField(String json, String message) {
        assertThatThrownBy(() -> GatewayConfig.parse(json)).isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    @Test
    void aClusterProviderThatIsNotOnTheClassPathFailsTheStartNamingTheArtifact(@TempDir Path dir) {
        assertThatThrownBy(() -> Gateway.builder().host("127.0.0.1").port(0).token("tok-cluster").dataDir(dir)
                .cluster(ClusterConfig.builder().provider("nats").servers(java.util.List.of("nats://127.0.0.1:1"))
                        .build()).start())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("no cluster provider 'nats'")
                .hasMessageContaining("io.clawgo:clawgo-cluster-nats")
                .hasMessageContaining("local");
    }
}
