package io.clawgo.it.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.clawgo.it.Repo;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library on the module path, as a JPMS application would use it: the {@code clawgo demo} of the examples jar runs
 * in a child JVM with the examples jar and its whole runtime class path (written by the examples build) on
 * {@code --module-path}, so the automatic modules must resolve (no two jars with one module name) and
 * {@code ServiceLoader} must find the transports through the modules' {@code provides}.
 */
class ModulePathDemoTest {
    @TempDir
    Path dir;

    @Test
    void theDemoRunsWithEveryJarOnTheModulePath() throws Exception {
        Path examples = Repo.root().resolve("clawgo-examples/target");
        Path classpathFile = examples.resolve("runtime-classpath.txt");
        Path jar;
        try (Stream<Path> files = Files.list(examples)) {
            // the module's own jar: clawgo-examples-<version>.jar, not -sources, -javadoc or the shaded clawgo.jar
            jar = files.filter(p -> p.getFileName().toString().matches("clawgo-examples-\\d[\\w.]*(-SNAPSHOT)?\\.jar"))
                    .findFirst().orElse(null);
        }
        assumeTrue(jar != null && Files.isRegularFile(classpathFile),
                "the examples module is not packaged here (run mvn verify from the repository root)");

        String modulePath = jar + File.pathSeparator + Files.readString(classpathFile, StandardCharsets.UTF_8).trim();
        Path out = dir.resolve("demo.out");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path", modulePath,
                // the demo's local endpoint uses the JDK's HTTP server, which a module of the application would require
                "--add-modules", "ALL-MODULE-PATH,jdk.httpserver",
                "-m", "io.clawgo.examples/io.clawgo.examples.cli.ClawgoCli",
                "demo", "--once", "--port", "0"));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        boolean ended = p.waitFor(90, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(ended).as("the demo ended by itself:%n%s", output).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).doesNotContain("ResolutionException", "NoClassDefFoundError", "ServiceConfigurationError");
        // the node without webrtc is reached over the tunnel, found through the module's provides clause
        assertThat(output.lines().filter(l -> l.startsWith("demo-tunnel ")).findFirst().orElse(""))
                .as(output).contains("websocket_tunnel", "agent_task from demo-tunnel");
    }
}
