package io.clawgo.internal.transport;

import io.clawgo.config.AddressRule;
import io.clawgo.config.NodePolicy;
import io.clawgo.internal.http.DeniedEndpointException;
import io.clawgo.internal.http.EndpointClient;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import okhttp3.Dns;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which addresses the HTTP relay may connect to ({@code gateway.nodes.relay}), enforced where the relay's OkHttp client
 * gets its addresses: as its {@link Dns}, which resolves a host name once, keeps only the addresses the policy allows
 * and hands OkHttp only those, so the connection goes to an address that was checked (no second lookup that DNS
 * rebinding could answer differently); and as the {@link EndpointClient.UrlCheck} for IP literals, which OkHttp
 * connects to without asking its {@code Dns}.
 *
 * <p>Order: an allow rule that names the host or covers the address allows it; otherwise a deny rule, or one of the
 * built-in classes (loopback, link-local, unspecified, multicast and broadcast, cloud metadata addresses, the
 * addresses of this host's interfaces), refuses it; anything else is allowed. An IPv4-mapped, IPv4-compatible or NAT64
 * ({@code 64:ff9b::/96}) IPv6 address is judged as the IPv4 address it carries, too.
 */
final class RelayGuard implements Dns, EndpointClient.UrlCheck {
    private static final Logger LOG = LoggerFactory.getLogger(RelayGuard.class);
    private static final long OWN_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final List<AddressRule> METADATA = List.of(
            AddressRule.parse("fd00:ec2::254"), // AWS instance metadata over IPv6
            AddressRule.parse("100.100.100.200")); // Alibaba Cloud instance metadata
    private static final AddressRule NAT64 = AddressRule.parse("64:ff9b::/96");
    private static final AddressRule THIS_NETWORK = AddressRule.parse("0.0.0.0/8");
    private static final AddressRule BROADCAST = AddressRule.parse("255.255.255.255");
    private static final java.util.regex.Pattern DIGITS_AND_DOTS = java.util.regex.Pattern.compile("[0-9.]+");

    private final List<AddressRule> allow;
    private final List<AddressRule> deny;
    private final Dns resolver;
    private final Supplier<Set<InetAddress>> ownSource;
    private volatile Set<InetAddress> own = Set.of();
    private volatile long ownAt;
    private volatile boolean ownLoaded;

    RelayGuard(NodePolicy policy) {
        this(policy, Dns.SYSTEM, RelayGuard::interfaceAddresses);
    }

    /**
     * @param resolver  looks host names up (the system resolver outside tests)
     * @param ownSource this host's addresses, read again every 30 s
     */
    RelayGuard(NodePolicy policy, Dns resolver, Supplier<Set<InetAddress>> ownSource) {
        this.allow = policy.relayAllowRules();
        this.deny = policy.relayDenyRules();
        this.resolver = resolver;
        this.ownSource = ownSource;
    }

    /** For IP-literal hosts, which OkHttp does not pass to its {@code Dns}: checked here, before any connection. */
    @Override
    public String refuse(HttpUrl url) {
        String host = url.host();
        if (!looksLiteral(host)) {
            return null; // a host name: checked by lookup() when OkHttp resolves it
        }
        byte[] bytes = literalBytes(host);
        if (bytes == null) {
            return "the relay does not connect to the host '" + host + "' of the node endpoint: not a plain IP "
                    + "address or host name";
        }
        InetAddress a;
        try {
            a = InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            return "the relay does not connect to the host '" + host + "' of the node endpoint";
        }
        String why = denial(host, a);
        return why == null ? null : message(host, a, why);
    }

    @Override
    public List<InetAddress> lookup(String hostname) throws UnknownHostException {
        List<InetAddress> all = resolver.lookup(hostname);
        List<InetAddress> ok = new ArrayList<>(all.size());
        String firstWhy = null;
        InetAddress firstDenied = null;
        for (InetAddress a : all) {
            String why = denial(hostname, a);
            if (why == null) {
                ok.add(a);
            } else if (firstWhy == null) {
                firstWhy = why;
                firstDenied = a;
            }
        }
        if (ok.isEmpty()) {
            if (firstDenied == null) {
                throw new UnknownHostException(hostname + ": no address");
            }
            throw new DeniedEndpointException(message(hostname, firstDenied, firstWhy)
                    + (all.size() > 1 ? " (and so are its " + (all.size() - 1) + " other addresses)" : ""));
        }
        if (ok.size() < all.size()) {
            LOG.debug("relay: {} resolves to {}; connecting only to {}", hostname, all, ok);
        }
        return Collections.unmodifiableList(ok);
    }

    /** Why the relay may not connect to {@code a} for {@code host}, or {@code null} when it may. */
    String denial(String host, InetAddress a) {
        for (AddressRule r : allow) {
            if (r.matchesHost(host) || r.matchesAddress(a)) {
                return null;
            }
        }
        for (AddressRule r : deny) {
            if (r.matchesHost(host) || r.matchesAddress(a)) {
                return "denied by gateway.nodes.relay.deny (" + r.text() + ")";
            }
        }
        String why = builtIn(a);
        if (why == null) {
            InetAddress v4 = embeddedV4(a);
            if (v4 != null) {
                for (AddressRule r : allow) {
                    if (r.matchesAddress(v4)) {
                        return null;
                    }
                }
                for (AddressRule r : deny) {
                    if (r.matchesAddress(v4)) {
                        return "denied by gateway.nodes.relay.deny (" + r.text() + ")";
                    }
                }
                why = builtIn(v4);
            }
        }
        return why;
    }

    private String builtIn(InetAddress a) {
        if (a.isLoopbackAddress()) {
            return "a loopback address";
        }
        if (a.isAnyLocalAddress() || THIS_NETWORK.matchesAddress(a)) {
            return "an unspecified address";
        }
        if (a.isLinkLocalAddress()) {
            return "a link-local address";
        }
        if (a.isMulticastAddress() || BROADCAST.matchesAddress(a)) {
            return "a multicast or broadcast address";
        }
        for (AddressRule r : METADATA) {
            if (r.matchesAddress(a)) {
                return "a cloud metadata address";
            }
        }
        if (ownAddresses().contains(a)) {
            return "an address of the gateway's own host";
        }
        return null;
    }

    private static String message(String host, InetAddress a, String why) {
        String addr = a.getHostAddress();
        String what = host.equalsIgnoreCase(addr) || host.equals("[" + addr + "]") ? addr : host + " (" + addr + ")";
        return "the relay may not reach " + what + ": " + why + ". Reach the node over a P2P transport, or allow it "
                + "in gateway.nodes.relay.allow";
    }

    /** The IPv4 address an IPv6 address carries (compatible ::a.b.c.d, NAT64 64:ff9b::a.b.c.d), or {@code null}. */
    private static InetAddress embeddedV4(InetAddress a) {
        if (!(a instanceof Inet6Address v6)) {
            return null;
        }
        byte[] b = v6.getAddress();
        if (v6.isIPv4CompatibleAddress() || NAT64.matchesAddress(v6)) {
            try {
                return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
            } catch (UnknownHostException e) {
                return null;
            }
        }
        return null;
    }

    /** OkHttp's own test for a host it connects to without its {@code Dns}. */
    static boolean looksLiteral(String host) {
        return host.indexOf(':') >= 0 || DIGITS_AND_DOTS.matcher(host).matches();
    }

    /** The bytes of an IP literal host, or {@code null} when it is not a plain dotted quad or IPv6 address. */
    private static byte[] literalBytes(String host) {
        try {
            AddressRule r = AddressRule.parse(host);
            if (r.isHostName()) {
                return null;
            }
        } catch (io.clawgo.config.ConfigException e) {
            return null;
        }
        try {
            // now known to be a dotted quad or an IPv6 literal: parsed, never looked up
            return InetAddress.getByName(host).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private Set<InetAddress> ownAddresses() {
        long now = System.nanoTime();
        if (!ownLoaded || now - ownAt > OWN_REFRESH_NANOS) {
            synchronized (this) {
                if (!ownLoaded || now - ownAt > OWN_REFRESH_NANOS) {
                    own = ownSource.get();
                    ownAt = now;
                    ownLoaded = true;
                }
            }
        }
        return own;
    }

    /** Every address of every interface of this host. */
    static Set<InetAddress> interfaceAddresses() {
        Set<InetAddress> out = new HashSet<>();
        try {
            var ifs = NetworkInterface.getNetworkInterfaces();
            while (ifs != null && ifs.hasMoreElements()) {
                var addrs = ifs.nextElement().getInetAddresses();
                while (addrs.hasMoreElements()) {
                    InetAddress a = addrs.nextElement();
                    // compare without the scope: an address from DNS has none
                    out.add(a instanceof Inet6Address ? InetAddress.getByAddress(a.getAddress()) : a);
                }
            }
        } catch (SocketException | UnknownHostException e) {
            LOG.debug("cannot list this host's addresses: {}", e.toString());
        }
        return Set.copyOf(out);
    }
}
