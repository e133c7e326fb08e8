package io.clawgo.examples.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code clawgo node}: the node role's commands. */
@Command(name = "node",
        mixinStandardHelpOptions = true,
        description = "Register this machine as a node of a gateway, or send one heartbeat.",
        subcommands = {NodeRegisterCommand.class, NodeHeartbeatCommand.class},
        footer = {
            "",
            "Example (the seed's E2E setup: an endpoint that listens on 127.0.0.1 only,",
            "reached through the node's WebSocket):",
            "  export CLAWGO_GATEWAY_TOKEN=...",
            "  clawgo node register --gateway http://GATEWAY:18790 --id edge-a \\",
            "    --endpoint http://127.0.0.1:19081 --actions run,agent_task \\",
            "    --capabilities run,invoke,model --watch --heartbeat-sec 10"})
final class NodeCommand implements Runnable {
    @Spec
    CommandSpec spec;

    /** Without a subcommand: the help, exit 0. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
