package io.clawgo.transport.webrtc;

import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * Tests that open real DataChannels run only inside the private network namespace made by {@code src/test/netns/bin/java}
 * (Surefire's JVM launcher in this module): there, the only interfaces are {@code lo} and the veth pair
 * {@code cgw0}/{@code cgw1}, so no test packet can leave the machine or touch its real interfaces.
 */
final class NetNs {
    /** The veth addresses inside the namespace. */
    static final String ADDRESS_A = "10.251.0.1";
    static final String ADDRESS_B = "10.251.0.2";

    private NetNs() {
    }

    /** Skips the calling test (with the reason) unless it runs inside the test namespace. */
    static void assumeInside() {
        String why = whyNot();
        Assumptions.assumeTrue(why == null, () -> "real-peer webrtc test skipped: " + why
                + ". Run as root, or enable unprivileged user namespaces, so that src/test/netns/bin/java can create a "
                + "network namespace with a veth pair (see README.md).");
    }

    /** Why this JVM is not in a usable namespace, or {@code null} when it is. */
    static String whyNot() {
        String marker = System.getenv("CLAWGO_WEBRTC_NETNS");
        if (marker == null || marker.isBlank()) {
            String skip = System.getenv("CLAWGO_WEBRTC_NETNS_SKIP");
            return skip != null && !skip.isBlank() ? skip
                    : "the JVM was not started by src/test/netns/bin/java (CLAWGO_WEBRTC_NETNS is not set)";
        }
        if (marker.equals("manual")) {
            return null;
        }
        List<String> names = new ArrayList<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                names.add(ni.getName());
            }
        } catch (SocketException e) {
            return "cannot list network interfaces: " + e;
        }
        for (String n : names) {
            if (!n.equals("lo") && !n.equals("cgw0") && !n.equals("cgw1")) {
                return "unexpected network interface " + n + " in the test namespace " + names;
            }
        }
        return names.contains("cgw0") ? null : "the veth pair is missing " + names;
    }
}
