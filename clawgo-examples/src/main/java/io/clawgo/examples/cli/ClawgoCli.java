package io.clawgo.examples.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Properties;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code clawgo} command line: {@code gateway}, {@code node register}, {@code node heartbeat}, {@code dispatch}
 * and {@code demo}.
 *
 * <p>Exit codes: 0 success, 1 the operation failed, 2 bad usage or bad configuration (one {@code error:} line on
 * stderr, nothing attempted). Long-running commands stop cleanly on SIGINT/SIGTERM and exit 0.
 */
@Command(name = "clawgo",
        mixinStandardHelpOptions = true,
        versionProvider = ClawgoCli.VersionProvider.class,
        description = {
            "Gateway and node of a small agent network (clawgo-java).",
            "",
            "Start a gateway, register nodes with it, and dispatch tasks to them. Try 'clawgo demo' for all of it "
                    + "in one process."},
        subcommands = {
            GatewayCommand.class,
            NodeCommand.class,
            DispatchCommand.class,
            DemoCommand.class,
            CommandLine.HelpCommand.class},
        footer = {
            "",
            "Exit codes: 0 success, 1 failure, 2 bad usage or configuration.",
            "Environment: CLAWGO_GATEWAY_URL and CLAWGO_GATEWAY_TOKEN for nodes and",
            "clients; CLAWGO_GATEWAY_HOST, CLAWGO_GATEWAY_PORT and CLAWGO_GATEWAY_TOKEN",
            "for the gateway."})
public final class ClawgoCli implements Runnable {

    @Spec
    CommandSpec spec;

    /** Keeps OkHttp's java.util.logging logger configured (loggers are weakly referenced). */
    private static final Logger OKHTTP_JUL = Logger.getLogger("okhttp3");

    public static void main(String[] args) {
        OKHTTP_JUL.setLevel(Level.WARNING);
        Lifecycle.exit(run(args));
    }

    /** Parses and runs {@code args}; returns the exit code (no {@link System#exit}). */
    static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The configured command line (usage errors: one line and exit code 2; other errors: one line, exit 1). */
    static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new ClawgoCli());
        cmd.setParameterExceptionHandler(ClawgoCli::usageError);
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            LoggerFactory.getLogger(ClawgoCli.class).debug("command failed", ex);
            commandLine.getErr().println("error: " + Cli.oneLine(message(ex)));
            commandLine.getErr().flush();
            return Cli.FAILED;
        });
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setUsageHelpAutoWidth(true);
        return cmd;
    }

    private static String message(Throwable ex) {
        String m = ex.getMessage();
        return m == null || m.isBlank() ? ex.toString() : m;
    }

    /** One line {@code error: <message> (see '<command> --help')} on stderr, exit code 2; no usage dump. */
    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        String message = Cli.decapitalize(message(ex));
        if (ex instanceof CommandLine.UnmatchedArgumentException u) {
            List<String> unmatched = u.getUnmatched();
            String first = unmatched.isEmpty() ? "" : unmatched.get(0);
            boolean hasSubcommands = !cmd.getSubcommands().isEmpty();
            if (hasSubcommands && !first.startsWith("-")) {
                message = "unknown command '" + first + "'";
            } else if (first.startsWith("-")) {
                message = "unknown option '" + first + "'";
            }
            List<String> suggestions = u.getSuggestions();
            if (!suggestions.isEmpty()) {
                message += "; did you mean " + String.join(" or ", suggestions.subList(0, Math.min(3,
                        suggestions.size()))) + "?";
            }
        }
        cmd.getErr().println("error: " + Cli.oneLine(message) + " (see '"
                + cmd.getCommandSpec().qualifiedName() + " --help')");
        cmd.getErr().flush();
        return Cli.USAGE;
    }

    /** Without a subcommand: the help, exit 0. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code clawgo --version}: this CLI's version and the Java runtime. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"clawgo " + version(), "Java " + System.getProperty("java.version") + " ("
                    + System.getProperty("java.vendor", "unknown vendor") + ")"};
        }
    }

    /** The project version baked into the jar at build time. */
    static String version() {
        Properties p = new Properties();
        try (InputStream in = ClawgoCli.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // fall through
        }
        String v = p.getProperty("version", "");
        return v.isBlank() || v.startsWith("${") ? "unknown" : v;
    }
}
