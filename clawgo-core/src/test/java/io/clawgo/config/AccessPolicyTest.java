package io.clawgo.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The keys of {@link AccessPolicy}: defaults, parsing from the {@code gateway} object, validation. */
class AccessPolicyTest {

    private static AccessPolicy parse(String gatewayFields) {
        return GatewayConfig.parse("{\"gateway\":{" + gatewayFields + "}}").access();
    }

    @Test
    void defaults() {
        AccessPolicy p = AccessPolicy.defaults();
        assertThat(p.allowUnauthenticated()).isFalse();
        assertThat(p.allowedOrigins()).isEmpty();
        assertThat(p.allowedHosts()).isEmpty();
        assertThat(p.maxConnections()).isZero();
        assertThat(p.minRequestDataRate()).isEqualTo(8192);
        assertThat(p.requestBodyGrace()).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.maxSocketsPerNodeToken()).isEqualTo(4);
        assertThat(p.maxSocketsPerAddress()).isZero();
        assertThat(p.registerTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.partialMessagesMaxBytes()).isZero();
        assertThat(parse("")).isEqualTo(p);
        assertThat(GatewayConfig.defaults().host()).isEqualTo("127.0.0.1");
    }

    @Test
    void everyKeyIsReadFromTheGatewayObject() {
        AccessPolicy p = parse("\"auth\":\"none\",\"allowed_origins\":[\"HTTPS://UI.Example.com:443\",\"*\"],"
                + "\"allowed_hosts\":[\" GW.example.lan \"],\"max_connections\":7,\"min_request_data_rate\":0,"
                + "\"request_body_grace_sec\":3,\"max_sockets_per_node_token\":2,\"max_sockets_per_address\":9,"
                + "\"register_timeout_sec\":4,\"partial_messages_max_bytes\":123456789012");
        assertThat(p.allowUnauthenticated()).isTrue();
        assertThat(p.allowedOrigins()).containsExactly("https://ui.example.com", "*");
        assertThat(p.allowedHosts()).containsExactly("gw.example.lan");
        assertThat(p.maxConnections()).isEqualTo(7);
        assertThat(p.minRequestDataRate()).isZero();
        assertThat(p.requestBodyGrace()).isEqualTo(Duration.ofSeconds(3));
        assertThat(p.maxSocketsPerNodeToken()).isEqualTo(2);
        assertThat(p.maxSocketsPerAddress()).isEqualTo(9);
        assertThat(p.registerTimeout()).isEqualTo(Duration.ofSeconds(4));
        assertThat(p.partialMessagesMaxBytes()).isEqualTo(123456789012L);
        assertThat(p.toBuilder().build()).isEqualTo(p).hasSameHashCodeAs(p);
        assertThat(p.toString()).contains("allowUnauthenticated=true", "gw.example.lan");
    }

    @Test
    void badValuesNameTheirKey() {
        List<String[]> bad = List.of(
                new String[] {"\"auth\":\"off\"", "gateway.auth"},
                new String[] {"\"allowed_origins\":[\"ftp://x\"]", "gateway.allowed_origins"},
                new String[] {"\"allowed_origins\":[\"https://x/path\"]", "gateway.allowed_origins"},
                new String[] {"\"allowed_origins\":\"https://x\"", "gateway.allowed_origins"},
                new String[] {"\"allowed_hosts\":[\"gw.lan:8080\"]", "gateway.allowed_hosts"},
                new String[] {"\"allowed_hosts\":[\"\"]", "gateway.allowed_hosts"},
                new String[] {"\"max_connections\":-1", "gateway.max_connections"},
                new String[] {"\"min_request_data_rate\":-1", "gateway.min_request_data_rate"},
                new String[] {"\"request_body_grace_sec\":0", "gateway.request_body_grace_sec"},
                new String[] {"\"max_sockets_per_node_token\":0", "gateway.max_sockets_per_node_token"},
                new String[] {"\"max_sockets_per_address\":-2", "gateway.max_sockets_per_address"},
                new String[] {"\"register_timeout_sec\":0", "gateway.register_timeout_sec"},
                new String[] {"\"partial_messages_max_bytes\":-5", "gateway.partial_messages_max_bytes"},
                new String[] {"\"partial_messages_max_bytes\":1.5", "gateway.partial_messages_max_bytes"});
        for (String[] b : bad) {
            assertThatThrownBy(() -> parse(b[0])).as(b[0]).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(b[1]);
        }
        assertThatThrownBy(() -> GatewayConfig.defaults().toBuilder()
                .access(AccessPolicy.builder().registerTimeout(Duration.ofMillis(10)).build()).build().validate())
                .isInstanceOf(ConfigException.class).hasMessageContaining("register_timeout_sec");
    }
}
