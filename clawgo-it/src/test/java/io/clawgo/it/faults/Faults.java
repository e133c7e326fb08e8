package io.clawgo.it.faults;

import static io.clawgo.testing.TestHttp.list;

import io.clawgo.GatewayClient;
import io.clawgo.testing.ChildJvm;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Shared set-up of the fault tests: the token, free ports, the child JVMs and reading {@code /webui/api/nodes}. */
final class Faults {
    static final String TOKEN = "faults-test-token";
    /** How long a child JVM of these tests may live at most, should a test fail to kill it. */
    static final Duration CHILD_LIFETIME = Duration.ofMinutes(3);
    static final Duration START = Duration.ofSeconds(30);

    private Faults() {
    }

    /** A loopback port that was free a moment ago, for a gateway that must come back on the same port. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Starts {@link FaultGatewayMain} on {@code port} with {@code dataDir} and waits until it listens. */
    static ChildJvm startGateway(int port, Path dataDir) throws IOException, InterruptedException {
        return startGateway(port, dataDir, START);
    }

    /** As {@link #startGateway(int, Path)}, waiting up to {@code start} for it (a gateway that a storm starves). */
    static ChildJvm startGateway(int port, Path dataDir, Duration start) throws IOException, InterruptedException {
        return startGateway(port, dataDir, start, List.of());
    }

    /**
     * As {@link #startGateway(int, Path, Duration)}, with JVM flags added after the harness' start-up flags, for
     * example {@link ChildJvm#SERVER_FLAGS} for a gateway that must carry a load like a production one.
     */
    static ChildJvm startGateway(int port, Path dataDir, Duration start, List<String> jvmFlags)
            throws IOException, InterruptedException {
        ChildJvm child = ChildJvm.startWithJvmArgs(jvmFlags, FaultGatewayMain.class.getName(), Map.of(),
                String.valueOf(port), TOKEN, dataDir.toString(), String.valueOf(CHILD_LIFETIME.toSeconds()));
        try {
            child.awaitStdout("^READY " + port + "$", start);
        } catch (AssertionError | InterruptedException e) {
            child.close();
            throw e;
        }
        return child;
    }

    /** Starts {@link FaultNodeMain} as node {@code id} of the gateway at {@code gatewayUrl}, connected. */
    static ChildJvm startNode(String gatewayUrl, String id) throws IOException, InterruptedException {
        ChildJvm child = ChildJvm.start(FaultNodeMain.class.getName(), Map.of(), gatewayUrl, TOKEN, id,
                String.valueOf(CHILD_LIFETIME.toSeconds()));
        try {
            child.awaitStdout("^READY ", START);
        } catch (AssertionError | InterruptedException e) {
            child.close();
            throw e;
        }
        return child;
    }

    /** The node rows of {@code GET /webui/api/nodes}. */
    static List<Map<String, Object>> nodes(GatewayClient client) {
        return list(client.getJson("/webui/api/nodes").get("nodes"));
    }

    /** The row of node {@code id} in {@code GET /webui/api/nodes}. */
    static Optional<Map<String, Object>> node(GatewayClient client, String id) {
        return nodes(client).stream().filter(n -> id.equals(n.get("id"))).findFirst();
    }

    /** Whether {@code /webui/api/nodes} shows node {@code id} online. */
    static boolean online(GatewayClient client, String id) {
        return node(client, id).map(n -> Boolean.TRUE.equals(n.get("online"))).orElse(false);
    }

    /** Milliseconds since {@code startNanos}. */
    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
