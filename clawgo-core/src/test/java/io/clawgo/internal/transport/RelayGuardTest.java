package io.clawgo.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clawgo.config.NodePolicy;
import io.clawgo.internal.http.DeniedEndpointException;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Dns;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

/**
 * The relay's address policy on its own, with a scripted resolver: which addresses pass, and that a host name is
 * resolved once and only checked addresses are handed on (the end-to-end proof is NodeTokenSecurityTest).
 */
class RelayGuardTest {
    private static InetAddress ip(String literal) throws java.net.UnknownHostException {
        return InetAddress.getByName(literal); // literals only: never looked up
    }

    private static RelayGuard guard(NodePolicy policy, Dns resolver, String... own) throws Exception {
        Set<InetAddress> ownSet = new java.util.HashSet<>();
        for (String o : own) {
            ownSet.add(ip(o));
        }
        return new RelayGuard(policy, resolver, () -> ownSet);
    }

    @Test
    void aNameIsResolvedOnceAndOnlyItsAllowedAddressesAreHandedOn() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        // a rebinding name: a public address next to the metadata and loopback ones
        Dns resolver = host -> {
            lookups.incrementAndGet();
            return List.of(ip("169.254.169.254"), ip("203.0.113.7"), ip("127.0.0.1"), ip("::1"));
        };
        RelayGuard g = guard(NodePolicy.defaults(), resolver);
        assertThat(g.lookup("rebind.example")).containsExactly(ip("203.0.113.7"));
        assertThat(lookups).hasValue(1);
    }

    @Test
    void aNameThatResolvesOnlyToRefusedAddressesIsDeniedWithTheReason() throws Exception {
        RelayGuard g = guard(NodePolicy.defaults(), host -> List.of(ip("127.0.0.1"), ip("::1")));
        assertThatThrownBy(() -> g.lookup("localhost"))
                .isInstanceOf(DeniedEndpointException.class)
                .hasMessageContaining("localhost (127.0.0.1)").hasMessageContaining("loopback")
                .hasMessageContaining("gateway.nodes.relay.allow");
    }

    @Test
    void builtInClassesAreRefusedAndOtherAddressesPass() throws Exception {
        RelayGuard g = guard(NodePolicy.defaults(), Dns.SYSTEM, "192.0.2.2");
        for (String refused : List.of("127.0.0.1", "127.9.9.9", "::1", "0.0.0.0", "0.1.2.3", "::", "169.254.169.254",
                "fe80::1", "224.0.0.1", "ff02::1", "255.255.255.255", "fd00:ec2::254", "100.100.100.200",
                "192.0.2.2", "::ffff:127.0.0.1", "::127.0.0.1", "64:ff9b::a9fe:a9fe")) {
            assertThat(g.denial(refused, ip(refused))).as(refused).isNotNull();
        }
        for (String allowed : List.of("10.0.0.5", "192.168.1.10", "172.16.0.1", "203.0.113.7", "fd00::5",
                "2001:db8::1", "64:ff9b::cb00:7107")) {
            assertThat(g.denial(allowed, ip(allowed))).as(allowed).isNull();
        }
    }

    @Test
    void allowWinsOverTheDefaultsAndOverDenyAndDenyAddsToTheDefaults() throws Exception {
        NodePolicy p = NodePolicy.builder().relayAllow(List.of("127.0.0.1", "node-1.example.org", "10.1.0.0/16"))
                .relayDeny(List.of("10.0.0.0/8", "evil.example")).build();
        RelayGuard g = guard(p, Dns.SYSTEM);
        assertThat(g.denial("127.0.0.1", ip("127.0.0.1"))).isNull();
        assertThat(g.denial("127.0.0.2", ip("127.0.0.2"))).contains("loopback");
        assertThat(g.denial("NODE-1.example.org.", ip("169.254.169.254"))).as("a name allows what it resolves to")
                .isNull();
        assertThat(g.denial("10.1.2.3", ip("10.1.2.3"))).isNull();
        assertThat(g.denial("10.2.0.1", ip("10.2.0.1"))).contains("gateway.nodes.relay.deny (10.0.0.0/8)");
        assertThat(g.denial("evil.example", ip("203.0.113.7"))).contains("evil.example");
    }

    @Test
    void ipLiteralsAreCheckedBeforeAnyConnection() throws Exception {
        RelayGuard g = guard(NodePolicy.defaults(), host -> {
            throw new AssertionError("no lookup for " + host);
        });
        assertThat(g.refuse(HttpUrl.get("http://127.0.0.1:8080"))).contains("loopback");
        assertThat(g.refuse(HttpUrl.get("http://[::1]:8080"))).contains("loopback");
        assertThat(g.refuse(HttpUrl.get("http://[::ffff:169.254.169.254]/"))).contains("link-local");
        // forms OkHttp would pass to InetAddress.getByName itself: refused rather than guessed
        assertThat(g.refuse(HttpUrl.get("http://127.1/"))).contains("not a plain IP address");
        assertThat(g.refuse(HttpUrl.get("http://127.0.0.1./"))).contains("not a plain IP address");
        assertThat(g.refuse(HttpUrl.get("http://2130706433/"))).contains("not a plain IP address");
        assertThat(g.refuse(HttpUrl.get("http://203.0.113.7/"))).isNull();
        assertThat(g.refuse(HttpUrl.get("http://node.example/"))).as("names go through lookup()").isNull();
    }
}
