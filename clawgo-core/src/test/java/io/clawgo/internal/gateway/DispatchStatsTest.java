package io.clawgo.internal.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DispatchStatsTest {
    private static final long T0 = 1_800_000_000_000L; // a minute boundary (divisible by 60,000)

    private final AtomicLong now = new AtomicLong(T0);
    private final DispatchStats stats = new DispatchStats(now::get);

    private static long ms(double m) {
        return (long) (m * 1_000_000);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> series(Map<String, Object> snapshot, String transport) {
        return ((List<Map<String, Object>>) snapshot.get("series")).stream()
                .filter(s -> transport.equals(s.get("transport"))).findFirst().orElse(null);
    }

    @Test
    void bucketsCoverTenthsOfAMillisecondToMinutesWithinTwelvePercent() {
        assertThat(DispatchStats.bucketOf(0)).isZero();
        assertThat(DispatchStats.bucketOf(TimeUnit.HOURS.toNanos(1))).isEqualTo(DispatchStats.LATENCY_BUCKETS - 1);
        for (double m : new double[]{0.2, 1, 3.7, 50, 999, 20_000}) {
            double v = DispatchStats.valueOf(DispatchStats.bucketOf(ms(m)));
            assertThat(Math.abs(v - m) / m).as("%s ms shown as %s", m, v).isLessThan(0.13);
        }
    }

    @Test
    void eachMinuteCountsItsDispatchesFailuresAndLatencyQuantilesPerTransport() {
        for (int i = 0; i < 98; i++) {
            stats.record("websocket_tunnel", true, ms(2), null);
        }
        stats.record("websocket_tunnel", false, ms(400), null);
        stats.record("websocket_tunnel", true, ms(400), null);
        stats.record("http_relay", true, ms(30), "websocket_tunnel");
        now.addAndGet(60_000);
        stats.record("websocket_tunnel", true, ms(8), null);

        Map<String, Object> snap = stats.snapshot();
        assertThat(snap.get("bucket_sec")).isEqualTo(60);
        Map<String, Object> tunnel = series(snap, "websocket_tunnel");
        int[] count = (int[]) tunnel.get("count");
        assertThat(count).hasSize(60);
        assertThat(count[58]).isEqualTo(100);
        assertThat(count[59]).isEqualTo(1);
        assertThat(((int[]) tunnel.get("failed"))[58]).isEqualTo(1);
        Double[] p50 = (Double[]) tunnel.get("p50_ms");
        Double[] p99 = (Double[]) tunnel.get("p99_ms");
        assertThat(p50[58]).isBetween(1.8, 2.3);
        assertThat(p99[58]).isBetween(350.0, 450.0);
        assertThat(p50[57]).isNull();
        assertThat(tunnel.get("total")).isEqualTo(101L);
        assertThat(((int[]) snap.get("fallbacks"))[58]).isEqualTo(1);
        assertThat(snap.get("fallback_routes")).isEqualTo(Map.of("websocket_tunnel>http_relay", 1));
        assertThat(((int[]) series(snap, "http_relay").get("count"))[58]).isEqualTo(1);
    }

    @Test
    void minutesOlderThanAnHourAreForgottenAndTheSeriesWithThem() {
        stats.record("websocket_tunnel", true, ms(1), "webrtc");
        now.addAndGet(59 * 60_000L);
        assertThat(((int[]) series(stats.snapshot(), "websocket_tunnel").get("count"))[0]).isEqualTo(1);
        now.addAndGet(60_000L);
        assertThat(series(stats.snapshot(), "websocket_tunnel")).isNull();
        assertThat((int[]) stats.snapshot().get("fallbacks")).containsOnly(0);
        // the same slot, reused an hour later, starts from zero
        stats.record("websocket_tunnel", true, ms(1), null);
        assertThat(series(stats.snapshot(), "websocket_tunnel").get("total")).isEqualTo(1L);
    }

    @Test
    void transportNamesBeyondTheLimitShareOneSeries() {
        for (int i = 0; i < 20; i++) {
            stats.record("t" + i, true, ms(1), null);
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> series = (List<Map<String, Object>>) stats.snapshot().get("series");
        assertThat(series).hasSize(DispatchStats.MAX_SERIES);
        assertThat(series(stats.snapshot(), DispatchStats.OTHER).get("total"))
                .isEqualTo((long) 20 - (DispatchStats.MAX_SERIES - 1));
    }
}
