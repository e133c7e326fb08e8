package io.clawgo.it.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.it.Repo;
import io.clawgo.testing.TempDirs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs one end-to-end script of {@code docs/e2e} as a real process (network namespaces, the real {@code clawgo} CLI
 * jar) and asserts its PASS/FAIL table, step by step.
 *
 * <p>Runs only as root on Linux with {@code ip} on the path, else the test is skipped with the reason; the script
 * itself skips (exit 77, also reported as a skip with its reason) when another prerequisite is missing. Steps named
 * in the system property {@code clawgo.e2e.knownFailures} (comma separated, e.g. {@code nat-turn}) may fail: they are
 * reported, the others are asserted. The script's output (with the table) and the logs of its processes go to
 * {@code target/e2e-logs/<script>/}.
 */
final class E2eScript {
    /** {@code | 13 | nat-stun | expectation | PASS | 5.0s | detail} */
    private static final Pattern ROW =
            Pattern.compile("^\\| (\\d{2}) +\\| ([a-z0-9-]+) +\\| .*? \\| (PASS|FAIL) +\\| +([0-9.]+s) \\| (.*)$");

    private E2eScript() {
    }

    /**
     * Runs {@code docs/e2e/<scriptName>} and asserts that its table has exactly {@code steps}, in order, and that each
     * passed.
     *
     * @param scriptName   the script's file name in docs/e2e
     * @param steps        every step of its table, in order: a step that disappears from the script fails the test
     * @param limitMinutes how long it may run before it is stopped (its trap then removes what it made)
     */
    static void runAndAssert(String scriptName, List<String> steps, long limitMinutes) throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"),
                scriptName + " needs Linux network namespaces");
        Assumptions.assumeTrue(isRoot(), scriptName + " needs root (ip netns, veth, firewall rules); "
                + "run it by hand with: sudo docs/e2e/" + scriptName);
        Assumptions.assumeTrue(onPath("ip"), scriptName + " needs the ip command (Debian package iproute2)");
        // -Dtest=... also selects this class in the webrtc-in-netns execution of this module: run once, not twice
        String netns = System.getenv("CLAWGO_WEBRTC_NETNS");
        Assumptions.assumeTrue(System.getenv("CLAWGO_WEBRTC_NETNS_SKIP") == null
                        && (netns == null || netns.equals("manual")),
                "runs in the default Surefire execution, not in the webrtc-in-netns one");

        Path repo = Repo.root();
        Path script = repo.resolve("docs/e2e/" + scriptName);
        Path jar = Path.of(System.getProperty("clawgo.jar",
                repo.resolve("clawgo-examples/target/clawgo.jar").toString()));
        Path logs = repo.resolve("clawgo-it/target/e2e-logs").resolve(scriptName.replace(".sh", ""));
        TempDirs.deleteQuietly(logs);

        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true);
        pb.environment().put("CLAWGO_JAR", jar.toString());
        pb.environment().put("CLAWGO_E2E_JAVA",
                ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java")
                        .toString()));
        pb.environment().put("CLAWGO_E2E_ARTIFACTS", logs.toString());
        pb.environment().remove("CLAWGO_E2E_KEEP");

        List<String> output = new ArrayList<>();
        Process p = pb.start();
        p.getOutputStream().close();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    System.out.println(line);
                    synchronized (output) {
                        output.add(line);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, scriptName + "-output");
        reader.setDaemon(true);
        reader.start();

        boolean finished = p.waitFor(limitMinutes, TimeUnit.MINUTES);
        if (!finished) {
            p.destroy(); // SIGTERM: the script's trap removes its namespaces and processes
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        reader.join(10_000);
        List<String> lines;
        synchronized (output) {
            lines = List.copyOf(output);
        }
        Files.createDirectories(logs);
        Files.write(logs.resolve(scriptName.replace(".sh", ".out")), lines, StandardCharsets.UTF_8);
        assertThat(finished).as("the scenario did not end within %d minutes:%n%s", limitMinutes,
                tail(lines, 40)).isTrue();

        int exit = p.exitValue();
        if (exit == 77) {
            String reason = lines.stream().filter(l -> l.startsWith("SKIP: ")).findFirst().orElse("exit 77");
            Assumptions.abort(scriptName + " cannot run here: " + reason.substring(reason.indexOf(' ') + 1));
        }

        Map<String, String[]> rows = new LinkedHashMap<>();
        for (String line : lines) {
            Matcher m = ROW.matcher(line);
            if (m.matches()) {
                rows.put(m.group(2), new String[] {m.group(3), m.group(4), m.group(5)});
            }
        }
        assertThat(rows.keySet()).as("steps in the PASS/FAIL table (exit %d):%n%s", exit, tail(lines, 40))
                .containsExactlyElementsOf(steps);

        Set<String> known = Arrays.stream(System.getProperty("clawgo.e2e.knownFailures", "").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
        List<String> failed = new ArrayList<>();
        rows.forEach((step, r) -> {
            if (!"PASS".equals(r[0])) {
                if (known.contains(step)) {
                    System.out.println("KNOWN FAILURE (not asserted): " + step + ": " + r[2]);
                } else {
                    failed.add(step + " (" + r[1] + "): " + r[2]);
                }
            }
        });
        assertThat(failed).as("failed steps of " + scriptName + " (logs in %s)", logs).isEmpty();
        if (known.isEmpty()) {
            assertThat(exit).as("exit code of " + scriptName + " with every step passed").isZero();
        }
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", command)) || Files.isExecutable(Path.of("/sbin", command));
    }

    private static String tail(List<String> lines, int n) {
        return String.join(System.lineSeparator(), lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }
}
