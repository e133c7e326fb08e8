package io.clawgo.examples.cli;

import io.clawgo.ClawgoException;
import io.clawgo.NodeAgent;
import io.clawgo.protocol.Capabilities;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code clawgo node register}: one registration, or ({@code --watch}) a connected node until SIGINT/SIGTERM. */
@Command(name = "register",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Register this node with a gateway.",
            "",
            "Without --watch: one POST /nodes/register, then exit. With --watch: keep the control WebSocket open, "
                    + "heartbeat, run the requests the gateway sends (forwarded to --endpoint), reconnect with "
                    + "jittered backoff after failures, and stop cleanly on Ctrl-C or SIGTERM."},
        footer = {
            "",
            "Examples:",
            "  export CLAWGO_GATEWAY_TOKEN=...",
            "  clawgo node register --gateway http://10.0.0.5:18790 --id edge-a \\",
            "    --endpoint http://127.0.0.1:19081",
            "  clawgo node register --gateway http://10.0.0.5:18790 --id edge-a \\",
            "    --endpoint http://127.0.0.1:19081 --actions run,agent_task \\",
            "    --watch --heartbeat-sec 10",
            "",
            "Exit codes: 0 registered (with --watch: stopped cleanly), 1 the gateway",
            "refused or could not be reached, 2 bad flags."})
final class NodeRegisterCommand implements java.util.concurrent.Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger("io.clawgo.cli.node");
    private static final Pattern HTTP_STATUS = Pattern.compile("^http (\\d{3})\\b");

    @Spec
    CommandSpec spec;

    @Mixin
    GatewayOptions gw;

    @Option(names = "--node-token", paramLabel = "TOKEN",
            description = "Token of this node's endpoint: the gateway sends it as Bearer when it relays to the "
                    + "endpoint, and the node uses it when it forwards requests there.")
    String nodeToken;

    @Option(names = "--id", paramLabel = "ID",
            description = "Node id, 1..128 of [A-Za-z0-9._:-] (default: the host name).")
    String id;

    @Option(names = "--name", paramLabel = "NAME", description = "Display name (default: the host name).")
    String name;

    @Option(names = "--endpoint", paramLabel = "URL",
            description = "This node's local HTTP agent base URL (may listen on 127.0.0.1 only).")
    String endpoint;

    @Option(names = "--actions", paramLabel = "CSV", split = ",", hideParamSyntax = true,
            description = "Actions this node accepts, e.g. run,agent_task.")
    List<String> actions = List.of();

    @Option(names = "--models", paramLabel = "CSV", split = ",", hideParamSyntax = true,
            description = "Models this node offers.")
    List<String> models = List.of();

    @Option(names = "--tags", paramLabel = "CSV", split = ",", hideParamSyntax = true,
            description = "Free-form tags.")
    List<String> tags = List.of();

    @Option(names = "--capabilities", paramLabel = "CSV", converter = CapabilitiesConverter.class,
            description = "Replaces the default run,invoke,model. Known: run, invoke, model (alias agent_task), "
                    + "camera, screen, location, canvas.")
    Capabilities capabilities = Capabilities.DEFAULT;

    @Option(names = "--transports", paramLabel = "CSV", split = ",", hideParamSyntax = true,
            description = "With --watch: run and offer only these P2P transports, e.g. websocket_tunnel "
                    + "(default: every one on the class path; http_relay alone: the relay only).")
    List<String> transports;

    @Option(names = "--watch", description = "Stay connected (control WebSocket, heartbeats, reconnects).")
    boolean watch;

    @Option(names = "--heartbeat-sec", paramLabel = "N",
            description = "Seconds between heartbeats with --watch, 1..3600 (default 10; keep it well below the "
                    + "gateway's node TTL, 60 s by default).")
    int heartbeatSec = 10;

    @Override
    public Integer call() {
        if (heartbeatSec < 1 || heartbeatSec > 3600) {
            throw Cli.usage(spec, "--heartbeat-sec must be in 1..3600, got " + heartbeatSec);
        }
        String gatewayUrl = gw.url();
        String host = Cli.hostname();
        String nodeId = Cli.firstNonBlank(id, host);
        NodeEvents events = new NodeEvents();
        NodeAgent agent;
        try {
            agent = NodeAgent.builder()
                    .gateways(gw.urls())
                    .token(gw.token())
                    .id(nodeId)
                    .name(Cli.firstNonBlank(name, host))
                    .endpoint(Cli.normalizeUrl(endpoint))
                    .nodeToken(nodeToken)
                    .actions(actions)
                    .models(models)
                    .tags(tags)
                    .capabilities(capabilities)
                    .transports(transports)
                    .heartbeatInterval(Duration.ofSeconds(heartbeatSec))
                    .listener(events)
                    .build();
        } catch (IllegalArgumentException e) {
            throw Cli.usage(spec, e.getMessage());
        }
        String nodeIdFinal = agent.info().id();
        return watch ? watch(agent, nodeIdFinal, gatewayUrl, events) : once(agent, nodeIdFinal, gatewayUrl);
    }

    private int once(NodeAgent agent, String nodeId, String gatewayUrl) {
        try (agent) {
            agent.registerOnce();
        } catch (ClawgoException e) {
            Cli.error(spec, e.getMessage());
            return Cli.FAILED;
        }
        Cli.out(spec, "Node registered: " + nodeId + " -> " + gatewayUrl);
        return Cli.OK;
    }

    private int watch(NodeAgent agent, String nodeId, String gatewayUrl, NodeEvents events) {
        Lifecycle.install();
        try (agent) {
            agent.start();
            CompletableFuture<Object> firstOutcome = CompletableFuture.anyOf(events.firstConnect, events.fatal,
                    Lifecycle.stopRequested());
            firstOutcome.join();
            if (events.fatal.isDone() && !events.firstConnect.isDone()) {
                Cli.error(spec, events.fatal.join());
                return Cli.FAILED;
            }
            if (events.firstConnect.isDone()) {
                Cli.out(spec, "Node registered: " + nodeId + " -> " + agent.gatewayUrl());
                Cli.out(spec, "Heartbeat loop started: every " + heartbeatSec + "s");
                events.announceReconnects(() -> Cli.out(spec, "Node re-registered: " + nodeId));
            }
            Lifecycle.stopRequested().join();
            LOG.info("stopping node {}", nodeId);
        }
        Cli.out(spec, "Node stopped: " + nodeId);
        return Cli.OK;
    }

    /** Turns the agent's callbacks (on its connection thread) into futures for the command's thread. */
    private static final class NodeEvents implements NodeAgent.Listener {
        final CompletableFuture<Void> firstConnect = new CompletableFuture<>();
        /** A refusal before the first connection (a 4xx: wrong token, bad node info): retrying cannot help. */
        final CompletableFuture<String> fatal = new CompletableFuture<>();
        private final AtomicBoolean announce = new AtomicBoolean();
        private volatile Runnable onReconnect = () -> { };

        void announceReconnects(Runnable r) {
            onReconnect = r;
            announce.set(true);
        }

        @Override
        public void onConnected() {
            if (!firstConnect.complete(null) && announce.get()) {
                onReconnect.run();
            }
        }

        @Override
        public void onRegistrationFailed(String error) {
            if (firstConnect.isDone()) {
                return; // the agent logs it and keeps retrying
            }
            Matcher m = HTTP_STATUS.matcher(error == null ? "" : error);
            if (m.find()) {
                int status = Integer.parseInt(m.group(1));
                if (status >= 400 && status < 500 && status != 408 && status != 429) {
                    fatal.complete(error);
                }
            }
        }
    }
}
