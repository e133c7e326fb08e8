package io.clawgo.transport.webrtc;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.ClawgoException;
import io.clawgo.Gateway;
import io.clawgo.testing.ChildJvm;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway with {@code transport = webrtc} whose port is taken fails with {@code bind_failed} and leaves nothing
 * native behind: run in a child JVM, which must end by itself (no thread left) and print no
 * {@code VM attach current thread failed} (libwebrtc's threads print it at exit once the library is loaded).
 */
class StartFailureTest {

    /** The child: takes a port, starts a webrtc gateway on it, prints the outcome, returns from main. */
    public static void main(String[] args) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            try (Gateway gw = Gateway.builder().host("127.0.0.1").port(taken.getLocalPort())
                    .token("start-failure-token").dataDir(Path.of(args[0])).transport("webrtc").start()) {
                System.out.println("STARTED " + gw.port());
            } catch (ClawgoException e) {
                System.out.println("FAILED " + e.code() + ": " + e.getMessage());
            }
        }
        System.out.println("MAIN RETURNED");
    }

    @Test
    void aGatewayWhosePortIsTakenFailsWithBindFailedAndExitsCleanly(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(new WebRtcProvider().isAvailable(),
                () -> "webrtc natives missing: " + new WebRtcProvider().unavailableReason());
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        List<String> cmd = ChildJvm.command(List.of(), List.of(), StartFailureTest.class.getName(),
                List.of(dir.resolve("data").toString()));
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        boolean ended = p.waitFor(90, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String stdout = read(out);
        String stderr = read(err);
        String all = "stdout:\n" + stdout + "\nstderr:\n" + stderr;
        assertThat(ended).as("the child JVM ends by itself: %s", all).isTrue();
        assertThat(p.exitValue()).as(all).isZero();
        assertThat(stdout).as(all).contains("FAILED bind_failed").contains("MAIN RETURNED");
        assertThat(stdout + stderr).as("native noise at exit: the webrtc library was loaded (%s)", all)
                .doesNotContain("VM attach current thread failed").doesNotContain("Failed to attach thread");
    }

    private static String read(Path f) throws IOException {
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
    }
}
