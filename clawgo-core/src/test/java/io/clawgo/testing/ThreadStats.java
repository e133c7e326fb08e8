package io.clawgo.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time and context switches of every thread of this process, native threads included (libwebrtc's, which the
 * JVM's thread bean does not see), read from {@code /proc/self/task} on Linux; empty elsewhere. For benchmarks: take a
 * snapshot before and after a phase and print the difference per operation by thread group: the thread's name at the
 * first snapshot (OkHttp renames its threads while they run a task) with digits replaced by {@code N}, so that a pool
 * is one group. Linux keeps the first 15 characters of a name.
 */
public final class ThreadStats {
    /** One thread's counters. */
    private record Task(String group, long cpuNanos, long voluntary, long involuntary) {
    }

    private final Map<String, Task> byTid;

    private ThreadStats(Map<String, Task> byTid) {
        this.byTid = byTid;
    }

    /** The counters of the live threads now; threads that end before the next snapshot drop out of the difference. */
    public static ThreadStats snapshot() {
        Map<String, Task> out = new HashMap<>();
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return new ThreadStats(out);
        }
        try (Stream<Path> list = Files.list(tasks)) {
            for (Path t : (Iterable<Path>) list::iterator) {
                try {
                    String name = Files.readString(t.resolve("comm")).trim().replaceAll("[0-9]+", "N");
                    // schedstat: nanoseconds on a CPU, nanoseconds waiting for one, time slices
                    long cpu = Long.parseLong(Files.readString(t.resolve("schedstat")).trim().split(" ")[0]);
                    long voluntary = 0;
                    long involuntary = 0;
                    for (String line : Files.readAllLines(t.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            voluntary = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                            involuntary = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                    out.put(t.getFileName().toString(), new Task(name, cpu, voluntary, involuntary));
                } catch (IOException | RuntimeException e) {
                    // the thread ended while being read, or the kernel has no schedstat
                }
            }
        } catch (IOException e) {
            return new ThreadStats(out);
        }
        return new ThreadStats(out);
    }

    /**
     * Two lines: CPU microseconds per operation by thread group (largest first, groups under 0.05 µs left out), and
     * context switches per operation (voluntary/involuntary; groups under 0.05 per operation left out, then the sum of
     * all).
     */
    public String perOperationSince(ThreadStats before, long operations, String phase) {
        long n = Math.max(1, operations);
        Map<String, long[]> delta = new TreeMap<>();
        byTid.forEach((tid, now) -> {
            Task then = before.byTid.get(tid);
            String group = then != null ? then.group() : now.group();
            long[] d = delta.computeIfAbsent(group, k -> new long[3]);
            d[0] += now.cpuNanos() - (then == null ? 0 : then.cpuNanos());
            d[1] += now.voluntary() - (then == null ? 0 : then.voluntary());
            d[2] += now.involuntary() - (then == null ? 0 : then.involuntary());
        });
        StringBuilder cpu = new StringBuilder("    " + phase + ": CPU us per operation by thread:");
        delta.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).forEach(e -> {
            double us = e.getValue()[0] / 1e3 / n;
            if (us >= 0.05) {
                cpu.append(String.format(Locale.ROOT, " %s %.1f;", e.getKey(), us));
            }
        });
        StringBuilder sw = new StringBuilder("    context switches per operation (voluntary/involuntary):");
        long[] total = new long[2];
        delta.forEach((name, d) -> {
            total[0] += d[1];
            total[1] += d[2];
            if ((d[1] + d[2]) * 20 >= n) {
                sw.append(String.format(Locale.ROOT, " %s %.2f/%.2f;", name, d[1] / (double) n, d[2] / (double) n));
            }
        });
        sw.append(String.format(Locale.ROOT, " all %.2f/%.2f", total[0] / (double) n, total[1] / (double) n));
        return cpu + System.lineSeparator() + sw;
    }
}
