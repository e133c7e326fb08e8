package io.clawgo.examples.cli;

import io.clawgo.ClawgoException;
import io.clawgo.Gateway;
import io.clawgo.GatewayClient;
import io.clawgo.NodeAgent;
import io.clawgo.config.ConfigException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code clawgo demo}: the seed's E2E scenario in one JVM: a gateway on 127.0.0.1, a node endpoint that only
 * listens on 127.0.0.1, a node that reaches the gateway over {@code websocket_tunnel}, and one
 * {@code dispatch_and_wait} to {@code node.demo.main}.
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Run a gateway, a node and its local HTTP endpoint in this process, dispatch one task to the node "
                    + "over the websocket_tunnel transport, print the reply and the web UI address.",
            "",
            "Keeps running (so you can open the web UI or dispatch more tasks) until Ctrl-C, or exits after the "
                    + "dispatch with --once. State lives in a temporary directory that is deleted on exit."},
        footer = {
            "",
            "Example:",
            "  clawgo demo --port 0 --once",
            "",
            "Exit codes: 0 the dispatch completed (without --once: and the demo stopped",
            "cleanly), 1 it did not or the demo could not start, 2 bad flags."})
final class DemoCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger("io.clawgo.cli.demo");

    static final String NODE_ID = "demo";
    static final String TRANSPORT = "websocket_tunnel";

    @Spec
    CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT",
            description = "Gateway port on 127.0.0.1, 0 for a free one (default 18790).")
    int port = 18790;

    @Option(names = "--once", description = "Exit after the dispatch: 0 when it completed, else 1.")
    boolean once;

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
        Gateway gateway;
        try {
            gateway = Gateway.builder().host("127.0.0.1").port(port).token(token).dataDir(dataDir)
                    .transport(TRANSPORT).start();
        } catch (ConfigException e) {
            Cli.error(spec, e.getMessage());
            return Cli.FAILED;
        } catch (ClawgoException e) {
            Cli.error(spec, e.getMessage());
            return Cli.FAILED;
        }
        try (gateway; DemoEndpoint endpoint = DemoEndpoint.start(NODE_ID);
             NodeAgent node = NodeAgent.builder()
                     .gateway(gateway.url()).token(token)
                     .id(NODE_ID).name("clawgo demo node")
                     .endpoint(endpoint.url())
                     .actions(List.of("run", "agent_task"))
                     .heartbeatInterval(Duration.ofSeconds(10))
                     .build();
             GatewayClient client = GatewayClient.create(gateway.url(), token)) {
            Cli.out(spec, "clawgo gateway listening on " + gateway.url() + " (p2p: "
                    + gateway.p2pTransport().orElse("none, relay only") + ")");
            Cli.out(spec, "Node endpoint (127.0.0.1 only): " + endpoint.url());
            node.start();
            if (!node.awaitConnected(Duration.ofSeconds(15))) {
                Cli.error(spec, "the demo node did not connect to the gateway within 15 s");
                return Cli.FAILED;
            }
            Cli.out(spec, "Node registered: " + NODE_ID + " -> " + gateway.url());
            Cli.out(spec, "Dispatching to node." + NODE_ID + ".main: " + task);
            Map<String, Object> reply;
            try {
                reply = DispatchCommand.dispatchAndWait(client, "node." + NODE_ID + ".main", task, 30);
            } catch (ClawgoException e) {
                Cli.error(spec, "dispatch failed: " + e.getMessage());
                return Cli.FAILED;
            }
            Cli.out(spec, "Reply:");
            Cli.out(spec, Cli.prettyJson(reply));
            boolean completed = DispatchCommand.COMPLETED.equals(reply.get("status"));
            Cli.out(spec, "Web UI: " + gateway.url() + "/ (token for this run: " + token + ")");
            if (once) {
                return completed ? Cli.OK : Cli.FAILED;
            }
            Cli.out(spec, "Try: CLAWGO_GATEWAY_TOKEN=<token above> clawgo dispatch --gateway " + gateway.url()
                    + " --agent node." + NODE_ID + ".main --task 'hello'");
            Cli.out(spec, "Running until Ctrl-C.");
            Lifecycle.stopRequested().join();
            LOG.info("stopping the demo");
            return completed ? Cli.OK : Cli.FAILED;
        }
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
