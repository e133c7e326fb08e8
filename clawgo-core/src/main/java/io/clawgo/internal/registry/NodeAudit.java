package io.clawgo.internal.registry;

import io.clawgo.internal.audit.JsonlAudit;
import io.clawgo.protocol.NodeInfo;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The node audit: a {@link NodeRegistry.Listener} that writes what happens to nodes to
 * {@code <dataDir>/nodes-audit.jsonl} (bounded, rotated; see {@link JsonlAudit}) and keeps the newest
 * {@value #RECENT_EVENTS} lines in memory.
 *
 * <p>One line per stored registration ({@code upsert}, with {@code existed}, {@code endpoint}, {@code version} and,
 * when the endpoint changed without a token, {@code token_dropped}), {@code offline} (with a {@code reason}),
 * {@code online} (a heartbeat revived an offline node, {@code via: heartbeat}), {@code delete} and {@code pruned}
 * (with {@code last_seen_at}); never a token, and never a line per plain heartbeat. Each line starts with its
 * {@code time}, from the clock, in UTC to the millisecond.
 *
 * <p>Threads: called on the registry's threads (the caller of an update, the reaper); each line is written before
 * the call returns (no flusher thread). Add it to the registry before any other listener, so that its line is on disk
 * before the others hear of the event. A line that cannot be written is counted ({@link #droppedLines}), never
 * thrown. {@link #close} is idempotent.
 */
public final class NodeAudit implements NodeRegistry.Listener, AutoCloseable {
    /** The file name in the data directory. */
    public static final String FILE = "nodes-audit.jsonl";
    /** Lines kept in memory for {@link #recent}. */
    static final int RECENT_EVENTS = 200;

    private final JsonlAudit audit;
    private final Clock clock;

    /**
     * @param dataDir  where {@value #FILE} lives, or {@code null} to keep the lines in memory only
     * @param maxBytes the size at which the file is rotated; positive
     * @param clock    the time of each line
     * @throws IllegalArgumentException when {@code maxBytes} is not positive
     */
    public NodeAudit(Path dataDir, long maxBytes, Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.audit = new JsonlAudit(dataDir == null ? null : dataDir.resolve(FILE), maxBytes, RECENT_EVENTS);
    }

    @Override
    public void onStored(NodeInfo stored, boolean existed, boolean tokenDropped) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("existed", existed);
        extra.put("endpoint", stored.endpoint());
        extra.put("version", stored.version());
        if (tokenDropped) {
            extra.put("token_dropped", true);
        }
        append("upsert", stored.id(), extra);
    }

    @Override
    public void onOffline(NodeInfo n, String reason) {
        append("offline", n.id(), Map.of("reason", reason));
    }

    @Override
    public void onRevived(NodeInfo n) {
        append("online", n.id(), Map.of("via", "heartbeat"));
    }

    @Override
    public void onDeleted(String id) {
        append("delete", id, Map.of());
    }

    @Override
    public void onPruned(String id, Instant lastSeen) {
        append("pruned", id, Map.of("last_seen_at", lastSeen.toString()));
    }

    /** Up to {@code limit} of the newest lines, newest first, as their JSON reads back. */
    public List<Map<String, Object>> recent(int limit) {
        return audit.recent(limit);
    }

    /** Lines that could not be written (I/O errors). */
    public long droppedLines() {
        return audit.droppedLines();
    }

    /** Closes the file; later events are kept in memory only. Idempotent. */
    @Override
    public void close() {
        audit.close();
    }

    private void append(String event, String id, Map<String, ?> extra) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("time", clock.instant().truncatedTo(ChronoUnit.MILLIS).toString());
        entry.put("event", event);
        entry.put("node", id);
        entry.putAll(extra);
        audit.append(entry);
    }
}
