package io.clawgo.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One entry of {@code gateway.nodes.relay.allow} or {@code gateway.nodes.relay.deny}: a CIDR block
 * ({@code 10.0.0.0/8}, {@code fd00::/8}), a single IP address ({@code 127.0.0.1}, {@code ::1}) or a host name
 * ({@code node-1.example.org}, compared case-insensitively, a trailing dot ignored). Immutable. Parsing never looks
 * anything up in DNS.
 */
public final class AddressRule {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern HOST = Pattern.compile(
            "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    private final String text;
    /** The host name of a name rule, lower case without a trailing dot; {@code null} for an address rule. */
    private final String host;
    /** The network of an address rule, {@code null} for a name rule. */
    private final byte[] network;
    private final int prefix;

    private AddressRule(String text, String host, byte[] network, int prefix) {
        this.text = text;
        this.host = host;
        this.network = network;
        this.prefix = prefix;
    }

    /**
     * Parses one entry.
     *
     * @param text a CIDR block, an IP address or a host name (trimmed)
     * @return the rule
     * @throws ConfigException when {@code text} is none of these
     */
    public static AddressRule parse(String text) {
        String t = text == null ? "" : text.trim();
        if (t.isEmpty()) {
            throw new ConfigException("an empty entry; expected a CIDR block, an IP address or a host name");
        }
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        byte[] bytes = literal(addr);
        if (bytes == null) {
            if (slash >= 0) {
                throw new ConfigException("'" + t + "' is not a CIDR block (expected an IP address before the /)");
            }
            String h = t.toLowerCase(Locale.ROOT);
            if (h.endsWith(".")) {
                h = h.substring(0, h.length() - 1);
            }
            if (h.length() > 253 || !HOST.matcher(h).matches() || h.matches("[0-9.]+")) {
                throw new ConfigException("'" + t + "' is neither a CIDR block, an IP address nor a host name");
            }
            return new AddressRule(t, h, null, 0);
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String p = t.substring(slash + 1);
            if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > bits) {
                throw new ConfigException("'" + t + "' has an invalid prefix length (0.." + bits + ")");
            }
            prefix = Integer.parseInt(p);
        }
        return new AddressRule(t, null, mask(bytes, prefix), prefix);
    }

    /**
     * The address of an IP literal, without any DNS lookup: a dotted-quad IPv4 address or an IPv6 address (brackets
     * allowed). IPv4-mapped IPv6 addresses read as their IPv4 address.
     *
     * @param s the text
     * @return the address bytes (4 or 16), or {@code null} when {@code s} is not such a literal
     */
    static byte[] literal(String s) {
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (IPV4.matcher(s).matches()) {
            String[] parts = s.split("\\.");
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                int v = Integer.parseInt(parts[i]);
                if (v > 255 || (parts[i].length() > 1 && parts[i].startsWith("0"))) {
                    return null; // out of range, or octal-looking: refused rather than guessed
                }
                b[i] = (byte) v;
            }
            return b;
        }
        if (s.indexOf(':') >= 0 && s.matches("[0-9A-Fa-f:.]+")) {
            try {
                // a string with a colon is parsed as an IPv6 literal, never looked up
                return InetAddress.getByName(s).getAddress();
            } catch (UnknownHostException e) {
                return null;
            }
        }
        return null;
    }

    private static byte[] mask(byte[] in, int prefix) {
        byte[] out = in.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] = (byte) (out[i] & (0xFF << (8 - keep)));
        }
        return out;
    }

    /**
     * The entry as written.
     *
     * @return the text, trimmed
     */
    public String text() {
        return text;
    }

    /**
     * Whether this is a host name rule.
     *
     * @return {@code true} for a host name, {@code false} for an address or CIDR block
     */
    public boolean isHostName() {
        return host != null;
    }

    /**
     * Whether this host name rule names {@code hostName}.
     *
     * @param hostName a host name as it appears in a URL; case and a trailing dot are ignored
     * @return {@code false} for an address rule or another name
     */
    public boolean matchesHost(String hostName) {
        if (host == null || hostName == null) {
            return false;
        }
        String h = hostName.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return host.equals(h);
    }

    /**
     * Whether this address rule covers {@code address} (an IPv4 rule never covers an IPv6 address and the other way
     * round; an IPv4-mapped IPv6 address counts as its IPv4 address).
     *
     * @param address the address
     * @return {@code false} for a host name rule or an address outside the block
     */
    public boolean matchesAddress(InetAddress address) {
        if (network == null || address == null) {
            return false;
        }
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        return java.util.Arrays.equals(mask(a, prefix), network);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AddressRule r && text.equals(r.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
