package io.clawgo.examples.cli;

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
 * The {@code clawgo} CLI as a real child JVM ({@code java -cp <this test's class path> ClawgoCli ...}), with its
 * stdout and stderr collected line by line while it runs. {@link #close()} always kills it.
 */
final class CliProcess implements AutoCloseable {

    /** Start-up flags that make a short-lived child JVM start faster. */
    private static final List<String> JVM_FLAGS = List.of(
            "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-XX:+UseSerialGC", "-Xmx192m", "-Xss512k");

    private final List<String> args;
    private final Process process;
    private final List<String> out = new CopyOnWriteArrayList<>();
    private final List<String> err = new CopyOnWriteArrayList<>();
    private final Thread outReader;
    private final Thread errReader;

    private CliProcess(List<String> args, Process process) {
        this.args = args;
        this.process = process;
        this.outReader = pump(process.getInputStream(), out, "stdout");
        this.errReader = pump(process.getErrorStream(), err, "stderr");
    }

    /** Starts {@code clawgo args...} with the CLAWGO_* variables removed from the environment. */
    static CliProcess start(String... args) throws IOException {
        return start(Map.of(), args);
    }

    /** Starts {@code clawgo args...} with the CLAWGO_* variables replaced by {@code env}. */
    static CliProcess start(Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_FLAGS);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ClawgoCli.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("CLAWGO_"));
        pb.environment().putAll(env);
        return new CliProcess(List.of(args), pb.start());
    }

    /** Runs {@code clawgo args...} to completion (killed after {@code timeout}). */
    static Result run(Duration timeout, String... args) throws IOException {
        return run(timeout, Map.of(), args);
    }

    /** Runs {@code clawgo args...} with {@code env} to completion (killed after {@code timeout}). */
    static Result run(Duration timeout, Map<String, String> env, String... args) throws IOException {
        try (CliProcess p = start(env, args)) {
            int code = p.waitFor(timeout);
            return new Result(code, p.stdout(), p.stderr());
        }
    }

    private static Thread pump(InputStream in, List<String> sink, String name) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    sink.add(line);
                }
            } catch (IOException e) {
                // the process was killed
            }
        }, "cli-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * Waits until a stdout line matches {@code regex} (find) and returns the match.
     *
     * @throws AssertionError with the output so far on timeout or when the process ends first
     */
    Matcher awaitStdout(String regex, Duration timeout) throws InterruptedException {
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
                    throw new AssertionError("clawgo " + args + " exited (" + process.exitValue()
                            + ") before printing /" + regex + "/\n" + dump());
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
     * Sends SIGTERM, like {@link Process#destroy()}, but through {@link ProcessHandle#destroy()}: {@code Process.destroy()}
     * also closes our ends of the child's pipes, which would lose what it prints while it shuts down.
     */
    void terminate() {
        process.toHandle().destroy();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits for the exit and for the rest of its output.
     *
     * @throws AssertionError (after killing it) when it does not exit within {@code timeout}
     */
    int waitFor(Duration timeout) throws IOException {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("clawgo " + args + " did not exit within " + timeout + "\n" + dump());
            }
            outReader.join(2000);
            errReader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return process.exitValue();
    }

    List<String> stdout() {
        return List.copyOf(out);
    }

    List<String> stderr() {
        return List.copyOf(err);
    }

    /** The output so far, for failure messages. */
    String dump() {
        return "--- stdout of clawgo " + args + ":\n" + String.join("\n", out) + "\n--- stderr:\n"
                + String.join("\n", err);
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

    /** How a finished run ended. */
    record Result(int exitCode, List<String> stdout, List<String> stderr) {
        /** The stderr lines that start with {@code error:}. */
        List<String> errorLines() {
            return stderr.stream().filter(l -> l.startsWith("error:")).toList();
        }

        String stdoutText() {
            return String.join("\n", stdout);
        }

        String stderrText() {
            return String.join("\n", stderr);
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout:\n" + stdoutText() + "\n--- stderr:\n" + stderrText();
        }
    }
}
