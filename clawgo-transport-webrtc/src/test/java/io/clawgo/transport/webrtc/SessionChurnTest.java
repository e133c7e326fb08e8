package io.clawgo.transport.webrtc;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * 200 sessions opened and torn down in a row (a request each, then a reset): threads must not grow (a few pool
 * threads of slack; a leak would add one or more per cycle). Native memory is
 * only reported (webrtc-java 0.14.0 leaks about 80-90 KB per closed peer connection, which Java cannot free).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SessionChurnTest {
    private static final Logger LOG = LoggerFactory.getLogger(SessionChurnTest.class);
    private static final int CYCLES = 200;

    @BeforeAll
    static void inside() {
        NetNs.assumeInside();
    }

    static String procStatus(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key + ":")) {
                    return line.substring(key.length() + 1).trim();
                }
            }
        } catch (Exception e) {
            return "?";
        }
        return "?";
    }

    static int nativeThreads() {
        String t = procStatus("Threads");
        return t.equals("?") ? ManagementFactory.getThreadMXBean().getThreadCount() : Integer.parseInt(t);
    }

    private static void cycle(TransportPair p, int i) throws Exception {
        Response r = p.send(new Request("run", null, null, null, Map.of("i", (long) i)), 10_000)
                .get(15, TimeUnit.SECONDS);
        assertThat(r.ok()).as("cycle %d: %s", i, r).isTrue();
        p.gateway.resetSession(p.nodeId, "churn");
    }

    @Test
    void twoHundredOpenCloseCyclesDoNotGrowThreads() throws Exception {
        WebRtcSettings s = WebRtcSettings.defaults().withReadyTimeout(Duration.ofSeconds(5));
        try (TransportPair p = new TransportPair("churn", P2pConfig.of("webrtc"), s, s,
                req -> Response.ok(Map.of("i", req.args().get("i"))))) {
            for (int i = 0; i < 20; i++) {
                cycle(p, i); // warm up: pools reach their working size
            }
            Thread.sleep(500);
            int threadsBefore = nativeThreads();
            int javaBefore = ManagementFactory.getThreadMXBean().getThreadCount();
            String rssBefore = procStatus("VmRSS");
            long t0 = System.nanoTime();
            for (int i = 0; i < CYCLES; i++) {
                cycle(p, i);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            Thread.sleep(1000);
            int threadsAfter = nativeThreads();
            int javaAfter = ManagementFactory.getThreadMXBean().getThreadCount();
            String rssAfter = procStatus("VmRSS");
            LOG.info("churn: {} open/close cycles in {} ms ({} ms each); threads (native) {} -> {}, java threads {} -> {}, "
                    + "VmRSS {} -> {}, retry_count {}", CYCLES, ms, ms / CYCLES, threadsBefore, threadsAfter,
                    javaBefore, javaAfter, rssBefore, rssAfter, p.session().retryCount());
            assertThat(p.session().retryCount()).isGreaterThanOrEqualTo(CYCLES);
            assertThat(threadsAfter).as("native threads after %d cycles", CYCLES).isLessThanOrEqualTo(threadsBefore + 8);
            assertThat(javaAfter).as("java threads after %d cycles", CYCLES).isLessThanOrEqualTo(javaBefore + 8);
        }
    }
}
