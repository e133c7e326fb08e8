package io.clawgo.examples.cli;

import io.clawgo.ClawgoException;
import io.clawgo.Gateway;
import io.clawgo.GatewayClient;
import io.clawgo.NodeAgent;
import io.clawgo.config.ConfigException;
import io.clawgo.config.P2pConfig;
import io.clawgo.spi.SessionStatus;
import io.clawgo.spi.TransportProvider;
import java.io.IOException;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code clawgo demo}: the seed's E2E scenario in one JVM, over both transports: a gateway on 127.0.0.1 configured with
 * {@code webrtc} (the tunnel is its automatic first fallback), a node that offers {@code webrtc} and one that does not,
 * each forwarding to its own endpoint on 127.0.0.1, one {@code dispatch_and_wait} to each, and a table of what carried
 * them.
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Run a gateway and two nodes with their local HTTP endpoints in this process, dispatch one task to each "
                    + "node, and print a table: which transport carried it (webrtc or websocket_tunnel), what it fell "
                    + "back from, the latency and the result; then the web UI address.",
            "",
            "Node demo-webrtc offers webrtc and the tunnel; node demo-tunnel offers the tunnel only. The gateway uses "
                    + "webrtc first and falls back to the tunnel, so demo-tunnel's task shows fallback_from webrtc. "
                    + "libwebrtc ignores the loopback interface: on a host with only 'lo' no webrtc session can open, "
                    + "and demo-webrtc's task falls back too (the table says so).",
            "",
            "Keeps running (so you can open the web UI or dispatch more tasks) until Ctrl-C, or exits after the "
                    + "dispatches with --once. State lives in a temporary directory that is deleted on exit."},
        footer = {
            "",
            "Examples:",
            "  clawgo demo --port 0 --once",
            "  clawgo demo --no-webrtc",
            "",
            "Exit codes: 0 every dispatch completed (without --once: and the demo",
            "stopped cleanly), 1 one did not or the demo could not start, 2 bad flags."})
