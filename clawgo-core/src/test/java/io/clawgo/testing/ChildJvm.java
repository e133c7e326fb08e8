package io.clawgo.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code main} class run as a real child JVM ({@code java -cp <this test's class path> <main> ...}), with its stdout
 * and stderr collected line by line while it runs. {@link #close()} always kills it.
 *
 * <p>The child gets the {@code CLAWGO_*} variables of this JVM removed, plus the ones the test passes. Two lines that
 * webrtc-java 0.14.0's native teardown prints to stdout when a JVM that loaded it exits ({@code VM attach current
 * thread failed}, {@code Failed to attach thread N}) are dropped from stdout: they come from the native library, not
 * from our code, and would otherwise break every "stdout is exactly ..." assertion (see the transport's README,
 * "Known upstream issues").
 */
public class ChildJvm implements AutoCloseable {

    /** Start-up flags that make a short-lived child JVM start faster. */
    public static final List<String> JVM_FLAGS = List.of(
            "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-XX:+UseSerialGC", "-Xmx192m", "-Xss512k");

    private static final Pattern NATIVE_NOISE =
            Pattern.compile("^(VM attach current thread failed|Failed to attach thread \\d+)$");

    private final String label;
    private final Process process;
    private final List<String> out = new CopyOnWriteArrayList<>();
    private final List<String> err = new CopyOnWriteArrayList<>();
    private final Thread outReader;
    private final Thread errReader;

    protected ChildJvm(String label, Process process) {
        this.label = label;
        this.process = process;
        this.outReader = pump(process.getInputStream(), out, "stdout", true);
        this.errReader = pump(process.getErrorStream(), err, "stderr", false);
    }

    /** The command line that runs {@code mainClass} with this JVM's class path, wrapped by {@code prefix}. */
    public static List<String> command(List<String> prefix, List<String> jvmArgs, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_FLAGS);
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    /** Starts {@code mainClass args...} with the CLAWGO_* variables replaced by {@code env}. */
    public static ChildJvm start(String mainClass, Map<String, String> env, String... args) throws IOException {
        return start(List.of(), mainClass, env, args);
    }

    /** Flags that undo {@link #JVM_FLAGS}' start-up tuning for a long-lived, loaded child (benchmarks): C2, G1, 1 GiB. */
    public static final List<String> SERVER_FLAGS = List.of(
            "-XX:TieredStopAtLevel=4", "-XX:-UseSerialGC", "-XX:+UseG1GC", "-Xmx1g", "-Xss1m");

    /** As {@link #start(String, Map, String...)}, with {@code jvmArgs} after {@link #JVM_FLAGS} (the later flag wins). */
    public static ChildJvm startWithJvmArgs(List<String> jvmArgs, String mainClass, Map<String, String> env,
                                           String... args) throws IOException {
        return new ChildJvm(mainClass.substring(mainClass.lastIndexOf('.') + 1) + " " + List.of(args),
                startProcess(command(List.of(), jvmArgs, mainClass, List.of(args)), env, null));
    }

    /**
     * Starts {@code prefix... java ... mainClass args...} (a prefix such as {@code unshare -n} runs the JVM in a
     * network namespace) with the CLAWGO_* variables replaced by {@code env}.
     */
    public static ChildJvm start(List<String> prefix, String mainClass, Map<String, String> env, String... args)
            throws IOException {
        return startIn(null, prefix, mainClass, env, args);
    }

    /** As {@link #start(List, String, Map, String...)}, in working directory {@code dir} ({@code null}: ours). */
    public static ChildJvm startIn(Path dir, List<String> prefix, String mainClass, Map<String, String> env,
                                   String... args) throws IOException {
        return new ChildJvm(mainClass.substring(mainClass.lastIndexOf('.') + 1) + " " + List.of(args),
                startProcess(command(prefix, List.of(), mainClass, List.of(args)), env, dir));
    }

    /** Starts {@code cmd} with the CLAWGO_* variables replaced by {@code env}. */
    protected static Process startProcess(List<String> cmd, Map<String, String> env) throws IOException {
        return startProcess(cmd, env, null);
    }

    /** Starts {@code cmd} in {@code dir} ({@code null}: ours) with the CLAWGO_* variables replaced by {@code env}. */
    protected static Process startProcess(List<String> cmd, Map<String, String> env, Path dir) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().keySet().removeIf(k -> k.startsWith("CLAWGO_"));
        pb.environment().putAll(env);
        return pb.start();
    }

    private static Thread pump(InputStream in, List<String> sink, String name, boolean dropNativeNoise) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (!dropNativeNoise || !NATIVE_NOISE.matcher(line).matches()) {
                        sink.add(line);
                    }
                }
            } catch (IOException e) {
                // the process was killed
            }
        }, "child-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * Waits until a stdout line matches {@code regex} (find) and returns the match.
     *
     * @throws AssertionError with the output so far on timeout or when the process ends first
     */
    public Matcher awaitStdout(String regex, Duration timeout) throws InterruptedException {
        Pattern p = Pattern.compile(regex);
        long end = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        while (true) {
            List<String> lines = List.copyOf(out);
            for (int i = seen; i < lines.size(); i++) {
                Matcher m = p.matcher(lines.get(i));
                if (m.find()) {
                    return m;
                }
            }
            seen = lines.size();
            if (!process.isAlive()) {
                outReader.join(1000);
                if (out.size() == seen) {
                    throw new AssertionError(label + " exited (" + process.exitValue() + ") before printing /"
                            + regex + "/\n" + dump());
                }
                continue;
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("no stdout line /" + regex + "/ within " + timeout + "\n" + dump());
            }
            Thread.sleep(20);
        }
    }

    /**
     * Sends SIGTERM, like {@link Process#destroy()}, but through {@link ProcessHandle#destroy()}:
     * {@code Process.destroy()} also closes our ends of the child's pipes, which would lose what it prints while it
     * shuts down.
     */
    public void terminate() {
        process.toHandle().destroy();
    }

    /**
     * Sends SIGKILL, like {@link Process#destroyForcibly()} but through the handle (our ends of the pipes stay open),
     * and waits for the process to be gone: a crash, with no shutdown hook and no flush.
     *
     * @throws AssertionError when it still runs 10 s later
     */
    public void kill() {
        process.toHandle().destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new AssertionError(label + " still runs 10 s after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while killing " + label, e);
        }
    }

    /** The child's process id. */
    public long pid() {
        return process.pid();
    }

    /**
     * For the {@code main} of a child: halts its JVM after {@code lifetime} (exit status 3, with a line on stderr), so
     * that a test that dies without killing its children never leaves one behind.
     *
     * @return the daemon thread that waits (interrupting it cancels the halt)
     */
    public static Thread haltAfter(Duration lifetime) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(lifetime.toMillis());
                System.err.println("maximum lifetime of " + lifetime.toSeconds() + " s reached; exiting");
                Runtime.getRuntime().halt(3);
            } catch (InterruptedException e) {
                // the JVM is ending anyway
            }
        }, "child-lifetime");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Whether the child still runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits for the exit and for the rest of its output.
     *
     * @throws AssertionError (after killing it) when it does not exit within {@code timeout}
     */
    public int waitFor(Duration timeout) throws IOException {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(label + " did not exit within " + timeout + "\n" + dump());
            }
            outReader.join(2000);
            errReader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return process.exitValue();
    }

    /** Waits for the exit (killing it after {@code timeout}) and returns how it ended. */
    public Result result(Duration timeout) throws IOException {
        int code = waitFor(timeout);
        return new Result(code, stdout(), stderr());
    }

    /** The stdout lines so far. */
    public List<String> stdout() {
        return List.copyOf(out);
    }

    /** The stderr lines so far. */
    public List<String> stderr() {
        return List.copyOf(err);
    }

    /** The output so far, for failure messages. */
    public String dump() {
        return "--- stdout of " + label + ":\n" + String.join("\n", out) + "\n--- stderr:\n" + String.join("\n", err);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * How a finished run ended.
     *
     * @param exitCode the exit status
     * @param stdout   stdout lines (without the native noise)
     * @param stderr   stderr lines
     */
    public record Result(int exitCode, List<String> stdout, List<String> stderr) {
        /** The stderr lines that start with {@code error:}. */
        public List<String> errorLines() {
            return stderr.stream().filter(l -> l.startsWith("error:")).toList();
        }

        /** Stdout as one string. */
        public String stdoutText() {
            return String.join("\n", stdout);
        }

        /** Stderr as one string. */
        public String stderrText() {
            return String.join("\n", stderr);
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout:\n" + stdoutText() + "\n--- stderr:\n" + stderrText();
        }
    }
}
