package io.clawgo.examples.cli;

import io.clawgo.testing.ChildJvm;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The {@code clawgo} CLI as a real child JVM ({@code java -cp <this test's class path> ClawgoCli ...}), with its
 * stdout and stderr collected line by line while it runs (see {@link ChildJvm}). {@link #close()} always kills it.
 */
final class CliProcess extends ChildJvm {

    private CliProcess(List<String> args, Process process) {
        super("clawgo " + args, process);
    }

    /** Starts {@code clawgo args...} with the CLAWGO_* variables removed from the environment. */
    static CliProcess start(String... args) throws IOException {
        return start(Map.of(), args);
    }

    /** Starts {@code clawgo args...} with the CLAWGO_* variables replaced by {@code env}. */
    static CliProcess start(Map<String, String> env, String... args) throws IOException {
        return start(List.of(), env, args);
    }

    /** Starts {@code prefix... java ... ClawgoCli args...} (for example in a network namespace). */
    static CliProcess start(List<String> prefix, Map<String, String> env, String... args) throws IOException {
        return new CliProcess(List.of(args), startProcess(
                command(prefix, List.of(), ClawgoCli.class.getName(), List.of(args)), env));
    }

    /** Runs {@code clawgo args...} to completion (killed after {@code timeout}). */
    static Result run(Duration timeout, String... args) throws IOException {
        return run(timeout, Map.of(), args);
    }

    /** Runs {@code clawgo args...} with {@code env} to completion (killed after {@code timeout}). */
    static Result run(Duration timeout, Map<String, String> env, String... args) throws IOException {
        try (CliProcess p = start(env, args)) {
            return p.result(timeout);
        }
    }
}
