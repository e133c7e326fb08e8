package io.clawgo.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The CLI flags table of docs/configuration.md lists exactly the options the commands have (read from picocli's
 * model), with their parameter labels, so the table cannot drift from the code.
 */
class CliDocsTest {
    /** {@code | `clawgo gateway` | `--port PORT` | ...}. */
    private static final Pattern ROW = Pattern.compile("^\\| `clawgo ([a-z ]+)` \\| `(--[a-z-]+)( [A-Z_][A-Z_\\[\\],.]*)?` \\|");

    @Test
    void theConfigurationPageListsEveryFlagOfEveryCommand() throws Exception {
        Path doc = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent()
                .resolve("docs/configuration.md");
        Set<String> documented = new TreeSet<>();
        for (String line : Files.readAllLines(doc)) {
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                documented.add(m.group(1) + " " + m.group(2) + (m.group(3) == null ? "" : m.group(3)));
            }
        }
        Set<String> actual = new TreeSet<>();
        for (CommandLine c : commands(ClawgoCli.commandLine())) {
            String name = c.getCommandSpec().qualifiedName(" ").replaceFirst("^clawgo ", "");
            for (OptionSpec o : c.getCommandSpec().options()) {
                if (o.usageHelp() || o.versionHelp()) {
                    continue;
                }
                String label = o.typeInfo().isBoolean() ? "" : " " + o.paramLabel().replaceAll("[<>]", "");
                actual.add(name + " " + o.longestName() + label);
            }
        }
        assertThat(documented).as("rows of the CLI flags table in " + doc).isEqualTo(actual);
    }

    /** The commands that have options of their own (leaves of the command tree). */
    private static List<CommandLine> commands(CommandLine root) {
        List<CommandLine> out = new ArrayList<>();
        for (CommandLine sub : root.getSubcommands().values()) {
            if (sub.getCommandName().equals("help") || out.contains(sub)) {
                continue;
            }
            if (sub.getSubcommands().isEmpty()) {
                out.add(sub);
            } else {
                out.addAll(commands(sub));
            }
        }
        return out;
    }
}