final class DemoCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger("io.clawgo.cli.demo");

    static final String WEBRTC = "webrtc";
    static final String TUNNEL = "websocket_tunnel";
    static final String WEBRTC_NODE = "demo-webrtc";
    static final String TUNNEL_NODE = "demo-tunnel";
    /** How long a dispatch waits for a webrtc DataChannel before the tunnel takes over. */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(5);
    private static final int WAIT_SEC = 30;

    @Spec
    CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT",
            description = "Gateway port on 127.0.0.1, 0 for a free one (default 18790).")
    int port = 18790;

    @Option(names = "--once", description = "Exit after the dispatches: 0 when all completed, else 1.")
    boolean once;

    @Option(names = "--no-webrtc", description = "Leave webrtc out: one node, gateway on websocket_tunnel.")
    boolean noWebrtc;

    @Option(names = "--task", paramLabel = "TEXT",
            description = "The task to send (default: the seed's 'Return exactly the string NODE_P2P_OK').")
    String task = "Return exactly the string NODE_P2P_OK";

    @Override
    public Integer call() throws IOException {
        if (port < 0 || port > 65535) {
            throw Cli.usage(spec, "--port must be in 0..65535, got " + port);
        }
        Lifecycle.install();
        String token = Cli.generateToken();
        Path dataDir = Files.createTempDirectory("clawgo-demo-");
        try {
            return run(token, dataDir);
        } finally {
            deleteQuietly(dataDir);
        }
    }

    private int run(String token, Path dataDir) throws IOException {
        String webrtcMissing = noWebrtc ? "left out (--no-webrtc)" : webrtcUnavailableReason();
        Gateway gateway = null;
        if (webrtcMissing == null) {
            try {
                gateway = startGateway(token, dataDir, WEBRTC);
            } catch (ConfigException | ClawgoException e) {
                // the provider is on the class path, but libwebrtc (loaded now) may still fail, e.g. libpulse missing
                webrtcMissing = "unavailable here: " + Cli.oneLine(e.getMessage());
                LOG.debug("starting the demo gateway with webrtc failed", e);
            }
        }
        boolean webrtc = webrtcMissing == null;
        try {
            if (gateway == null) {
                gateway = startGateway(token, dataDir, TUNNEL);
            }
        } catch (ConfigException | ClawgoException e) {
            Cli.error(spec, e.getMessage());
            return Cli.FAILED;
        }
        List<AutoCloseable> owned = new ArrayList<>();
        Gateway started = gateway;
        try (started; GatewayClient client = GatewayClient.create(started.url(), token)) {
            try {
                return demo(started, client, token, webrtc, webrtcMissing, owned);
            } finally {
                // nodes and endpoints first, then (by try-with-resources) the client and the gateway
                Collections.reverse(owned);
                for (AutoCloseable c : owned) {
                    try {
                        c.close();
                    } catch (Exception e) {
                        LOG.debug("closing {} failed: {}", c, e.toString());
                    }
                }
            }
        }
    }

    private int demo(Gateway gateway, GatewayClient client, String token, boolean webrtc, String webrtcMissing,
                     List<AutoCloseable> owned) throws IOException {
        Cli.out(spec, "clawgo gateway listening on " + gateway.url() + " (p2p: "
                + (webrtc ? "webrtc, falling back to websocket_tunnel" : TUNNEL) + ")");
        if (!webrtc) {
            Cli.out(spec, "webrtc: " + webrtcMissing);
        }
        List<DemoNode> nodes = new ArrayList<>();
        if (webrtc) {
            nodes.add(startNode(gateway, token, WEBRTC_NODE, List.of(WEBRTC, TUNNEL), owned));
        }
        nodes.add(startNode(gateway, token, TUNNEL_NODE, List.of(TUNNEL), owned));
        for (DemoNode n : nodes) {
            if (!n.agent.awaitConnected(Duration.ofSeconds(15))) {
                Cli.error(spec, "node " + n.id + " did not connect to the gateway within 15 s");
                return Cli.FAILED;
            }
            Cli.out(spec, "Node registered: " + n.id + " -> " + gateway.url() + " (offers "
                    + String.join(", ", n.agent.transports()) + "; endpoint "
                    + n.endpoint.url() + ", 127.0.0.1 only)");
        }
        Cli.out(spec, "Dispatching to " + String.join(" and ", nodes.stream().map(n -> "node." + n.id + ".main")
                .toList()) + ": " + task);
        List<CompletableFuture<Row>> futures = nodes.stream()
                .map(n -> CompletableFuture.supplyAsync(() -> dispatch(client, n))).toList();
        List<Row> rows = futures.stream().map(CompletableFuture::join).toList();
        Cli.out(spec, "");
        for (String line : table(rows)) {
            Cli.out(spec, line);
        }
        List<String> notes = notes(rows, gateway, webrtc);
        if (!notes.isEmpty()) {
            Cli.out(spec, "");
            notes.forEach(n -> Cli.out(spec, n));
        }
        Cli.out(spec, "");
        boolean completed = rows.stream().allMatch(r -> DispatchCommand.COMPLETED.equals(r.status));
        Cli.out(spec, "Web UI: " + gateway.url() + "/ (token for this run: " + token + ")");
        if (once) {
            return completed ? Cli.OK : Cli.FAILED;
        }
        Cli.out(spec, "Try: CLAWGO_GATEWAY_TOKEN=<token above> clawgo dispatch --gateway " + gateway.url()
                + " --agent node." + nodes.get(0).id + ".main --task 'hello'");
        Cli.out(spec, "Running until Ctrl-C.");
        Lifecycle.stopRequested().join();
        LOG.info("stopping the demo");
        return completed ? Cli.OK : Cli.FAILED;
    }

    private Gateway startGateway(String token, Path dataDir, String transport) {
        return Gateway.builder().host("127.0.0.1").port(port).token(token).dataDir(dataDir)
                .p2p(P2pConfig.of(transport).withReadyTimeout(READY_TIMEOUT))
                .start();
    }

    /** A node of the demo and its endpoint. */
    private record DemoNode(String id, NodeAgent agent, DemoEndpoint endpoint) {
    }

    /** One dispatch's outcome. */
    private record Row(String node, String status, String transport, String fallbackFrom, long millis, String result) {
    }

    /**
     * Starts a node forwarding to its own endpoint, limited to the {@code transports} named (so that the examples
     * module's own {@code tcp_example} provider stays out of the demo), as {@code NodeAgent.Builder.transports} does
     * for any node.
     */
    private static DemoNode startNode(Gateway gateway, String token, String id, List<String> transports,
                                      List<AutoCloseable> owned) throws IOException {
        DemoEndpoint endpoint = DemoEndpoint.start(id);
        owned.add(endpoint);
        NodeAgent agent = NodeAgent.builder()
                .gateway(gateway.url()).token(token)
                .id(id).name("clawgo demo node " + id)
                .endpoint(endpoint.url())
                .actions(List.of("run", "agent_task"))
                .transports(transports)
                .build();
        owned.add(agent);
        agent.start();
        return new DemoNode(id, agent, endpoint);
    }

    private Row dispatch(GatewayClient client, DemoNode n) {
        long start = System.nanoTime();
        try {
            Map<String, Object> reply = DispatchCommand.dispatchAndWait(client, "node." + n.id + ".main", task,
                    WAIT_SEC);
            long millis = (System.nanoTime() - start) / 1_000_000;
            String status = String.valueOf(reply.get("status"));
            String result = DispatchCommand.COMPLETED.equals(status) ? str(reply.get("result"))
                    : status + ": " + str(reply.get("code")) + " " + str(reply.get("error"));
            return new Row(n.id, status, str(reply.get("used_transport")), str(reply.get("fallback_from")), millis,
                    result);
        } catch (ClawgoException e) {
            return new Row(n.id, "error", "", "", (System.nanoTime() - start) / 1_000_000, "error: " + e.getMessage());
        }
    }

    /** The table, columns padded to their widest cell. */
    static List<String> table(List<Row> rows) {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"node", "transport", "fallback_from", "latency_ms", "result"});
        for (Row r : rows) {
            cells.add(new String[] {r.node, dash(r.transport), dash(r.fallbackFrom), Long.toString(r.millis),
                Cli.oneLine(r.result)});
        }
        int[] width = new int[5];
        for (String[] c : cells) {
            for (int i = 0; i < c.length; i++) {
                width[i] = Math.max(width[i], c[i].length());
            }
        }
        List<String> out = new ArrayList<>();
        for (String[] c : cells) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < c.length; i++) {
                sb.append(i == c.length - 1 ? c[i] : String.format("%-" + (width[i] + 2) + "s", c[i]));
            }
            out.add(sb.toString().stripTrailing());
        }
        return out;
    }

    /** Why a row fell back, from the gateway's webrtc session records. */
    private static List<String> notes(List<Row> rows, Gateway gateway, boolean webrtc) {
        List<String> notes = new ArrayList<>();
        if (!webrtc) {
            return notes;
        }
        Map<String, SessionStatus> sessions = new LinkedHashMap<>();
        for (SessionStatus s : gateway.status().p2p().sessions()) {
            sessions.put(s.node(), s);
        }
        for (Row r : rows) {
            if (!WEBRTC.equals(r.fallbackFrom)) {
                continue;
            }
            SessionStatus s = sessions.get(r.node);
            String session = s == null ? "no session" : "session " + s.status()
                    + (str(s.lastError()).isEmpty() ? "" : ": " + s.lastError());
            if (TUNNEL_NODE.equals(r.node)) {
                notes.add("- " + r.node + " offers no webrtc: it registered its transports without it, so the "
                        + "gateway's webrtc transport declined at once (" + session + ") and " + r.transport
                        + " carried the task.");
            } else if (onlyLoopback()) {
                notes.add("- " + r.node + ": no webrtc session could open (" + session + "). This host has no network "
                        + "interface but loopback, and libwebrtc ignores loopback, so there is no ICE candidate; the "
                        + "task fell back to " + r.transport + ". On a host with a LAN interface it goes over webrtc.");
            } else {
                notes.add("- " + r.node + ": the webrtc session did not open (" + session + "); the task fell back to "
                        + r.transport + ". Check UDP between the peers, STUN/TURN servers (docs/operations.md).");
            }
        }
        return notes;
    }

    /** Whether every network interface that is up is a loopback one. */
    static boolean onlyLoopback() {
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (ni.isUp() && !ni.isLoopback() && ni.getInetAddresses().hasMoreElements()) {
                    return false;
                }
            }
            return true;
        } catch (SocketException e) {
            return false;
        }
    }

    /** {@code null} when the webrtc provider is on the class path and can run here, else why not. */
    private static String webrtcUnavailableReason() {
        for (TransportProvider p : ServiceLoader.load(TransportProvider.class, DemoCommand.class.getClassLoader())) {
            try {
                if (WEBRTC.equals(p.name())) {
                    return p.isAvailable() ? null : "unavailable here: " + p.unavailableReason();
                }
            } catch (RuntimeException | LinkageError e) {
                return "unavailable here: " + e;
            }
        }
        return "not on the class path (add io.clawgo:clawgo-transport-webrtc)";
    }

    private static String str(Object o) {
        return o == null ? "" : o.toString();
    }

    private static String dash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }

    private static void deleteQuietly(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.debug("could not delete {}: {}", dir, e.toString());
        }
    }
}
