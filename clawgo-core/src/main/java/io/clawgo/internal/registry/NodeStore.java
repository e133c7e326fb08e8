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
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's node set on disk, {@code <dataDir>/nodes-state.json}: reading it at start, and writing it back when
 * the registry changes, coalesced.
 *
 * <p><b>The file.</b> A JSON array of {@link NodeInfo}, tokens included, so the file is owner-only ({@code 0600})
 * where POSIX permissions exist, in a directory made {@code 0700} (see {@link PrivateFiles}). A write goes to a
 * temporary file in the same directory, is forced to disk, then renamed over the state file ({@code ATOMIC_MOVE}),
 * and the directory is synced, so a crash leaves either the old or the new file, never a mix. A file that cannot be
 * read is moved aside ({@code nodes-state.json.corrupt-<epochMillis>}) and does not stop the gateway.
 *
 * <p><b>When it is written.</b> The registry says what changed: {@link #stateChanged} (membership or a field) is
 * written within about {@value #WRITE_COALESCE_MILLIS} ms, at most one write per such window however many changes
 * come; {@link #seenChanged} (only {@code lastSeenAt} moved, a heartbeat) is written by the next {@link #tick} once
 * {@value #SEEN_FLUSH_SECONDS} s passed since the last write, or with the next state change; {@link #flush} writes
 * what is left (at close). Every write takes a snapshot of the registry at write time, so an older snapshot never
 * overwrites a newer one. A failed write is logged (WARN at most once a minute) and retried on a later tick.
 *
 * <p><b>Threads.</b> Writes run on the executor given to {@link #start} (the registry's reaper thread), or on the
 * thread that calls {@link #flush}; one at a time (a lock serialises snapshot and write). {@link #stateChanged} and
 * {@link #seenChanged} may be called from any thread and never block on I/O. {@link #load} and
 * {@link #deleteStaleTemps} run once, before {@link #start}.
 */
final class NodeStore {

    private static final Logger LOG = LoggerFactory.getLogger(NodeStore.class);

    static final String STATE_FILE = "nodes-state.json";
    static final String TEMP_PREFIX = STATE_FILE + ".";
    static final String TEMP_SUFFIX = ".tmp";
    static final String CORRUPT_INFIX = ".corrupt-";
    static final long WRITE_COALESCE_MILLIS = 200;
    static final long SEEN_FLUSH_SECONDS = 30;
    static final long WRITE_COALESCE_NANOS = TimeUnit.MILLISECONDS.toNanos(WRITE_COALESCE_MILLIS);
    static final long SEEN_FLUSH_NANOS = TimeUnit.SECONDS.toNanos(SEEN_FLUSH_SECONDS);
    private static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Path dir;
    private final Path file;
    private final boolean posix;
    /** What is written: the registry's nodes, sorted, taken at write time. */
    private final Supplier<List<NodeInfo>> snapshot;

    /** A membership or field change is not yet on disk. */
    private final AtomicBoolean stateDirty = new AtomicBoolean();
    /** Only {@code lastSeenAt} values are not yet on disk. */
    private final AtomicBoolean seenDirty = new AtomicBoolean();
    /** A coalesced write is scheduled on the executor. */
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    /** Serialises snapshot + write (the executor is the only writer, except {@link #flush}). */
    private final Object writeLock = new Object();
    private volatile ScheduledExecutorService executor;
    private volatile long lastWriteNanos;
    /** Guarded by {@link #writeLock}. */
    private long lastWarnNanos;
    /** Guarded by {@link #writeLock}. */
    private boolean warned;

    /**
     * @param dir      the data directory
     * @param snapshot the nodes to write, called at write time on the writing thread
     */
    NodeStore(Path dir, Supplier<List<NodeInfo>> snapshot) {
        this.dir = dir.toAbsolutePath();
        this.file = this.dir.resolve(STATE_FILE);
        this.posix = this.dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        this.lastWriteNanos = System.nanoTime() - WRITE_COALESCE_NANOS;
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

    /** Atomically replaces the state file with {@code nodes} (tokens included), on the calling thread. */
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

    // ------------------------------------------------------------------------------------------- coalesced writes

    /**
     * From now on, writes are scheduled on {@code executor} (not shut down here). Changes reported before are written
     * within the coalescing window.
     */
    void start(ScheduledExecutorService executor) {
        this.executor = Objects.requireNonNull(executor, "executor");
        if (stateDirty.get() || seenDirty.get()) {
            stateChanged();
        }
    }

    /** A node was added, removed, or changed a field other than {@code lastSeenAt}: written within the window. */
    void stateChanged() {
        stateDirty.set(true);
        scheduleFlush();
    }

    /** Only {@code lastSeenAt} moved: written by a later {@link #tick}, with the next state change, or at close. */
    void seenChanged() {
        seenDirty.set(true);
    }

    /** Whether a change is not yet on disk. */
    boolean dirty() {
        return stateDirty.get() || seenDirty.get();
    }

    /**
     * Called by the registry's reaper on each tick: retries a failed state write, and writes {@code lastSeenAt}-only
     * changes once {@value #SEEN_FLUSH_SECONDS} s passed since the last write.
     */
    void tick() {
        if (stateDirty.get()) {
            scheduleFlush();
        } else if (seenDirty.get() && System.nanoTime() - lastWriteNanos >= SEEN_FLUSH_NANOS) {
            write();
        }
    }

    /**
     * Writes what is not yet on disk, now, on the calling thread: at close, once the executor stopped. A failure is
     * logged; nothing is thrown.
     */
    void flush() {
        if (dirty()) {
            write();
        }
    }

    /** Schedules one coalesced write, at least {@link #WRITE_COALESCE_NANOS} after the previous one. */
    private void scheduleFlush() {
        ScheduledExecutorService ex = executor;
        if (ex == null || !flushScheduled.compareAndSet(false, true)) {
            return;
        }
        long delay = Math.max(0, lastWriteNanos + WRITE_COALESCE_NANOS - System.nanoTime());
        try {
            ex.schedule(this::flushTask, delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            flushScheduled.set(false); // closing: flush() writes the state
        }
    }

    private void flushTask() {
        long wait = lastWriteNanos + WRITE_COALESCE_NANOS - System.nanoTime();
        ScheduledExecutorService ex = executor;
        if (wait > 0 && ex != null) {
            // A write happened since this one was scheduled: keep to one write per coalescing window.
            try {
                ex.schedule(this::flushTask, wait, TimeUnit.NANOSECONDS);
                return;
            } catch (RejectedExecutionException e) {
                // closing: write now (flush() writes again only if something is still dirty)
            }
        }
        flushScheduled.set(false);
        try {
            write();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            LOG.warn("node state write failed", t);
        }
    }

    /**
     * Writes a snapshot taken now if anything is dirty. The dirty flags are cleared before the snapshot, so a change
     * that lands after it sets them again and gets its own write.
     */
    private void write() {
        synchronized (writeLock) {
            boolean state = stateDirty.getAndSet(false);
            boolean seen = seenDirty.getAndSet(false);
            if (!state && !seen) {
                return;
            }
            List<NodeInfo> nodes = snapshot.get();
            try {
                save(nodes);
                LOG.trace("wrote {} node(s) to {}", nodes.size(), file);
            } catch (Exception e) {
                stateDirty.set(true); // retried on a later tick
                long now = System.nanoTime();
                if (!warned || now - lastWarnNanos >= WARN_INTERVAL_NANOS) {
                    warned = true;
                    lastWarnNanos = now;
                    LOG.warn("cannot write node state file {}: {} (will retry)", file, e.toString());
                } else {
                    LOG.debug("cannot write node state file {}: {}", file, e.toString());
                }
            } finally {
                lastWriteNanos = System.nanoTime();
            }
        }
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
