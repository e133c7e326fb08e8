package io.clawgo.internal.audit;

import io.clawgo.internal.files.PrivateFiles;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.WireCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only JSON Lines audit file, bounded in size and rotated, with the newest entries kept in memory.
 *
 * <p>Each {@link #append} writes one compact JSON object per line (a {@code time} key, RFC 3339 UTC, is put first when
 * the entry has none) and flushes it to the operating system. When the next line would take the file past
 * {@code maxBytes}, the file is renamed to {@code <file>.1} (replacing an older one) and a new file is started, so the
 * audit never takes more than about {@code 2 * maxBytes} on disk. A single line larger than {@code maxBytes} is still
 * written, alone in a fresh file.
 *
 * <p>The {@code recentCapacity} newest entries are kept in memory for {@link #recent}; on construction they are
 * loaded from the tail of the existing file (and of {@code <file>.1} when the file holds fewer), skipping lines that do
 * not parse, so a restart keeps recent history. Entries read back from {@link #recent} are what the JSON line
 * contains (numbers as {@code Long} or {@code Double}, timestamps as strings), whether they were appended in this
 * process or loaded from the file.
 *
 * <p>Writing: without a flusher, each {@link #append} writes its line before it returns. With one (the gateway's
 * dispatch and task audits), lines are collected and written together at most {@value #FLUSH_DELAY_MILLIS} ms later on
 * the flusher's thread, so the caller does not wait for the file system (a write per dispatch cost about 30 µs on the
 * critical path of a round trip); a process killed in between loses those lines from the file, not from
 * {@link #recent}. More than {@value #MAX_PENDING_BYTES} bytes waiting are written by the appending thread itself, so
 * memory stays bounded and nothing is dropped. {@link #flush} and {@link #close} write everything appended before.
 *
 * <p>I/O errors are logged (a warning at most once per minute) and never thrown: auditing must not break the caller.
 * With a {@code null} file the audit is memory only. Thread-safe.
 */
public final class JsonlAudit implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JsonlAudit.class);
    private static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final int READ_CHUNK = 64 * 1024;
    private static final byte NL = '\n';
    /** The longest a line waits for the flusher. */
    static final long FLUSH_DELAY_MILLIS = 50;
    /** Waiting bytes beyond which {@link #append} writes them itself. */
    static final long MAX_PENDING_BYTES = 4L * 1024 * 1024;

    private final Path file;
    private final Path rotated;
    private final long maxBytes;
    private final int recentCapacity;

    /** Runs delayed flushes, or {@code null} to write on {@link #append}. */
    private final ScheduledExecutorService flusher;

    private final Object lock = new Object();
    /** Oldest first; guarded by {@link #lock}. */
    private final ArrayDeque<Row> ring;
    /** Lines appended and not yet handed to {@link #flush}, their bytes, whether a flush is scheduled. Guarded by lock. */
    private List<byte[]> pending = new ArrayList<>();
    private long pendingBytes;
    private boolean flushScheduled;
    /** Guarded by lock. */
    private boolean closed;

    /** Serialises the file I/O; taken before {@link #lock} when both are held. */
    private final Object ioLock = new Object();
    /** Open between writes; {@code null} until the first write or after an I/O error. Guarded by ioLock. */
    private FileChannel channel;
    /** Bytes in the current file. Guarded by ioLock. */
    private long size;

    /** Lines lost because their batch could not be written. */
    private final java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();

    private long lastWarnNanos;
    private long suppressedWarnings;
    private boolean warnedOnce;

    /**
     * @param file           the audit file, or {@code null} for an in-memory audit; parent directories are created on
     *                       the first append
     * @param maxBytes       the largest size of the file before it is rotated to {@code <file>.1}; must be positive
     * @param recentCapacity how many of the newest entries {@link #recent} can return; {@code >= 0}
     */
    public JsonlAudit(Path file, long maxBytes, int recentCapacity) {
        this(file, maxBytes, recentCapacity, null);
    }

    /**
     * @param file           the audit file, or {@code null} for an in-memory audit; parent directories are created on
     *                       the first write
     * @param maxBytes       the largest size of the file before it is rotated to {@code <file>.1}; must be positive
     * @param recentCapacity how many of the newest entries {@link #recent} can return; {@code >= 0}
     * @param flusher        writes lines in batches, at most {@value #FLUSH_DELAY_MILLIS} ms after their append; or
     *                       {@code null} to write each line on {@link #append}. Its thread does file I/O: do not
     *                       share it with timers that must be punctual.
     */
    public JsonlAudit(Path file, long maxBytes, int recentCapacity, ScheduledExecutorService flusher) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("audit maxBytes must be positive, got " + maxBytes);
        }
        if (recentCapacity < 0) {
            throw new IllegalArgumentException("audit recentCapacity must be >= 0, got " + recentCapacity);
        }
        this.file = file;
        this.flusher = flusher;
        this.rotated = file == null ? null : file.resolveSibling(file.getFileName() + ".1");
        this.maxBytes = maxBytes;
        this.recentCapacity = recentCapacity;
        this.ring = new ArrayDeque<>(Math.min(recentCapacity, 1024) + 1);
        if (file != null && recentCapacity > 0) {
            loadRecent();
        }
    }

    /** The audit file, or {@code null} for an in-memory audit. */
    public Path file() {
        return file;
    }

    /**
     * Appends one entry. A {@code time} key (now, RFC 3339 UTC) is put first when {@code entry} has none; top-level
     * {@code null} values are omitted. Never throws on I/O errors.
     */
    public void append(Map<String, ?> entry) {
        Objects.requireNonNull(entry, "entry");
        String line = WireCodec.get().toJson(inOrder(entry));
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        boolean writeNow = false;
        boolean schedule = false;
        synchronized (lock) {
            if (recentCapacity > 0) {
                ring.addLast(new Row(line, null)); // parsed when read: appends are many, reads few
                while (ring.size() > recentCapacity) {
                    ring.pollFirst();
                }
            }
            if (file == null || closed) {
                return;
            }
            pending.add(bytes);
            pendingBytes += bytes.length;
            if (flusher == null || pendingBytes >= MAX_PENDING_BYTES) {
                writeNow = true;
            } else if (!flushScheduled) {
                flushScheduled = true;
                schedule = true;
            }
        }
        if (writeNow) {
            flush();
        } else if (schedule) {
            try {
                flusher.schedule(this::flush, FLUSH_DELAY_MILLIS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                flush(); // the flusher is shutting down: write here
            }
        }
    }

    /**
     * {@code entry} with {@code time} first and without {@code null} values: as it is when it already is (the
     * dispatcher's rows are), else a copy.
     */
    private static Map<String, ?> inOrder(Map<String, ?> entry) {
        boolean first = true;
        boolean ready = true;
        for (Map.Entry<String, ?> e : entry.entrySet()) {
            if (e.getValue() == null || (first && !"time".equals(e.getKey()))) {
                ready = false;
                break;
            }
            first = false;
        }
        if (ready && !first && entry instanceof LinkedHashMap) {
            return entry; // an insertion-ordered map that starts with its time
        }
        Map<String, Object> ordered = new LinkedHashMap<>();
        Object time = entry.get("time");
        ordered.put("time", time != null ? time : UtcMillis.format(Instant.now()));
        for (Map.Entry<String, ?> e : entry.entrySet()) {
            if (!"time".equals(e.getKey()) && e.getValue() != null) {
                ordered.put(e.getKey(), e.getValue());
            }
        }
        return ordered;
    }

    /**
     * Lines appended and not yet written: they wait at most {@value #FLUSH_DELAY_MILLIS} ms for the flusher (always 0
     * without one, between appends).
     */
    public int pendingLines() {
        synchronized (lock) {
            return pending.size();
        }
    }

    /**
     * Lines lost to I/O errors since this audit was created: every line of a batch whose write failed is counted
     * (some of them may have reached the file before the error). {@link #recent} still has them.
     */
    public long droppedLines() {
        return dropped.get();
    }

    /** Writes every line appended so far to the file (to the operating system, not to the disk). */
    public void flush() {
        synchronized (ioLock) {
            List<byte[]> batch;
            synchronized (lock) {
                batch = pending;
                pending = new ArrayList<>();
                pendingBytes = 0;
                flushScheduled = false;
            }
            // empty after close(): close sets `closed` (which stops appends) before its own flush
            if (!batch.isEmpty()) {
                writeBatch(batch);
            }
        }
    }

    /** Up to {@code limit} of the newest entries, newest first, from memory. */
    public List<Map<String, Object>> recent(int limit) {
        if (limit <= 0) {
            return List.of();
        }
        synchronized (lock) {
            List<Map<String, Object>> out = new ArrayList<>(Math.min(limit, ring.size()));
            Iterator<Row> it = ring.descendingIterator();
            while (it.hasNext() && out.size() < limit) {
                Map<String, Object> entry = it.next().entry();
                if (entry != null) {
                    out.add(entry);
                }
            }
            return out;
        }
    }

    /** Writes what is pending and closes the file. Later appends are kept in memory only. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
        synchronized (ioLock) {
            flush();
            closeChannel();
        }
    }

    // ---------------------------------------------------------------------------------------------------- writing

    /**
     * Writes lines with as few system calls as the rotation allows: one per batch, two when the file rotates inside
     * it. Caller holds {@link #ioLock}.
     */
    private void writeBatch(List<byte[]> lines) {
        try {
            if (channel == null) {
                open();
            }
            int total = 0;
            for (byte[] line : lines) {
                total += line.length;
            }
            ByteBuffer out = ByteBuffer.allocate(total);
            for (byte[] line : lines) {
                long inFile = size + out.position();
                if (inFile > 0 && inFile + line.length > maxBytes) {
                    drain(out);
                    rotate();
                }
                out.put(line);
            }
            drain(out);
        } catch (IOException | RuntimeException e) {
            dropped.addAndGet(lines.size());
            warn("cannot write audit file " + file + ": " + e, e);
            closeChannel();
        }
    }

    /** Writes what {@code out} holds and empties it. */
    private void drain(ByteBuffer out) throws IOException {
        out.flip();
        int n = out.remaining();
        while (out.hasRemaining()) {
            channel.write(out);
        }
        size += n;
        out.clear();
    }

    /**
     * Opens the file for appending: its directory made {@code 0700} when created here, the file created {@code 0600}
     * (an existing one, and the rotated one, tightened to it; see {@link PrivateFiles}).
     */
    private void open() throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            PrivateFiles.directory(parent);
        }
        FileChannel ch = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND), PrivateFiles.ownerOnlyFile(file));
        try {
            PrivateFiles.restrict(file);
            PrivateFiles.restrict(rotated);
            long existing = ch.size();
            if (existing > 0 && !endsWithNewline(file, existing)) {
                // A crash left a partial last line: start ours on a line of its own.
                writeFully(ch, new byte[] {NL});
                existing++;
            }
            this.channel = ch;
            this.size = existing;
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private void rotate() throws IOException {
        closeChannel();
        try {
            Files.move(file, rotated, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(file, rotated, StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchFileException e) {
            // Removed behind our back: nothing to rotate.
        }
        LOG.debug("rotated audit file {} to {}", file, rotated);
        open();
    }

    private static boolean endsWithNewline(Path p, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            int n = ch.read(one, size - 1);
            return n == 1 && one.get(0) == NL;
        }
    }

    private static void writeFully(FileChannel ch, byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** Caller holds {@link #ioLock}. */
    private void closeChannel() {
        FileChannel ch = channel;
        channel = null;
        size = 0;
        if (ch != null) {
            closeQuietly(ch);
        }
    }

    private void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            warn("cannot close audit file " + file + ": " + e, e);
        }
    }

    /** Logs at most one warning a minute (caller holds {@link #ioLock}). */
    private void warn(String message, Throwable e) {
        long now = System.nanoTime();
        if (warnedOnce && now - lastWarnNanos < WARN_INTERVAL_NANOS) {
            suppressedWarnings++;
            LOG.debug(message, e);
            return;
        }
        if (suppressedWarnings > 0) {
            LOG.warn("{} ({} similar audit errors suppressed in the last minute)", message, suppressedWarnings);
        } else {
            LOG.warn(message);
        }
        warnedOnce = true;
        lastWarnNanos = now;
        suppressedWarnings = 0;
    }

    // ---------------------------------------------------------------------------------------------------- loading

    private void loadRecent() {
        List<Row> newestFirst = new ArrayList<>();
        int[] skipped = new int[1];
        Predicate<String> sink = line -> {
            Map<String, Object> entry = parse(line);
            if (entry != null) {
                newestFirst.add(new Row(line, entry));
            } else if (!line.isBlank()) {
                skipped[0]++;
            }
            return newestFirst.size() < recentCapacity;
        };
        for (Path p : List.of(file, rotated)) {
            if (newestFirst.size() >= recentCapacity) {
                break;
            }
            skipped[0] = 0;
            try {
                forEachLineReversed(p, sink);
                if (skipped[0] > 0) {
                    LOG.warn("skipped {} unreadable line(s) of audit file {} (cut short by a crash, or not a JSON"
                            + " object)", skipped[0], p);
                }
            } catch (NoSuchFileException e) {
                // nothing there yet
            } catch (IOException | RuntimeException e) {
                synchronized (ioLock) {
                    warn("cannot read audit file " + p + ": " + e, e);
                }
            }
        }
        synchronized (lock) {
            for (int i = newestFirst.size() - 1; i >= 0; i--) {
                ring.addLast(newestFirst.get(i));
            }
        }
    }

    private static Map<String, Object> parse(String line) {
        if (line.isBlank()) {
            return null;
        }
        try {
            WireCodec codec = WireCodec.get();
            return plainMap(codec.decodeMap(line, Integer.MAX_VALUE));
        } catch (ProtocolException | RuntimeException e) {
            LOG.debug("skipping unparsable audit line: {}", e.getMessage());
            return null;
        }
    }

    /** One entry: its JSON line, and the line as plain Java values once read. Guarded by {@link #lock}. */
    private static final class Row {
        final String line;
        Map<String, Object> parsed;

        Row(String line, Map<String, Object> parsed) {
            this.line = line;
            this.parsed = parsed;
        }

        /** The entry as the line reads back (numbers as {@code Long} or {@code Double}), or {@code null}. */
        Map<String, Object> entry() {
            if (parsed == null) {
                parsed = parse(line);
            }
            return parsed;
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> plainMap(Object plain) {
        return Collections.unmodifiableMap((Map<String, Object>) plain);
    }

    /**
     * Feeds the lines of {@code p} to {@code sink}, last line first, reading the file backwards in chunks; stops when
     * the sink returns false. Splitting on the byte {@code '\n'} is safe in UTF-8.
     */
    static void forEachLineReversed(Path p, Predicate<String> sink) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            long pos = ch.size();
            byte[] carry = new byte[0];
            ByteBuffer buf = ByteBuffer.allocate(READ_CHUNK);
            while (pos > 0) {
                int n = (int) Math.min(READ_CHUNK, pos);
                pos -= n;
                buf.clear().limit(n);
                while (buf.hasRemaining()) {
                    if (ch.read(buf, pos + buf.position()) < 0) {
                        break;
                    }
                }
                int len = buf.position();
                byte[] chunk = buf.array();
                int end = len;
                for (int i = len - 1; i >= 0; i--) {
                    if (chunk[i] == NL) {
                        String line = join(chunk, i + 1, end, carry);
                        carry = new byte[0];
                        end = i;
                        if (!line.isEmpty() && !sink.test(line)) {
                            return;
                        }
                    }
                }
                byte[] merged = new byte[end + carry.length];
                System.arraycopy(chunk, 0, merged, 0, end);
                System.arraycopy(carry, 0, merged, end, carry.length);
                carry = merged;
            }
            if (carry.length > 0) {
                sink.test(new String(carry, StandardCharsets.UTF_8));
            }
        }
    }

    private static String join(byte[] chunk, int from, int to, byte[] carry) {
        if (carry.length == 0) {
            return new String(chunk, from, to - from, StandardCharsets.UTF_8);
        }
        byte[] all = new byte[to - from + carry.length];
        System.arraycopy(chunk, from, all, 0, to - from);
        System.arraycopy(carry, 0, all, to - from, carry.length);
        return new String(all, StandardCharsets.UTF_8);
    }
}
