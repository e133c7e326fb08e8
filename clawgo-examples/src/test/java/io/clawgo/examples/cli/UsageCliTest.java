package io.clawgo.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Usage errors, help and version, each in a real child JVM. */
@Execution(ExecutionMode.CONCURRENT)
class UsageCliTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    static Stream<Arguments> usageErrors() {
        return Stream.of(
                Arguments.of(new String[] {"node", "register", "--frobnicate"}, "unknown option '--frobnicate'",
                        "clawgo node register --help"),
                Arguments.of(new String[] {"node", "register", "--heartbeat-sec", "abc"}, "'abc' is not an int",
                        "clawgo node register --help"),
                Arguments.of(new String[] {"nope"}, "unknown command 'nope'", "clawgo --help"),
                Arguments.of(new String[] {"node", "frob"}, "unknown command 'frob'", "clawgo node --help"),
                Arguments.of(new String[] {"node", "register", "--capabilities", "run,teleport"},
                        "unknown capability 'teleport'", "clawgo node register --help"),
                Arguments.of(new String[] {"node", "register", "--heartbeat-sec", "0"},
                        "--heartbeat-sec must be in 1..3600", "clawgo node register --help"),
                Arguments.of(new String[] {"node", "register", "--heartbeat-sec", "3601"},
                        "--heartbeat-sec must be in 1..3600", "clawgo node register --help"),
                Arguments.of(new String[] {"node", "register", "--id", "bad id!"}, "id must be",
                        "clawgo node register --help"),
                Arguments.of(new String[] {"node", "register", "--transports", "webtrc", "--watch"},
                        "no transport 'webtrc'", "clawgo node register --help"),
                Arguments.of(new String[] {"dispatch", "--task", "x"}, "missing required option",
                        "clawgo dispatch --help"),
                Arguments.of(new String[] {"gateway", "--port", "70000"}, "--port must be in 0..65535",
                        "clawgo gateway --help"),
                Arguments.of(new String[] {"gateway", "--no-auth", "--token", "x"}, "exclude each other",
                        "clawgo gateway --help"));
    }

    @ParameterizedTest(name = "clawgo {0}")
    @MethodSource("usageErrors")
    void usageErrorIsOneLineAndExitCode2(String[] args, String expected, String helpHint) throws Exception {
        CliProcess.Result r = CliProcess.run(TIMEOUT, args);

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).as(r.toString()).hasSize(1);
        assertThat(r.stderr().get(0)).startsWith("error: ").contains(expected)
                .endsWith("(see '" + helpHint + "')");
        assertThat(r.stdout()).as("no usage dump").isEmpty();
    }

    @Test
    void topLevelHelpListsTheCommands() throws Exception {
        CliProcess.Result r = CliProcess.run(TIMEOUT, "--help");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdoutText()).contains("Usage: clawgo", "gateway", "node", "dispatch", "demo", "Exit codes");
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void nodeRegisterHelpMentionsEveryFlagOfTheSeed() throws Exception {
        CliProcess.Result r = CliProcess.run(TIMEOUT, "node", "register", "--help");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdoutText()).contains("--gateway", "--token", "--node-token", "--id", "--name", "--endpoint",
                "--actions", "--models", "--tags", "--capabilities", "--watch", "--heartbeat-sec");
    }

    @Test
    void gatewayHelpMentionsItsFlags() throws Exception {
        CliProcess.Result r = CliProcess.run(TIMEOUT, "gateway", "--help");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdoutText()).contains("--config", "--host", "--port", "--token", "--no-auth", "--transport",
                "--data-dir", "--node-ttl-sec", "CLAWGO_GATEWAY_TOKEN");
    }

    @Test
    void versionPrintsTheProjectVersion() throws Exception {
        CliProcess.Result r = CliProcess.run(TIMEOUT, "--version");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout().get(0)).matches("clawgo \\d+\\.\\d+\\.\\d+.*");
    }
}
