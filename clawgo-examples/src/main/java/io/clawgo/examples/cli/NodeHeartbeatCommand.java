package io.clawgo.examples.cli;

import io.clawgo.ClawgoException;
import io.clawgo.GatewayClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code clawgo node heartbeat}: one {@code POST /nodes/heartbeat}. */
@Command(name = "heartbeat",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Send one heartbeat (POST /nodes/heartbeat) for a registered node.",
            "",
            "The gateway answers 404 for a node it does not know: register it first."},
        footer = {
            "",
            "Example:",
            "  clawgo node heartbeat --gateway http://10.0.0.5:18790 --id edge-a",
            "",
            "Exit codes: 0 sent, 1 refused (unknown node, wrong token) or unreachable,",
            "2 bad flags."})
final class NodeHeartbeatCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    GatewayOptions gw;

    @Option(names = "--id", paramLabel = "ID", description = "Node id (default: the host name).")
    String id;

    @Override
    public Integer call() {
        String nodeId = Cli.firstNonBlank(id, Cli.hostname());
        String url = gw.url();
        GatewayClient client;
        try {
            client = GatewayClient.create(url, gw.token());
        } catch (IllegalArgumentException e) {
            throw Cli.usage(spec, e.getMessage());
        }
        try (client) {
            client.heartbeat(nodeId);
        } catch (ClawgoException e) {
            Cli.error(spec, e.getMessage());
            return Cli.FAILED;
        }
        Cli.out(spec, "Heartbeat sent: " + nodeId + " -> " + url);
        return Cli.OK;
    }
}
