package io.clawgo.it.scale;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The gateway JVM ({@link ScaleGatewayMain}) as a child process, driven over its standard input and output. */
final class GatewayProcess implements AutoCloseable {
    final Process process;
    final int port;
    /** The P2P transport the gateway uses ({@code -} for none). */
    final String p2pTransport;
    final Path log;
    private final BufferedReader out;
    private final Writer in;

    private GatewayProcess(Process process, int port, String p2pTransport, Path log, BufferedReader out,
                           Writer in) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.p2pTransport = p2pTransport;
        this.out = out;
        this.in = in;
    }

    /**
     * Starts {@link ScaleGatewayMain} with {@code p2p.transport = transport}; a child process, so it shares this
     * JVM's network namespace (the webrtc leg's veth pair).
     */
    static GatewayProcess start(Path dir, String heap, long lifetimeSec, int nodes, String transport)
            throws Exception {
        return start(dir, heap, lifetimeSec, nodes, transport, List.of());
    }

    /**
     * As {@link #start(Path, String, long, int, String)}, with {@code extra} arguments after the transport ({@code
     * <nats url> <cluster name>} makes it a member of that NATS cluster).
     */
    static GatewayProcess start(Path dir, String heap, long lifetimeSec, int nodes, String transport,
                                List<String> extra) throws Exception {
        if (Files.exists(dir)) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(dir);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new java.util.ArrayList<>(List.of(java.toString(), "-Xmx" + heap, "-Xms256m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), ScaleGatewayMain.class.getName(),
                dir.resolve("data").toString(), ScaleBench.TOKEN, String.valueOf(lifetimeSec), String.valueOf(nodes),
                transport));
        cmd.addAll(extra);
        Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("gateway.log").toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        Writer in = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        String line = ready.get(60, TimeUnit.SECONDS);
        if (line == null || !line.startsWith("READY ")) {
            p.destroyForcibly();
            throw new IllegalStateException("gateway did not start: " + line + " (see " + dir.resolve("gateway.log")
                    + ")");
        }
        String[] f = line.trim().split(" ");
        return new GatewayProcess(p, Integer.parseInt(f[1]), f.length > 2 ? f[2] : "-",
                dir.resolve("gateway.log"), out, in);
    }

    long pid() {
        return process.pid();
    }

    /** utime + stime of the gateway JVM, in clock ticks. */
    long cpuTicks() throws IOException {
        return ScaleBench.cpuTicks(String.valueOf(process.pid()));
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    synchronized String command(String c) throws Exception {
        try {
            in.write(c + "\n");
            in.flush();
        } catch (IOException e) {
            throw new IllegalStateException("the gateway JVM is gone: " + exitStatus());
        }
        CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        String line = answer.get(15, TimeUnit.MINUTES);
        if (line == null) {
            throw new IllegalStateException("the gateway JVM is gone: " + exitStatus());
        }
        return line;
    }

    /** How the gateway JVM ended ({@code exit 137}: SIGKILL from outside, no log line, no crash file). */
    String exitStatus() throws InterruptedException {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            return "still running";
        }
        int code = process.exitValue();
        return "exit " + code + (code > 128 ? " (signal " + (code - 128) + ")" : code == 3
                ? " (its maximum lifetime)" : "");
    }

    /** used, committed, direct, threads. */
    long[] heap() throws Exception {
        String[] f = command("heap").split(" ");
        if (!f[0].equals("HEAP")) {
            throw new IllegalStateException(String.join(" ", f));
        }
        return new long[]{Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4])};
    }

    @Override
    public void close() {
        try {
            in.write("quit\n");
            in.flush();
            in.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
