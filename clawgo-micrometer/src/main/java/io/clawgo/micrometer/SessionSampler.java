package io.clawgo.micrometer;

import io.clawgo.Gateway;
import io.clawgo.spi.SessionStatus;
import io.clawgo.spi.TransportStatus;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the P2P transport's sessions ({@link Gateway.Stats#p2pSessions()}) at most once a second, when a sessions
 * gauge is read: the count of sessions per state, and the setup time of every session that became ready since the
 * previous reading ({@code last_ready_at - last_attempt}, into a timer). A session that was set up twice between two
 * readings counts once: the status keeps the last setup only.
 */
final class SessionSampler {
    /** The states the transports use; anything else is counted as {@code other}. */
    static final List<String> STATES = List.of("connecting", "open", "failed", "closed", "disconnected", "timeout",
            Tags.OTHER);
    private static final long MAX_AGE_NANOS = 1_000_000_000L;

    private final Gateway.Stats stats;
    private final Timer setup;
    /** Per node, the {@code last_ready_at} already recorded. Guarded by this. */
    private final Map<String, Instant> seenReady = new HashMap<>();
    private Map<String, Integer> counts = Map.of();
    private long readAt;
    private boolean read;

    SessionSampler(Gateway.Stats stats, Timer setup) {
        this.stats = stats;
        this.setup = setup;
    }

    /** Sessions in {@code state} (one of {@link #STATES}), from a reading at most a second old. */
    synchronized int count(String state) {
        long now = System.nanoTime();
        if (!read || now - readAt >= MAX_AGE_NANOS) {
            sample();
            readAt = now;
            read = true;
        }
        return counts.getOrDefault(state, 0);
    }

    /** Reads the status now: the counts, and the setup times of sessions that became ready. */
    synchronized void sample() {
        TransportStatus status = stats.p2pSessions();
        Map<String, Integer> next = new HashMap<>();
        Set<String> nodes = new HashSet<>();
        for (SessionStatus s : status.nodes()) {
            String state = s.status() == null || s.status().isBlank() ? "connecting" : s.status();
            next.merge(STATES.contains(state) ? state : Tags.OTHER, 1, Integer::sum);
            nodes.add(s.node());
            Instant ready = s.lastReadyAt();
            if (ready != null && !ready.equals(seenReady.get(s.node()))) {
                seenReady.put(s.node(), ready);
                Instant attempt = s.lastAttempt();
                if (attempt != null && !ready.isBefore(attempt)) {
                    setup.record(Duration.between(attempt, ready));
                }
            }
        }
        seenReady.keySet().retainAll(nodes);
        counts = next;
    }
}
