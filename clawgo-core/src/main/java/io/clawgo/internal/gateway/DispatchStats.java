package io.clawgo.internal.gateway;

import io.clawgo.internal.audit.UtcMillis;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Rolling dispatch statistics of the last hour, for the Dashboard's charts ({@code charts} of
 * {@code GET /webui/api/nodes?summary=1}): per transport ({@code used_transport}, or {@code none} for a dispatch refused
 * before any transport carried it), 60 one-minute buckets, each with a count, the failures and a latency histogram of
 * {@link #LATENCY_BUCKETS} fixed logarithmic buckets (three per doubling, from 0.1 ms to about 210 s, so a quantile is
 * off by at most 12 %); and the fallbacks per minute with their routes.
 *
 * <p>Memory is fixed: at most {@link #MAX_SERIES} transports (more names fold into {@code other}) of 60 x 66 ints, and
 * at most {@link #MAX_ROUTES} fallback routes per minute. {@link #onDispatch} runs on the thread that completed the
 * dispatch and holds this object's lock for a few array writes; {@link #snapshot()} holds it for one pass over the
 * arrays.
 */
final class DispatchStats implements GatewayEvents {
    /** Buckets kept: one per minute of the last hour. */
    static final int MINUTES = 60;
    /** Latency buckets per minute and transport. */
    static final int LATENCY_BUCKETS = 64;
    /** Transports tracked by name; the rest are counted as {@code other}. */
    static final int MAX_SERIES = 8;
    /** Fallback routes ({@code from>to}) kept per minute; the rest are counted as {@code other}. */
    static final int MAX_ROUTES = 8;
    static final String NONE = "none";
    static final String OTHER = "other";
    private static final double FIRST_BOUND_MS = 0.1;
    private static final int BUCKETS_PER_DOUBLING = 3;

    private final LongSupplier millis;
    private final Map<String, Series> series = new LinkedHashMap<>();
    private final long[] fallbackMinute = new long[MINUTES];
    private final int[] fallbacks = new int[MINUTES];
    @SuppressWarnings("unchecked")
    private final Map<String, Integer>[] routes = new Map[MINUTES];

    DispatchStats() {
        this(System::currentTimeMillis);
    }

    /** @param millis the clock, in epoch milliseconds (tests move it) */
    DispatchStats(LongSupplier millis) {
        this.millis = millis;
    }

    /** The latency bucket of a duration: {@code floor(3 * log2(ms / 0.1))}, clamped to the range. */
    static int bucketOf(long nanos) {
        double ms = nanos / 1e6;
        if (ms <= FIRST_BOUND_MS) {
            return 0;
        }
        int i = (int) Math.floor(BUCKETS_PER_DOUBLING * Math.log(ms / FIRST_BOUND_MS) / Math.log(2));
        return Math.min(LATENCY_BUCKETS - 1, Math.max(0, i));
    }

    /** The value a bucket stands for: the geometric middle of its bounds, in milliseconds. */
    static double valueOf(int bucket) {
        return FIRST_BOUND_MS * Math.pow(2, (bucket + 0.5) / BUCKETS_PER_DOUBLING);
    }

    @Override
    public void onDispatch(Request request, DispatchMode mode, Response response, Instant startedAt,
                           long durationNanos) {
        Object used = response.payload().get("used_transport");
        String transport = used == null || used.toString().isBlank() ? NONE : used.toString();
        Object from = response.payload().get("fallback_from");
        String fallback = from == null || from.toString().isBlank() ? null : from.toString();
        record(transport, response.ok(), durationNanos, fallback);
    }

    /** Counts one dispatch (package-private for tests). */
    synchronized void record(String transport, boolean ok, long durationNanos, String fallbackFrom) {
        long minute = millis.getAsLong() / 60_000;
        int slot = (int) Math.floorMod(minute, (long) MINUTES);
        Series s = series.get(transport);
        if (s == null) {
            s = series.computeIfAbsent(series.size() < MAX_SERIES - 1 ? transport : OTHER, k -> new Series());
        }
        s.add(minute, slot, ok, bucketOf(Math.max(0, durationNanos)));
        if (fallbackFrom != null) {
            if (fallbackMinute[slot] != minute) {
                fallbackMinute[slot] = minute;
                fallbacks[slot] = 0;
                routes[slot] = null;
            }
            fallbacks[slot]++;
            if (routes[slot] == null) {
                routes[slot] = new TreeMap<>();
            }
            String route = fallbackFrom + ">" + transport;
            Map<String, Integer> r = routes[slot];
            if (!r.containsKey(route) && r.size() >= MAX_ROUTES - 1) {
                route = OTHER;
            }
            r.merge(route, 1, Integer::sum);
        }
    }

    /**
     * The {@code charts} section: {@code bucket_sec}, {@code end} (the end of the newest, current minute),
     * {@code series} (per transport: {@code count}, {@code failed}, {@code p50_ms}, {@code p99_ms} as 60 values from
     * the oldest minute to the current one, {@code null} latency for an empty minute, and the hour's {@code total},
     * {@code failed_total}, {@code p50_ms_hour}, {@code p99_ms_hour}), {@code fallbacks} (60 counts) and
     * {@code fallback_routes} (the hour's counts by {@code from>to}).
     */
    synchronized Map<String, Object> snapshot() {
        long minute = millis.getAsLong() / 60_000;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("bucket_sec", 60);
        out.put("end", UtcMillis.format(Instant.ofEpochMilli((minute + 1) * 60_000)));
        List<Map<String, Object>> list = new ArrayList<>();
        for (Map.Entry<String, Series> e : series.entrySet()) {
            Map<String, Object> m = e.getValue().describe(minute);
            if (m != null) {
                Map<String, Object> named = new LinkedHashMap<>();
                named.put("transport", e.getKey());
                named.putAll(m);
                list.add(named);
            }
        }
        out.put("series", list);
        int[] fb = new int[MINUTES];
        Map<String, Integer> hourRoutes = new TreeMap<>();
        for (int age = 0; age < MINUTES; age++) {
            long m = minute - (MINUTES - 1 - age);
            int slot = (int) Math.floorMod(m, (long) MINUTES);
            if (fallbackMinute[slot] == m) {
                fb[age] = fallbacks[slot];
                if (routes[slot] != null) {
                    routes[slot].forEach((k, v) -> hourRoutes.merge(k, v, Integer::sum));
                }
            }
        }
        out.put("fallbacks", fb);
        out.put("fallback_routes", hourRoutes);
        return out;
    }

    /** One transport's 60 minutes. */
    private static final class Series {
        private final long[] minuteOf = new long[MINUTES];
        private final int[] count = new int[MINUTES];
        private final int[] failed = new int[MINUTES];
        private final int[][] latency = new int[MINUTES][LATENCY_BUCKETS];

        Series() {
            java.util.Arrays.fill(minuteOf, Long.MIN_VALUE);
        }

        void add(long minute, int slot, boolean ok, int bucket) {
            if (minuteOf[slot] != minute) {
                minuteOf[slot] = minute;
                count[slot] = 0;
                failed[slot] = 0;
                java.util.Arrays.fill(latency[slot], 0);
            }
            count[slot]++;
            if (!ok) {
                failed[slot]++;
            }
            latency[slot][bucket]++;
        }

        /** The series as JSON values, or {@code null} when it had no dispatch in the last hour. */
        Map<String, Object> describe(long minute) {
            int[] counts = new int[MINUTES];
            int[] fails = new int[MINUTES];
            Double[] p50 = new Double[MINUTES];
            Double[] p99 = new Double[MINUTES];
            int[] hour = new int[LATENCY_BUCKETS];
            long total = 0;
            long failedTotal = 0;
            for (int age = 0; age < MINUTES; age++) {
                long m = minute - (MINUTES - 1 - age);
                int slot = (int) Math.floorMod(m, (long) MINUTES);
                if (minuteOf[slot] != m || count[slot] == 0) {
                    continue;
                }
                counts[age] = count[slot];
                fails[age] = failed[slot];
                total += count[slot];
                failedTotal += failed[slot];
                p50[age] = quantile(latency[slot], count[slot], 0.50);
                p99[age] = quantile(latency[slot], count[slot], 0.99);
                for (int b = 0; b < LATENCY_BUCKETS; b++) {
                    hour[b] += latency[slot][b];
                }
            }
            if (total == 0) {
                return null;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("count", counts);
            m.put("failed", fails);
            m.put("p50_ms", p50);
            m.put("p99_ms", p99);
            m.put("total", total);
            m.put("failed_total", failedTotal);
            m.put("p50_ms_hour", quantile(hour, total, 0.50));
            m.put("p99_ms_hour", quantile(hour, total, 0.99));
            return m;
        }
    }

    /** The {@code q} quantile of a histogram holding {@code total} values, rounded to 0.01 ms. */
    static double quantile(int[] histogram, long total, double q) {
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        int bucket = histogram.length - 1;
        for (int b = 0; b < histogram.length; b++) {
            seen += histogram[b];
            if (seen >= rank) {
                bucket = b;
                break;
            }
        }
        return Math.round(valueOf(bucket) * 100) / 100.0;
    }
}
