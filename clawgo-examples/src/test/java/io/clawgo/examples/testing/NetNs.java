package io.clawgo.examples.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Command prefixes that run a child process in a fresh, private network namespace, so that a test never sends
 * traffic over the machine's real interfaces (webrtc's ICE would otherwise use them: libwebrtc ignores loopback).
 *
 * <ul>
 *   <li>{@link #loopbackOnly()}: only {@code lo}, up. No webrtc session can open there: the fallback path.</li>
 *   <li>{@link #vethPair()}: {@code lo} plus a veth pair {@code cgx0} 10.252.0.1/24 and {@code cgx1} 10.252.0.2/24
 *   that carries no traffic off the machine: webrtc sessions open there.</li>
 * </ul>
 *
 * <p>Root uses {@code unshare -n}; other users {@code unshare -r -n} (needs unprivileged user namespaces). Each
 * returns empty, with {@link #skipReason()} saying why, when {@code unshare} or {@code ip} is missing or not allowed;
 * tests then skip. The namespace disappears with the process.
 */
public final class NetNs {
    private static final String LOOPBACK_SETUP = "ip link set lo up";
    private static final String VETH_SETUP = "set -e; ip link set lo up; "
            + "ip link add cgx0 type veth peer name cgx1; "
            + "ip addr add 10.252.0.1/24 dev cgx0; ip addr add 10.252.0.2/24 dev cgx1; "
            + "ip link set cgx0 up; ip link set cgx1 up";

    private static volatile String skipReason;

    private NetNs() {
    }

    /** {@code unshare ... sh -c '<lo up>; exec "$0" "$@"'}: what follows runs in a namespace with only loopback. */
    public static Optional<List<String>> loopbackOnly() {
        return prefix(LOOPBACK_SETUP);
    }

    /** A prefix for a namespace with loopback and a veth pair (10.252.0.1/24, 10.252.0.2/24). */
    public static Optional<List<String>> vethPair() {
        return prefix(VETH_SETUP);
    }

    /** Why the last request for a prefix returned empty. */
    public static String skipReason() {
        return skipReason;
    }

    private static Optional<List<String>> prefix(String setup) {
        List<String> unshare = new ArrayList<>(List.of("unshare"));
        if (!"root".equals(System.getProperty("user.name"))) {
            unshare.add("-r");
        }
        unshare.add("-n");
        unshare.add("--");
        List<String> dryRun = new ArrayList<>(unshare);
        dryRun.addAll(List.of("sh", "-c", setup));
        try {
            Process p = new ProcessBuilder(dryRun).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                skipReason = "cannot create a network namespace (" + String.join(" ", dryRun) + "): " + out;
                return Optional.empty();
            }
        } catch (Exception e) {
            skipReason = "cannot create a network namespace: " + e;
            return Optional.empty();
        }
        List<String> prefix = new ArrayList<>(unshare);
        prefix.addAll(List.of("sh", "-c", setup + "; exec \"$0\" \"$@\""));
        return Optional.of(prefix);
    }
}
