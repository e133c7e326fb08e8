package io.clawgo.it.scale;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.clawgo.it.Browser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * What one open web UI costs at a large fleet (issue 19; a main, not a test): a gateway in its own JVM
 * ({@link ScaleGatewayMain}, {@code websocket_tunnel}) with {@code --nodes} simulated nodes ({@link SimNode}, real
 * WebSocket clients on loopback, a heartbeat every {@code --heartbeat-sec}), after {@code --dispatches} dispatches (so
 * the recent dispatches and the charts are not empty), then:
 *
 * <ol>
 *   <li>the size and latency of {@code GET /webui/api/nodes} whole, as the summary and as a page of 50; the gateway
 *       JVM's CPU with no UI open, over half of {@code --idle-sec};</li>
 *   <li><b>before</b>: the old Dashboard's traffic, replayed by an HTTP client: {@code GET /webui/api/nodes} and
 *       {@code GET /webui/api/node_dispatches?limit=50} at once, then 3 s after both finished, again, for
 *       {@code --idle-sec}; <b>after</b>: the Dashboard of this build, open in headless Chromium and left idle for
 *       {@code --idle-sec}. Both go through a byte-counting TCP proxy in this JVM, so every byte on the wire counts
 *       (headers, chunk framing, keep-alives), in both directions; reported per minute, with the gateway JVM's CPU over
 *       the same window;</li>
 *   <li>each page ({@code /}, {@code /nodes}, {@code /subagents}) loaded {@code --runs} times in headless Chromium
 *       (signed in, directly, no proxy): first contentful paint, DOM interactive, and ready = the page shows its data
 *       (the {@code clawgo:page-ready} mark app.js sets after the first load of the page's data); medians. Also, as a
 *       floor for the old UI: fetching and parsing the whole {@code /webui/api/nodes} in the page.</li>
 * </ol>
 *
 * <p>Exit code 0 when every step ran and every node stayed online, 1 otherwise, 2 on a setup error. Bounded by
 * {@code --max-seconds} (default 1200), the gateway JVM by the same lifetime, every call by a timeout.
 *
 * <p>Run (see docs/benchmarks.md): {@code java -Xmx3g -cp <it test classpath> io.clawgo.it.scale.WebUiBench
 * [--nodes 10000] [--idle-sec 120] [--runs 5] [--dispatches 100]}.
 */
public final class WebUiBench {
    private static final String TOKEN = ScaleBench.TOKEN; // what GatewayProcess gives its gateway
    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    private static final String[] PAGES = {"/", "/nodes", "/subagents"};

    private int nodes = 10_000;
    private int heartbeatSec = 10;
    private int idleSec = 120;
    private int runs = 5;
    private int dispatches = 100;
    private long maxSeconds = 1200;
    private String gatewayHeap = "2g";
    private Path workDir = Path.of("target", "webui-bench");

    private final Map<String, String> results = new LinkedHashMap<>();
    private final List<String> failures = new ArrayList<>();
    private final long started = System.nanoTime();

    private WebUiBench() {
    }

    public static void main(String[] args) {
        WebUiBench b = new WebUiBench();
        int code;
        try {
            b.parse(args);
            Thread watchdog = new Thread(() -> {
                try {
                    Thread.sleep(TimeUnit.SECONDS.toMillis(b.maxSeconds));
                    OUT.println("ABORT: the run exceeded --max-seconds " + b.maxSeconds);
                    b.print();
                    Runtime.getRuntime().halt(2);
                } catch (InterruptedException e) {
                    // finished in time
                }
            }, "webui-bench-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            code = b.run();
        } catch (Exception e) {
            OUT.println("SETUP ERROR: " + e);
            e.printStackTrace(OUT);
            b.print();
            code = 2;
        }
        System.exit(code);
    }

    private void parse(String[] args) {
        for (int i = 0; i < args.length; i += 2) {
            String v = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--nodes" -> nodes = Integer.parseInt(v);
                case "--heartbeat-sec" -> heartbeatSec = Integer.parseInt(v);
                case "--idle-sec" -> idleSec = Integer.parseInt(v);
                case "--runs" -> runs = Integer.parseInt(v);
                case "--dispatches" -> dispatches = Integer.parseInt(v);
                case "--max-seconds" -> maxSeconds = Long.parseLong(v);
                case "--gateway-heap" -> gatewayHeap = v;
                case "--work-dir" -> workDir = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (see the class javadoc)");
            }
        }
    }

    private int run() throws Exception {
        String reason = Browser.unavailableReason();
        if (reason != null) {
            throw new IllegalStateException(reason);
        }
        Files.createDirectories(workDir);
        result("machine", Runtime.getRuntime().availableProcessors() + " cores, java " + System.getProperty("java.version"));
        result("load_at_start", loadAverage());
        try (GatewayProcess gw = GatewayProcess.start(workDir.resolve("gateway"), gatewayHeap, maxSeconds, nodes, "websocket_tunnel")) {
            Rest rest = new Rest(gw.url(), TOKEN);
            List<SimNode> sims = connect(gw);
            ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "heartbeats"));
            long period = TimeUnit.SECONDS.toNanos(heartbeatSec);
            for (int i = 0; i < sims.size(); i++) {
                beats.scheduleAtFixedRate(sims.get(i)::heartbeat, period * i / sims.size(), period,
                        TimeUnit.NANOSECONDS);
            }
            try {
                awaitOnline(rest);
                dispatch(rest);
                apiSizes(rest);
                idle(gw);
                try (CountingProxy proxy = new CountingProxy(gw.port)) {
                    before(proxy, gw);
                    after(proxy, gw);
                }
                pageTimes(gw);
                int online = online(rest);
                result("nodes_online_at_end", String.valueOf(online));
                if (online < nodes) {
                    failures.add("only " + online + " of " + nodes + " online at the end");
                }
            } finally {
                beats.shutdownNow();
                for (SimNode s : sims) {
                    s.close();
                }
            }
        }
        result("load_at_end", loadAverage());
        print();
        if (!failures.isEmpty()) {
            OUT.println("FAILED: " + String.join("; ", failures));
            return 1;
        }
        OUT.println("DONE");
        return 0;
    }

    // ------------------------------------------------------------------------------------------------- the fleet

    private List<SimNode> connect(GatewayProcess gw) throws Exception {
        SimNode.Stats stats = new SimNode.Stats();
        List<SimNode> sims = new ArrayList<>(nodes);
        ExecutorService exec = Executors.newFixedThreadPool(2, r -> daemon(r, "sim-node"));
        HttpClient[] clients = new HttpClient[4];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(exec)
                    .connectTimeout(Duration.ofSeconds(20)).build();
        }
        URI ws = URI.create("ws://127.0.0.1:" + gw.port + "/nodes/connect");
        Semaphore window = new Semaphore(128);
        AtomicInteger ok = new AtomicInteger();
        long t0 = System.nanoTime();
        for (int i = 0; i < nodes; i++) {
            if (!window.tryAcquire(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("connecting stalled: no handshake finished within 60 s");
            }
            SimNode s = new SimNode(String.format(Locale.ROOT, "sim-%05d", i), stats);
            sims.add(s);
            s.connect(clients[i % clients.length], ws, TOKEN, Duration.ofSeconds(30)).whenComplete((x, e) -> {
                if (e == null) {
                    ok.incrementAndGet();
                } else {
                    stats.problem("connect " + s.id + ": " + e);
                }
                window.release();
            });
        }
        if (!window.tryAcquire(128, 120, TimeUnit.SECONDS)) {
            log("some handshakes did not finish within 120 s");
        }
        window.release(128);
        result("nodes_connected", ok.get() + " of " + nodes + " in " + fmt((System.nanoTime() - t0) / 1e9) + " s");
        if (ok.get() < nodes) {
            failures.add((nodes - ok.get()) + " nodes failed to connect (first problem: " + stats.firstProblem + ")");
        }
        return sims;
    }

    private void awaitOnline(Rest rest) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        int online = 0;
        while (System.nanoTime() < end) {
            online = online(rest);
            if (online >= nodes) {
                break;
            }
            Thread.sleep(1000);
        }
        log("online: %d of %d", online, nodes);
    }

    private static int online(Rest rest) throws Exception {
        HttpResponse<String> r = rest.get("/webui/api/nodes?summary=1");
        JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
        return o.getAsJsonObject("stats").get("nodes_online").getAsInt();
    }

    /** Some dispatches first, so that the recent dispatches and the charts hold what an idle gateway shows. */
    private void dispatch(Rest rest) throws Exception {
        int ok = 0;
        for (int i = 0; i < dispatches; i++) {
            String node = String.format(Locale.ROOT, "sim-%05d", (i * 97) % nodes);
            HttpResponse<String> r = rest.post("/webui/api/node_dispatches/replay", "{\"node\":\"" + node
                    + "\",\"action\":\"invoke\",\"mode\":\"auto\",\"task\":\"bench " + i
                    + "\",\"timeout_sec\":20,\"args\":{\"nonce\":\"n" + i + "\"}}");
            ok += r.statusCode() == 200 && r.body().contains("\"ok\":true") ? 1 : 0;
        }
        result("dispatches_before_measuring", ok + " of " + dispatches + " ok");
    }

    // ------------------------------------------------------------------------------------------------- the API

    private void apiSizes(Rest rest) throws Exception {
        for (String[] q : new String[][]{{"full", ""}, {"summary", "?summary=1"}, {"page_of_50", "?limit=50"},
                {"page_of_50_filtered", "?limit=50&q=sim-0999"}}) {
            long[] ms = new long[3];
            long bytes = 0;
            for (int i = 0; i < ms.length; i++) {
                long t = System.nanoTime();
                HttpResponse<String> r = rest.get("/webui/api/nodes" + q[1]);
                ms[i] = (System.nanoTime() - t) / 1_000_000;
                bytes = r.body().getBytes(StandardCharsets.UTF_8).length;
                if (r.statusCode() != 200) {
                    failures.add("GET /webui/api/nodes" + q[1] + " answered " + r.statusCode());
                }
            }
            Arrays.sort(ms);
            result("api_" + q[0], String.format(Locale.ROOT, "%,d bytes, median %d ms (of 3)", bytes, ms[1]));
        }
    }

    // ------------------------------------------------------------------------------- bytes per minute, idle

    /** The gateway's CPU with no UI open, for comparison with the windows below. */
    private void idle(GatewayProcess gw) throws Exception {
        long cpu0 = gw.cpuTicks();
        long t0 = System.nanoTime();
        Thread.sleep(TimeUnit.SECONDS.toMillis(Math.max(10, idleSec / 2)));
        double sec = (System.nanoTime() - t0) / 1e9;
        result("no_ui_gateway_cpu_pct_one_core", fmt((gw.cpuTicks() - cpu0) / TICKS_PER_SECOND / sec * 100));
    }

    private void before(CountingProxy proxy, GatewayProcess gw) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        String base = "http://127.0.0.1:" + proxy.port();
        proxy.reset();
        long cpu0 = gw.cpuTicks();
        long t0 = System.nanoTime();
        long end = t0 + TimeUnit.SECONDS.toNanos(idleSec);
        int polls = 0;
        while (System.nanoTime() < end) {
            CompletableFuture<HttpResponse<Void>> nodesCall = http.sendAsync(get(base + "/webui/api/nodes"),
                    HttpResponse.BodyHandlers.discarding());
            CompletableFuture<HttpResponse<Void>> audit = http.sendAsync(
                    get(base + "/webui/api/node_dispatches?limit=50"), HttpResponse.BodyHandlers.discarding());
            nodesCall.get(120, TimeUnit.SECONDS);
            audit.get(120, TimeUnit.SECONDS);
            polls++;
            long left = end - System.nanoTime();
            if (left > 0) {
                Thread.sleep(Math.min(3000, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
        double minutes = (System.nanoTime() - t0) / 60e9;
        double cpu = (gw.cpuTicks() - cpu0) / TICKS_PER_SECOND / (minutes * 60) * 100;
        result("before_dashboard_polls", polls + " in " + fmt(minutes * 60) + " s");
        result("before_bytes_per_min", perMinute(proxy, minutes));
        result("before_gateway_cpu_pct_one_core", fmt(cpu));
    }

    private static HttpRequest get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
                .header("Authorization", "Bearer " + TOKEN).GET().build();
    }

    private void after(CountingProxy proxy, GatewayProcess gw) throws Exception {
        String base = "http://127.0.0.1:" + proxy.port();
        try (Browser browser = Browser.start(1280, 900)) {
            var driver = browser.driver;
            signIn(driver, base);
            driver.get(base + "/");
            WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60), Duration.ofMillis(100));
            wait.until(d -> js(d, "return performance.getEntriesByName('clawgo:page-ready').length > 0"));
            wait.until(d -> "events".equals(js(d, "return document.getElementById('live').dataset.mode")));
            Thread.sleep(3000); // the load and its catch-up reload are over
            long refreshes0 = refreshes(driver);
            proxy.reset();
            long cpu0 = gw.cpuTicks();
            long t0 = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(idleSec));
            double minutes = (System.nanoTime() - t0) / 60e9;
            double cpu = (gw.cpuTicks() - cpu0) / TICKS_PER_SECOND / (minutes * 60) * 100;
            result("after_dashboard_reloads", (refreshes(driver) - refreshes0) + " in " + fmt(minutes * 60)
                    + " s, live mode " + js(driver, "return document.getElementById('live').dataset.mode"));
            result("after_bytes_per_min", perMinute(proxy, minutes));
            result("after_gateway_cpu_pct_one_core", fmt(cpu));
            if (proxy.down() / minutes > 50 * 1024) {
                failures.add("the idle Dashboard costs more than 50 KB per minute");
            }
        }
    }

    private static long refreshes(org.openqa.selenium.WebDriver d) {
        return Long.parseLong(String.valueOf(js(d, "return document.getElementById('page').dataset.refreshes || '0'")));
    }

    private static String perMinute(CountingProxy proxy, double minutes) {
        return String.format(Locale.ROOT, "%,.0f bytes/min down, %,.0f up, %,.0f in all (%d connections)",
                proxy.down() / minutes, proxy.up() / minutes, (proxy.down() + proxy.up()) / minutes,
                proxy.connections());
    }

    // ------------------------------------------------------------------------------------------- page times

    private void pageTimes(GatewayProcess gw) throws Exception {
        String base = gw.url();
        try (Browser browser = Browser.start(1280, 900)) {
            var driver = browser.driver;
            signIn(driver, base);
            WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60), Duration.ofMillis(20));
            for (String page : PAGES) {
                double[] fcp = new double[runs];
                double[] interactive = new double[runs];
                double[] ready = new double[runs];
                for (int i = 0; i < runs; i++) {
                    driver.get(base + page);
                    wait.until(d -> js(d, "return performance.getEntriesByName('clawgo:page-ready').length > 0"));
                    fcp[i] = num(js(driver, "const p = performance.getEntriesByName('first-contentful-paint');"
                            + " return p.length ? p[0].startTime : -1"));
                    interactive[i] = num(js(driver, "return performance.getEntriesByType('navigation')[0]"
                            + ".domInteractive"));
                    ready[i] = num(js(driver, "return performance.getEntriesByName('clawgo:page-ready')[0]"
                            + ".startTime"));
                }
                result("page_" + (page.equals("/") ? "dashboard" : page.substring(1)),
                        String.format(Locale.ROOT, "first contentful paint %s ms, DOM interactive %s ms, "
                                + "data shown %s ms (medians of %d; data shown max %s ms)", fmt(median(fcp)),
                                fmt(median(interactive)), fmt(median(ready)), runs,
                                fmt(Arrays.stream(ready).max().orElse(0))));
                if (median(ready) > 1000) {
                    failures.add("page " + page + " shows its data after " + fmt(median(ready)) + " ms (> 1 s)");
                }
            }
            // the old UI's floor: the whole payload fetched and parsed in the page, before anything is drawn
            driver.get(base + "/");
            wait.until(d -> js(d, "return performance.getEntriesByName('clawgo:page-ready').length > 0"));
            double[] full = new double[3];
            for (int i = 0; i < full.length; i++) {
                full[i] = num(((JavascriptExecutor) driver).executeAsyncScript(
                        "const done = arguments[arguments.length - 1]; const t = performance.now();"
                                + " fetch('/webui/api/nodes', {headers: {Authorization: 'Bearer ' + "
                                + "sessionStorage.getItem('clawgo.gateway.token')}}).then(r => r.json())"
                                + ".then(j => done(performance.now() - t), e => done(-1));"));
            }
            result("old_full_payload_fetch_and_parse_in_page", fmt(median(full)) + " ms (median of 3)");
        }
    }

    private static void signIn(org.openqa.selenium.WebDriver driver, String base) {
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(120));
        driver.get(base + "/logo.svg"); // same origin, no app: the token goes in before the app starts
        js(driver, "sessionStorage.setItem('clawgo.gateway.token', arguments[0])", TOKEN);
    }

    private static Object js(org.openqa.selenium.WebDriver d, String script, Object... args) {
        return ((JavascriptExecutor) d).executeScript(script, args);
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : -1;
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    // ------------------------------------------------------------------------------------------------ output

    private void result(String key, String value) {
        results.put(key, value);
        log("%s: %s", key, value);
    }

    private void print() {
        OUT.println();
        OUT.println("| measure | result |");
        OUT.println("|---|---|");
        results.forEach((k, v) -> OUT.println("| " + k + " | " + v + " |"));
        OUT.println();
    }

    private void log(String fmt, Object... args) {
        OUT.printf(Locale.ROOT, "[%6.1f s] " + fmt + "%n", concat((System.nanoTime() - started) / 1e9, args));
    }

    private static Object[] concat(Object first, Object[] rest) {
        Object[] out = new Object[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, "%.1f", d);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    private static final double TICKS_PER_SECOND = 100; // USER_HZ on Linux

    /**
     * A TCP proxy on loopback that counts the bytes in each direction: what the web UI (or the replayed old one) costs
     * on the wire, headers and framing included. One pair of threads per connection (a browser opens a few).
     */
    private static final class CountingProxy implements AutoCloseable {
        private final ServerSocket server;
        private final int target;
        private final AtomicLong down = new AtomicLong();
        private final AtomicLong up = new AtomicLong();
        private final AtomicInteger connections = new AtomicInteger();
        private final List<Socket> open = new java.util.concurrent.CopyOnWriteArrayList<>();

        CountingProxy(int target) throws IOException {
            this.target = target;
            this.server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread accept = new Thread(this::accept, "proxy-accept");
            accept.setDaemon(true);
            accept.start();
        }

        int port() {
            return server.getLocalPort();
        }

        long down() {
            return down.get();
        }

        long up() {
            return up.get();
        }

        int connections() {
            return connections.get();
        }

        /** Counts from zero again (connections already open keep being counted). */
        void reset() {
            down.set(0);
            up.set(0);
            connections.set(0);
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                    client.setTcpNoDelay(true);
                    upstream.setTcpNoDelay(true);
                    open.add(client);
                    open.add(upstream);
                    connections.incrementAndGet();
                    pump(client.getInputStream(), upstream.getOutputStream(), up, client, upstream);
                    pump(upstream.getInputStream(), client.getOutputStream(), down, client, upstream);
                } catch (IOException e) {
                    // closed, or the gateway refused: the client sees its connection end
                }
            }
        }

        private static void pump(InputStream in, OutputStream out, AtomicLong counter, Socket a, Socket b) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[64 * 1024];
                try {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        out.write(buf, 0, n);
                        out.flush();
                        counter.addAndGet(n);
                    }
                } catch (IOException e) {
                    // one side closed
                } finally {
                    closeQuietly(a);
                    closeQuietly(b);
                }
            }, "proxy-pump");
            t.setDaemon(true);
            t.start();
        }

        private static void closeQuietly(Socket s) {
            try {
                s.close();
            } catch (IOException e) {
                // already closed
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            open.forEach(CountingProxy::closeQuietly);
        }
    }
}
