package io.clawgo.examples.cli;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Small helpers shared by the commands: exit codes, environment defaults, output formatting. */
final class Cli {

    /** Success. */
    static final int OK = 0;
    /** The operation failed (network, refused by the gateway, dispatch not completed, port taken, ...). */
    static final int FAILED = 1;
    /** Bad usage or bad configuration: nothing was attempted. */
    static final int USAGE = 2;

    static final String ENV_GATEWAY_URL = "CLAWGO_GATEWAY_URL";
    static final String ENV_GATEWAY_TOKEN = "CLAWGO_GATEWAY_TOKEN";
    static final String ENV_GATEWAY_HOST = "CLAWGO_GATEWAY_HOST";
    static final String ENV_GATEWAY_PORT = "CLAWGO_GATEWAY_PORT";

    static final String DEFAULT_GATEWAY_URL = "http://127.0.0.1:18790";

    private static final SecureRandom RANDOM = new SecureRandom();

    private Cli() {
    }

    /** The environment variable, or {@code null} when unset or blank. */
    static String env(String name) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** The first non-blank value, or {@code null}. */
    static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return null;
    }

    /**
     * The gateway URL as the original CLI normalises it: {@code http://} is prefixed when there is no scheme and
     * trailing slashes are dropped. Further checks are {@link io.clawgo.NodeAgent}'s and {@link io.clawgo.GatewayClient}'s.
     */
    static String normalizeUrl(String url) {
        if (url == null || url.isBlank()) {
            return url;
        }
        String u = url.trim();
        if (!u.contains("://")) {
            u = "http://" + u;
        }
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        return u;
    }

    /** The gateway URL from the flag, else {@code $CLAWGO_GATEWAY_URL}, else {@value #DEFAULT_GATEWAY_URL}. */
    static String gatewayUrl(String flag) {
        return normalizeUrl(firstNonBlank(flag, env(ENV_GATEWAY_URL), DEFAULT_GATEWAY_URL));
    }

    /** The gateway token from the flag, else {@code $CLAWGO_GATEWAY_TOKEN}, else {@code null} (no auth). */
    static String gatewayToken(String flag) {
        return firstNonBlank(flag, env(ENV_GATEWAY_TOKEN));
    }

    /** A fresh token in the original's format: {@code cg_} and 32 hex digits (128 random bits). */
    static String generateToken() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return "cg_" + HexFormat.of().formatHex(b);
    }

    /**
     * This machine's host name, usable as a node id: {@code $HOSTNAME}, {@code /etc/hostname}, the resolver's name,
     * else {@code node}. Characters a node id cannot hold become {@code -}.
     */
    static String hostname() {
        String h = firstNonBlank(System.getenv("HOSTNAME"), System.getenv("COMPUTERNAME"));
        if (h == null) {
            try {
                h = firstNonBlank(Files.readString(Path.of("/etc/hostname"), StandardCharsets.UTF_8));
            } catch (IOException | RuntimeException e) {
                h = null;
            }
        }
        if (h == null) {
            try {
                h = firstNonBlank(java.net.InetAddress.getLocalHost().getHostName());
            } catch (IOException | RuntimeException e) {
                h = null;
            }
        }
        if (h == null) {
            return "node";
        }
        String id = h.replaceAll("[^A-Za-z0-9._:-]", "-");
        return id.length() > 128 ? id.substring(0, 128) : id;
    }

    /** One line: newlines and tabs become spaces (an {@code error:} message is always one line). */
    static String oneLine(String s) {
        if (s == null || s.isBlank()) {
            return "unknown error";
        }
        return s.replaceAll("\\s*[\\r\\n\\t]+\\s*", " ").trim();
    }

    /** {@code error: <message>} on the command's stderr. */
    static void error(CommandSpec spec, String message) {
        spec.commandLine().getErr().println("error: " + oneLine(message));
        spec.commandLine().getErr().flush();
    }

    /** A line on the command's stdout, flushed at once (scripts and tests read it while the command runs). */
    static void out(CommandSpec spec, String line) {
        spec.commandLine().getOut().println(line);
        spec.commandLine().getOut().flush();
    }

    /** A usage error: reported by the parameter exception handler as one line, exit code {@value #USAGE}. */
    static CommandLine.ParameterException usage(CommandSpec spec, String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** Indented JSON of a decoded JSON value. */
    static String prettyJson(Object value) {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(value);
    }

    /** {@code s} with its first letter in lower case (picocli's messages start with a capital). */
    static String decapitalize(String s) {
        if (s == null || s.isEmpty() || s.length() > 1 && Character.isUpperCase(s.charAt(1))) {
            return s;
        }
        return s.substring(0, 1).toLowerCase(Locale.ROOT) + s.substring(1);
    }
}
