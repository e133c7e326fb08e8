package io.clawgo.internal.registry;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.clawgo.internal.files.PrivateFiles;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.WireCodec;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and atomically writes {@code nodes-state.json}: a JSON array of {@link NodeInfo}, tokens included, so the file
 * is owner-only ({@code 0600}) where POSIX permissions exist, in a directory made {@code 0700} (see
 * {@link PrivateFiles}).
 *
 * <p>A write goes to a temporary file in the same directory, is forced to disk, then renamed over the state file
 * ({@code ATOMIC_MOVE}), and the directory is synced, so a crash leaves either the old or the new file, never a mix.
 * Not thread-safe: the registry calls {@link #save} from one writer at a time.
 */
final class NodeStore {

    private static final Logger LOG = LoggerFactory.getLogger(NodeStore.class);

    static final String STATE_FILE = "nodes-state.json";
    static final String TEMP_PREFIX = STATE_FILE + ".";
    static final String TEMP_SUFFIX = ".tmp";
    static final String CORRUPT_INFIX = ".corrupt-";

    private final Path dir;
    private final Path file;
    private final boolean posix;

    NodeStore(Path dir) {
        this.dir = dir.toAbsolutePath();
        this.file = this.dir.resolve(STATE_FILE);
        this.posix = this.dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    Path file() {
        return file;
    }

    /**
     * Reads the state file. A missing file is an empty list; a file that cannot be read (not UTF-8, permissions, ...)
     * or does not parse as a JSON array is renamed to {@code nodes-state.json.corrupt-<epochMillis>} and read as
     * empty, so the next write cannot replace it; single entries that do not decode are skipped. Never throws.
     */
    List<NodeInfo> load(long epochMillis) {
        try {
            // at start: the data directory exists from now on (0700 when made here; a WARN when an existing one is
            // open to group or others), and a state file of an older version is made 0600
            PrivateFiles.directory(dir);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot create data directory {}: {}", dir, e.toString());
        }
        PrivateFiles.restrict(file);
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException | RuntimeException e) {
            // Unreadable (bad UTF-8, permissions, ...): keep it for the operator, out of the way of the next write.
            quarantine(epochMillis, "cannot read it: " + e);
            return List.of();
        }
        JsonArray array;
        try {
            array = parseArray(text);
        } catch (JsonParseException | IOException | IllegalStateException | NumberFormatException
                 | StackOverflowError e) {
            quarantine(epochMillis, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            return List.of();
        }
        List<NodeInfo> out = new ArrayList<>(array.size());
        int index = 0;
        for (JsonElement el : array) {
            try {
                // the element's own text through the codec: its strict rules, and a bad entry fails alone
                NodeInfo n = el.isJsonNull() ? null
                        : WireCodec.get().decode(el.toString(), NodeInfo.class, Integer.MAX_VALUE);
                if (n != null) {
                    out.add(n);
                } else {
                    LOG.warn("skipping entry {} of node state file {}: null", index, file);
                }
            } catch (ProtocolException | RuntimeException e) {
                LOG.warn("skipping entry {} of node state file {}: {}", index, file, e.getMessage());
            }
            index++;
        }
        return out;
    }

    private static JsonArray parseArray(String text) throws IOException {
        JsonReader reader = new JsonReader(new StringReader(text));
        reader.setStrictness(Strictness.STRICT);
        JsonElement el = JsonParser.parseReader(reader);
        if (reader.peek() != JsonToken.END_DOCUMENT) {
            throw new JsonParseException("trailing data after the array");
        }
        if (!el.isJsonArray()) {
            throw new JsonParseException("a JSON array of nodes is required");
        }
        return el.getAsJsonArray();
    }

    private void quarantine(long epochMillis, String why) {
        String reason = why.replaceAll("\\s*\\R\\s*", " "); // one log line: Gson's messages span two
        for (int attempt = 0; attempt < 100; attempt++) {
            Path target = dir.resolve(STATE_FILE + CORRUPT_INFIX + epochMillis + (attempt == 0 ? "" : "-" + attempt));
            try {
                Files.move(file, target);
                LOG.warn("node state file {} is corrupt ({}); moved it to {} and started with no restored nodes",
                        file, reason, target.getFileName());
                return;
            } catch (FileAlreadyExistsException e) {
                // try the next name
            } catch (IOException | RuntimeException e) {
                LOG.warn("node state file {} is corrupt ({}) and could not be moved aside: {}", file, reason,
                        e.toString());
                return;
            }
        }
        LOG.warn("node state file {} is corrupt ({}); too many earlier corrupt copies to move it aside", file, reason);
    }

    /** Deletes temporary files left by a crash in the middle of {@link #save}. */
    void deleteStaleTemps() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, TEMP_PREFIX + "*" + TEMP_SUFFIX)) {
            for (Path p : ds) {
                try {
                    Files.deleteIfExists(p);
                    LOG.debug("deleted stale temporary state file {}", p);
                } catch (IOException e) {
                    LOG.debug("cannot delete stale temporary state file {}: {}", p, e.toString());
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot list {} for stale temporary files: {}", dir, e.toString());
        }
    }

    /** Atomically replaces the state file with {@code nodes} (tokens included). */
    void save(List<NodeInfo> nodes) throws IOException {
        byte[] bytes = WireCodec.get().toJsonBytes(nodes);
        if (!Files.isDirectory(dir)) {
            PrivateFiles.directory(dir); // 0700
        }
        Path tmp = Files.createTempFile(dir, TEMP_PREFIX, TEMP_SUFFIX, PrivateFiles.ownerOnlyFile(dir));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            if (posix) {
                // Explicit in case a umask or ACL default widened the temp file.
                Files.setPosixFilePermissions(tmp, PrivateFiles.OWNER_RW);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        syncDir();
    }

    /** Makes the rename durable (POSIX); best effort, silently skipped where directories cannot be opened. */
    private void syncDir() {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            LOG.trace("cannot sync directory {}: {}", dir, e.toString());
        }
    }
}
