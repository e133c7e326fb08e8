package io.clawgo.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proof that the artifacts work as a dependency outside this reactor: a separate Maven project, made in a temporary
 * folder, imports {@code io.clawgo:clawgo-bom} and depends on {@code clawgo-core} and {@code clawgo-transport-ws}
 * (exactly the XML that README.md and docs/embedding.md show: {@code snippets/maven-dependencies.xml}), holds a copy
 * of {@code EmbeddedGateway.java}, is built by a child {@code mvn package}, and runs with {@code java -jar ... --once}:
 * it starts a gateway, answers {@code GET /webui/api/version} and exits 0.
 *
 * <p>Where the io.clawgo artifacts come from: {@code mvn -B verify} at the root (what CI runs) never installs them, so
 * this test installs them itself, into a <em>temporary</em> local repository, from the reactor's fresh
 * {@code <module>/target/<module>-<version>.jar} and {@code pom.xml} files (or, when a module's jar is not built, the
 * jar {@code mvn install} put into the local repository). The user's local repository ({@code ~/.m2/repository}, or
 * {@code -Dmaven.repo.local}) is never written: the child build sees it only as a read-only {@code file://} mirror of
 * every remote repository, so third-party artifacts come from it and nothing comes from the network (the child Maven
 * also runs with {@code -o}, offline except for {@code file:} urls). The sample uses only the plugins, at the versions,
 * that clawgo-core's build has already resolved (resources, compiler, surefire, jar). About 10 s.
 */
class InstalledArtifactsTest {
    private static final Duration BUILD_TIMEOUT = Duration.ofSeconds(120);

    @Test
    void aSeparateProjectBuildsAgainstTheInstalledArtifactsAndRunsEmbeddedGateway(@TempDir Path tmp) throws Exception {
        String mavenHome = System.getProperty("clawgo.mavenHome", System.getenv("MAVEN_HOME"));
        String userRepo = System.getProperty("clawgo.localRepository");
        String version = System.getProperty("clawgo.version");
        assumeTrue(mavenHome != null && userRepo != null && version != null,
                "run through Maven (the pom passes maven.home, settings.localRepository and project.version)");
        Path root = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
        Path mvn = Path.of(mavenHome, "bin", isWindows() ? "mvn.cmd" : "mvn");
        assertThat(mvn).as("the mvn launcher").isRegularFile();

        Path repo = Files.createDirectories(tmp.resolve("repo"));
        Path settings = writeSettings(tmp, Path.of(userRepo));
        Path emptySettings = Files.writeString(tmp.resolve("global-settings.xml"), "<settings/>\n");
        List<String> maven = new ArrayList<>(List.of(mvn.toString(), "-B", "-q", "-o",
                "-Daether.offline.protocols=file", "-s", settings.toString(), "-gs", emptySettings.toString(),
                "-Dmaven.repo.local=" + repo));

        // 1. install the io.clawgo artifacts into the temporary local repository
        String rootPom = Files.readString(root.resolve("pom.xml"));
        install(repo, "clawgo-parent", version, null, root.resolve("pom.xml"));
        install(repo, "clawgo-bom", version, null, root.resolve("clawgo-bom/pom.xml"));
        for (String module : List.of("clawgo-core", "clawgo-transport-ws")) {
            Path jar = root.resolve(module + "/target/" + module + "-" + version + ".jar");
            if (!Files.isRegularFile(jar)) {
                jar = Path.of(userRepo, "io", "clawgo", module, version, module + "-" + version + ".jar");
            }
            assertThat(jar).as(module + " is built (mvn package) or installed (mvn install)").isRegularFile();
            install(repo, module, version, jar, root.resolve(module + "/pom.xml"));
        }

        // 2. the sample project: the documented dependency snippet and a copy of the real EmbeddedGateway.java
        Path sample = Files.createDirectories(tmp.resolve("sample"));
        String dependencies = snippet("maven-dependencies.xml");
        assertThat(dependencies).as("the documented BOM version is the project version")
                .contains("<version>" + version + "</version>");
        Files.writeString(sample.resolve("pom.xml"), samplePom(dependencies, rootPom, repo));
        Path source = root.resolve("clawgo-examples/src/main/java/io/clawgo/examples/EmbeddedGateway.java");
        Path copy = sample.resolve("src/main/java/io/clawgo/examples/EmbeddedGateway.java");
        Files.createDirectories(copy.getParent());
        Files.copy(source, copy);
        run(maven, List.of("package"), sample, "mvn package of the sample project");
        Path jar = sample.resolve("target/clawgo-sample-1.0.jar");
        assertThat(jar).isRegularFile();

        // 3. run it: start, answer /webui/api/version, exit 0
        List<String> java = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString(), "--once");
        ProcessBuilder pb = new ProcessBuilder(java).directory(sample.toFile()).redirectErrorStream(false);
        pb.environment().keySet().removeIf(k -> k.startsWith("CLAWGO_"));
        pb.environment().put("CLAWGO_GATEWAY_TOKEN", "sample-token");
        Process p = pb.start();
        try {
            boolean exited = p.waitFor(60, TimeUnit.SECONDS);
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = exited ? new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8) : "";
            assertThat(exited).as("the sample exits\n" + out + err).isTrue();
            assertThat(p.exitValue()).as(out + err).isZero();
            assertThat(out).as(err).containsPattern("gateway on http://127\\.0\\.0\\.1:\\d+")
                    .contains("version: {ok=true").contains("p2p_transport=websocket_tunnel");
        } finally {
            p.destroyForcibly();
        }
    }

    /** A settings file whose only mirror is the user's local repository, read as a {@code file://} repository. */
    private static Path writeSettings(Path tmp, Path userRepo) throws IOException {
        return Files.writeString(tmp.resolve("settings.xml"), """
                <settings>
                  <mirrors>
                    <mirror>
                      <id>user-local-repository</id>
                      <mirrorOf>*</mirrorOf>
                      <url>%s</url>
                    </mirror>
                  </mirrors>
                </settings>
                """.formatted(userRepo.toUri()));
    }

    /**
     * Puts {@code io.clawgo:<artifactId>:<version>} into {@code repo} as {@code mvn install} lays it out: the pom, and
     * the jar unless it is a pom-only artifact. Plain file copies, so that no plugin is needed: a fresh
     * {@code mvn verify} has not downloaded maven-install-plugin (it runs in the install phase only).
     */
    private static void install(Path repo, String artifactId, String version, Path jar, Path pom) throws IOException {
        Path dir = Files.createDirectories(repo.resolve("io/clawgo/" + artifactId + "/" + version));
        Files.copy(pom, dir.resolve(artifactId + "-" + version + ".pom"));
        if (jar != null) {
            Files.copy(jar, dir.resolve(artifactId + "-" + version + ".jar"));
        }
    }

    /**
     * The sample project: the snippet, and the plugins of a jar build pinned to the versions this build uses (they
     * are in the local repository once clawgo-core is built). The jar's manifest names the main class and, as
     * {@code Class-Path}, the dependency jars in {@code repo}, so {@code java -jar} runs it.
     */
    private static String samplePom(String dependencies, String rootPom, Path repo) {
        String deps = dependencies.strip().replace("\n", "\n  ");
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>com.example</groupId>
                  <artifactId>clawgo-sample</artifactId>
                  <version>1.0</version>
                  <properties>
                    <maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>

                  %s

                  <build>
                    <plugins>
                      <plugin><artifactId>maven-resources-plugin</artifactId><version>%s</version></plugin>
                      <plugin><artifactId>maven-compiler-plugin</artifactId><version>%s</version></plugin>
                      <plugin><artifactId>maven-surefire-plugin</artifactId><version>%s</version></plugin>
                      <plugin>
                        <artifactId>maven-jar-plugin</artifactId>
                        <version>%s</version>
                        <configuration>
                          <archive>
                            <manifest>
                              <mainClass>io.clawgo.examples.EmbeddedGateway</mainClass>
                              <!-- java -jar finds the dependencies where Maven resolved them -->
                              <addClasspath>true</addClasspath>
                              <classpathLayoutType>repository</classpathLayoutType>
                              <classpathPrefix>%s</classpathPrefix>
                            </manifest>
                          </archive>
                        </configuration>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(deps, pluginVersion(rootPom, "maven-resources-plugin"),
                pluginVersion(rootPom, "maven-compiler-plugin"), pluginVersion(rootPom, "maven-surefire-plugin"),
                pluginVersion(rootPom, "maven-jar-plugin"), repo.toUri());
    }

    /** The version the root pom's pluginManagement pins for {@code artifactId}. */
    static String pluginVersion(String rootPom, String artifactId) {
        Matcher m = Pattern.compile("<artifactId>" + Pattern.quote(artifactId)
                + "</artifactId>\\s*<version>([^<]+)</version>").matcher(rootPom);
        assertThat(m.find()).as("the root pom pins " + artifactId).isTrue();
        return m.group(1).trim();
    }

    /** A file of {@code src/test/resources/snippets}: text that the docs show and the tests use. */
    static String snippet(String name) throws IOException {
        try (InputStream in = InstalledArtifactsTest.class.getResourceAsStream("/snippets/" + name)) {
            assertThat(in).as("snippet " + name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Runs Maven in {@code dir}; fails with its output when it does not exit 0 within the timeout. */
    private static void run(List<String> maven, List<String> goals, Path dir, String what) throws Exception {
        List<String> cmd = new ArrayList<>(maven);
        cmd.addAll(goals);
        Path log = dir.resolve("maven.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("MAVEN_OPTS");
        pb.environment().remove("MAVEN_ARGS");
        Process p = pb.start();
        try {
            boolean exited = p.waitFor(BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            String out = Files.readString(log);
            assertThat(exited).as(what + " did not finish within " + BUILD_TIMEOUT + "\n" + out).isTrue();
            assertThat(p.exitValue()).as(what + " failed: " + String.join(" ", cmd) + "\n" + out).isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("win");
    }
}
