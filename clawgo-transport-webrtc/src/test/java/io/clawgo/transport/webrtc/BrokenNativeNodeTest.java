package io.clawgo.transport.webrtc;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.testing.LoopbackRelay;
import io.clawgo.testing.SeedEndpoint;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose webrtc native library is on the class path but cannot be loaded (here: a file that is not a shared
 * library, found before the real one), as on a server without the libraries libwebrtc links against. The library is
 * loaded only when the first offer arrives, so the node registers {@code webrtc} at first; when the load fails it
 * withdraws it and registers again: the request that sent the offer stops waiting for the channel, and later ones
 * fall back at once. Neither waits for the ready timeout. The node runs as a separate process, because a JVM loads a native library once.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class BrokenNativeNodeTest {
    private static final long READY_MS = 8000;

    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("try") // stdin is held only to be closed at the end: that tells the node process to exit
    void aNodeThatCannotLoadTheLibraryStopsOfferingWebrtc() throws Exception {
        NetNs.assumeInside();
        Path broken = dir.resolve("broken-natives.jar");
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(broken))) {
            jar.putNextEntry(new JarEntry(System.mapLibraryName("webrtc-java-" + NativeLibrary.osFamily() + "-"
                    + NativeLibrary.osArch())));
            jar.write("this is not a shared library".getBytes(StandardCharsets.UTF_8));
            jar.closeEntry();
        }
        Gateway gw;
        System.setProperty("clawgo.webrtc.ready_timeout_ms", String.valueOf(READY_MS));
        try {
            // the relay fallback goes to the seed endpoint on 127.0.0.1, which the relay refuses by default
            gw = Gateway.builder().host("127.0.0.1").port(0).dataDir(dir.resolve("data"))
                    .nodePolicy(LoopbackRelay.POLICY).transport("webrtc").start();
        } finally {
            System.clearProperty("clawgo.webrtc.ready_timeout_ms");
        }
        try (gw; SeedEndpoint seed = SeedEndpoint.start("edge-broken")) {
            String java = ProcessHandle.current().info().command().orElse("java");
            String cp = broken + File.pathSeparator
                    + System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            Process proc = new ProcessBuilder(java, "-cp", cp, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    NodeProcessMain.class.getName(), gw.url(), "edge-broken", seed.url())
                    .redirectErrorStream(true).start();
            List<String> output = new CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(proc.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = out.readLine()) != null; ) {
                        output.add(line);
                    }
                } catch (Exception e) {
                    // the process ended
                }
            });
            reader.setDaemon(true);
            reader.start();
            try (OutputStream stdin = proc.getOutputStream()) {
                assertThat(await(Duration.ofSeconds(30), () -> output.contains("READY")))
                        .as("node process ready: %s", output).isTrue();
                assertThat(gw.node("edge-broken").map(NodeInfo::transports).orElseThrow())
                        .as("registered before any offer").contains("webrtc");

                // the first request sends the offer that makes the node try its library, then falls back to the relay
                long t1 = System.nanoTime();
                Response first = gw.dispatch(new Request("run", "edge-broken", null, null, Map.of()), DispatchMode.AUTO,
                        Duration.ofSeconds(20)).get(30, TimeUnit.SECONDS);
                long firstMs = (System.nanoTime() - t1) / 1_000_000;
                assertThat(first.ok()).as("%s", first).isTrue();
                assertThat(first.payload()).containsEntry("fallback_from", "webrtc")
                        .containsEntry("used_transport", "http_relay");
                assertThat(firstMs).as("gave up when the node withdrew webrtc, not after %d ms", READY_MS)
                        .isLessThan(READY_MS / 2);
                assertThat(await(Duration.ofSeconds(10), () -> gw.node("edge-broken").map(NodeInfo::transports)
                        .filter(t -> !t.contains("webrtc")).isPresent()))
                        .as("the node registered again without webrtc").isTrue();
                assertThat(output).anyMatch(l -> l.contains("no longer offers the webrtc transport")
                        && l.contains("cannot be loaded"));

                // later requests do not wait for a session that cannot open
                long t0 = System.nanoTime();
                Response second = gw.dispatch(new Request("run", "edge-broken", null, null, Map.of()),
                        DispatchMode.AUTO,
                        Duration.ofSeconds(20)).get(30, TimeUnit.SECONDS);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(second.ok()).as("%s", second).isTrue();
                assertThat(second.payload()).containsEntry("used_transport", "http_relay")
                        .containsEntry("fallback_from", "webrtc");
                assertThat(ms).as("answered without the %d ms ready timeout", READY_MS).isLessThan(READY_MS / 2);
            } finally {
                if (!proc.waitFor(15, TimeUnit.SECONDS)) {
                    proc.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static boolean await(Duration max, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }
}
