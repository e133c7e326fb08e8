package io.clawgo.transport.webrtc;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** A real TURN server (Debian's coturn) started by a test on a namespace address, and stopped at close. */
final class Coturn implements AutoCloseable {
    static final String USER = "u";
    static final String PASSWORD = "p";

    private final Process process;
    private final File pidFile = File.createTempFile("coturn", ".pid");
    private final File userDb = File.createTempFile("coturn", ".sqlite");
    private final List<String> log = new CopyOnWriteArrayList<>();
    final String address;
    final int port;

    private Coturn(String address, int port) throws Exception {
        this.address = address;
        this.port = port;
        ProcessBuilder pb = new ProcessBuilder("turnserver", "-n", "--listening-ip=" + address,
                "--relay-ip=" + address, "--listening-port=" + port, "--min-port=49160", "--max-port=49260",
                "--lt-cred-mech", "--user=" + USER + ":" + PASSWORD, "--realm=clawgo", "--no-tls", "--no-dtls",
                "--no-cli", "--verbose", "--log-file=stdout", "--simple-log",
                "--pidfile=" + pidFile, "--userdb=" + userDb);
        pb.redirectErrorStream(true);
        process = pb.start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    log.add(line);
                }
            } catch (Exception ignored) {
                // process ended
            }
        }, "coturn-log");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts coturn on {@code address}, or skips the test when it is not installed. */
    static Coturn start(String address, int port) throws Exception {
        Assumptions.assumeTrue(onPath("turnserver"), "coturn is not installed (Debian package coturn)");
        Coturn c = new Coturn(address, port);
        if (!c.awaitListening(10_000)) {
            String tail = String.join("\n", c.log.subList(Math.max(0, c.log.size() - 20), c.log.size()));
            c.close();
            throw new IllegalStateException("coturn did not start on " + address + ":" + port + ":\n" + tail);
        }
        return c;
    }

    String url() {
        return "turn:" + address + ":" + port + "?transport=udp";
    }

    List<String> log() {
        return log;
    }

    /** Waits until the UDP listener answers a STUN binding request. */
    private boolean awaitListening(long millis) throws Exception {
        long end = System.nanoTime() + millis * 1_000_000;
        byte[] req = new byte[20];
        req[1] = 0x01; // binding request
        req[4] = 0x21;
        req[5] = 0x12;
        req[6] = (byte) 0xA4;
        req[7] = 0x42; // magic cookie
        for (int i = 8; i < 20; i++) {
            req[i] = (byte) i;
        }
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getByName(address))) {
            s.setSoTimeout(200);
            while (System.nanoTime() < end && process.isAlive()) {
                s.send(new DatagramPacket(req, req.length, InetAddress.getByName(address), port));
                try {
                    s.receive(new DatagramPacket(new byte[512], 512));
                    return true;
                } catch (java.net.SocketTimeoutException e) {
                    // not yet
                }
            }
        }
        return false;
    }

    private static boolean onPath(String cmd) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (new File(dir, cmd).canExecute()) {
                return true;
            }
        }
        return new File("/usr/bin/" + cmd).canExecute();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        pidFile.delete();
        userDb.delete();
    }
}
