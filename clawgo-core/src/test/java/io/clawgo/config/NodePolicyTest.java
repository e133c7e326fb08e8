package io.clawgo.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** gateway.nodes.relay, max_register_changes_per_min and max_stored_text_chars: parsing, defaults, errors. */
class NodePolicyTest {
    private static GatewayConfig parse(String nodes) {
        return GatewayConfig.parse("{\"gateway\":{\"host\":\"127.0.0.1\",\"token\":\"t0ken-for-tests\",\"nodes\":{"
                + nodes + "}}}");
    }

    @Test
    void defaults() {
        NodePolicy p = NodePolicy.defaults();
        assertThat(p.relayAllow()).isEmpty();
        assertThat(p.relayDeny()).isEmpty();
        assertThat(p.maxRegisterChangesPerMinute()).isEqualTo(10);
        assertThat(p.maxStoredTextChars()).isEqualTo(4096);
        assertThat(parse("").nodePolicy()).isEqualTo(p);
    }

    @Test
    void keysAreRead() {
        NodePolicy p = parse("\"relay\":{\"allow\":[\" 127.0.0.1 \",\"10.0.0.0/8\",\"Node-1.Example.org\"],"
                + "\"deny\":[\"fc00::/7\"]},\"max_register_changes_per_min\":30,\"max_stored_text_chars\":1000")
                .nodePolicy();
        assertThat(p.relayAllow()).containsExactly("127.0.0.1", "10.0.0.0/8", "Node-1.Example.org");
        assertThat(p.relayDeny()).containsExactly("fc00::/7");
        assertThat(p.maxRegisterChangesPerMinute()).isEqualTo(30);
        assertThat(p.maxStoredTextChars()).isEqualTo(1000);
        assertThat(p).isEqualTo(p.toBuilder().build()).hasSameHashCodeAs(p.toBuilder().build());
        assertThat(p.toString()).contains("10.0.0.0/8");
    }

    @Test
    void invalidValuesNameTheField() {
        assertThatThrownBy(() -> parse("\"relay\":{\"allow\":[\"10.0.0.0/33\"]}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("gateway.nodes.relay.allow[0]");
        assertThatThrownBy(() -> parse("\"relay\":{\"deny\":[\"not a host\"]}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("gateway.nodes.relay.deny[0]");
        assertThatThrownBy(() -> parse("\"relay\":{\"allow\":\"127.0.0.1\"}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("gateway.nodes.relay.allow must be an array");
        assertThatThrownBy(() -> parse("\"max_register_changes_per_min\":0"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("gateway.nodes.max_register_changes_per_min");
        assertThatThrownBy(() -> parse("\"max_stored_text_chars\":10"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("gateway.nodes.max_stored_text_chars");
    }

    @Test
    void addressRules() throws Exception {
        AddressRule net = AddressRule.parse("10.1.0.0/16");
        assertThat(net.matchesAddress(InetAddress.getByName("10.1.255.3"))).isTrue();
        assertThat(net.matchesAddress(InetAddress.getByName("10.2.0.1"))).isFalse();
        assertThat(net.matchesAddress(InetAddress.getByName("::ffff:10.1.0.1"))).isTrue();
        assertThat(AddressRule.parse("::1").matchesAddress(InetAddress.getByName("::1"))).isTrue();
        assertThat(AddressRule.parse("fe80::/10").matchesAddress(InetAddress.getByName("fe80::1"))).isTrue();
        AddressRule name = AddressRule.parse("Node.Example.");
        assertThat(name.isHostName()).isTrue();
        assertThat(name.matchesHost("node.example")).isTrue();
        assertThat(name.matchesHost("other.node.example")).isFalse();
        for (String bad : List.of("", "1.2.3.4/", "1.2.3.4/x", "::1/129", "01.2.3.4", "a..b", "-a.b", "127.1",
                "host/8", "a b")) {
            assertThatThrownBy(() -> AddressRule.parse(bad)).as(bad).isInstanceOf(ConfigException.class);
        }
    }
}
