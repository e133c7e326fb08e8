package io.clawgo.it.faults;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Reads a gateway's data directory as the files are, without the library: what a crash left behind. */
final class DataDir {
    static final String STATE = "nodes-state.json";
    static final String NODE_AUDIT = "nodes-audit.jsonl";
    static final String DISPATCH_AUDIT = "nodes-dispatch-audit.jsonl";

    private DataDir() {
    }

    /** The entries of {@code nodes-state.json}; -1 when there is none; fails when it is not a JSON array. */
    static int stateEntries(Path dir) throws IOException {
        try {
            String text = Files.readString(dir.resolve(STATE), StandardCharsets.UTF_8);
            JsonElement el = JsonParser.parseString(text);
            if (!el.isJsonArray()) {
                throw new AssertionError(STATE + " is not a JSON array: " + text.substring(0, Math.min(200,
                        text.length())));
            }
            return el.getAsJsonArray().size();
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    /** Names of the temporary files of unfinished state writes. */
    static List<String> tempFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(STATE + ".") && n.endsWith(".tmp")).toList();
        }
    }

    /** How the lines of an audit file parse. */
    record AuditLines(int valid, int invalid, boolean tornLast) {
    }

    /** Parses every line of {@code file} (missing: no lines); {@code tornLast} when only the last one is bad. */
    static AuditLines auditLines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return new AuditLines(0, 0, false);
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        int valid = 0;
        int invalid = 0;
        boolean lastBad = false;
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            boolean ok;
            try {
                ok = JsonParser.parseString(line).isJsonObject();
            } catch (RuntimeException e) {
                ok = false;
            }
            if (ok) {
                valid++;
            } else {
                invalid++;
            }
            lastBad = !ok;
        }
        return new AuditLines(valid, invalid, invalid == 1 && lastBad);
    }
}
