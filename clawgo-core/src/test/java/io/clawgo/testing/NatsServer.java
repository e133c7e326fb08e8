package io.clawgo.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code nats-server} process (Debian package {@code nats-server}) on a free loopback port, with JetStream in a
 * temporary directory and a {@code max_payload} large enough for 8 MiB messages. {@link #kill()} sends SIGKILL to this
 * process only (by its pid); {@link #start()} starts it again on the same port with the same data.
 *
 * <p>Tests call {@link #assumeInstalled()} first: without the binary they are skipped with a message that names the
 * package.
 */
public final class NatsServer implements AutoCloseable {
    /** Where Debian installs the server. */
    public static final String BINARY = System.getProperty("clawgo.nats.server", "/usr/sbin/nats-server");
    /** The max_payload every test server gets: 8 MiB messages and their JSON escaping fit. */
    public static final int MAX_PAYLOAD = 20 * 1024 * 1024;

    private final Path dir;
    private final int port;
    private final int clusterPort;
    private final List<Integer> routes;
    private final String name;
    private final int maxPayload;
    private Process process;

    private NatsServer(String name, Path dir, int port, int clusterPort, List<Integer> routes) {
        this(name, dir, port, clusterPort, routes, MAX_PAYLOAD);
    }

    private NatsServer(String name, Path dir, int port, int clusterPort, List<Integer> routes, int maxPayload) {
        this.maxPayload = maxPayload;
        this.name = name;
        this.dir = dir;
        this.port = port;
        this.clusterPort = clusterPort;
        this.routes = routes;
    }

    /** Skips the calling test when the server binary is missing. */
    public static void assumeInstalled() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of(BINARY)),
                "nats-server not found at " + BINARY + ": install the Debian package nats-server to run the cluster "
                        + "tests (.ci/run does)");
    }

    /** One server, started. */
    public static NatsServer start(Path dir) throws IOException {
        NatsServer s = new NatsServer("n1", dir, freePort(), 0, List.of());
        s.start();
        return s;
    }

    /** One server with another {@code max_payload} (the server's own default is 1 MiB), started. */
    public static NatsServer start(Path dir, int maxPayload) throws IOException {
        NatsServer s = new NatsServer("n1", dir, freePort(), 0, List.of(), maxPayload);
        s.start();
        return s;
    }

    /** A cluster of {@code n} servers routed to each other, started, with JetStream replicated across them. */
    public static List<NatsServer> cluster(Path dir, int n) throws IOException {
        List<Integer> clusterPorts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clusterPorts.add(freePort());
        }
        List<NatsServer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new NatsServer("n" + (i + 1), dir.resolve("n" + (i + 1)), freePort(), clusterPorts.get(i),
                    clusterPorts));
        }
        for (NatsServer s : out) {
            s.launch();
        }
        for (NatsServer s : out) {
            s.awaitListening();
        }
        return out;
    }

    /** {@code nats://127.0.0.1:<port>}. */
    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Starts the server (again), on its port, with its data. */
    public synchronized void start() throws IOException {
        launch();
        awaitListening();
    }

    private synchronized void launch() throws IOException {
        if (process != null && process.isAlive()) {
            return;
        }
        Files.createDirectories(dir);
        StringBuilder conf = new StringBuilder();
        conf.append("server_name: ").append(name).append('\n');
        conf.append("listen: 127.0.0.1:").append(port).append('\n');
        conf.append("max_payload: ").append(maxPayload).append('\n');
        conf.append("max_pending: ").append(4L * Math.max(maxPayload, MAX_PAYLOAD)).append('\n');
        conf.append("jetstream { store_dir: \"").append(dir.resolve("js")).append("\" }\n");
        if (clusterPort != 0) {
            conf.append("cluster { name: clawgo-test, listen: 127.0.0.1:").append(clusterPort).append(", routes: [");
            for (int i = 0; i < routes.size(); i++) {
                conf.append(i == 0 ? "" : ", ").append("nats-route://127.0.0.1:").append(routes.get(i));
            }
            conf.append("] }\n");
        }
        Path file = dir.resolve("nats.conf");
        Files.writeString(file, conf.toString(), StandardCharsets.UTF_8);
        process = new ProcessBuilder(BINARY, "-c", file.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("nats.log").toFile())
                .start();
    }

    private void awaitListening() throws IOException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < until) {
            if (!process.isAlive()) {
                throw new IOException("nats-server exited with " + process.exitValue() + ": " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                sleep(Duration.ofMillis(20));
            }
        }
        throw new IOException("nats-server did not listen on " + port + " within 10 s: " + log());
    }

    /** SIGKILL, by pid; waits until the process is gone. */
    /** CPU time the server process has used so far (zero when not running or not known). */
    public synchronized java.time.Duration cpuTime() {
        Process p = process;
        return p == null ? java.time.Duration.ZERO
                : p.toHandle().info().totalCpuDuration().orElse(java.time.Duration.ZERO);
    }

    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The server's log so far. */
    public String log() {
        try {
            return Files.readString(dir.resolve("nats.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        kill();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
