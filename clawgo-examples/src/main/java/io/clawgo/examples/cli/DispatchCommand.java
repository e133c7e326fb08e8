package io.clawgo.examples.cli;

import io.clawgo.ClawgoException;
import io.clawgo.GatewayClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code clawgo dispatch}: one {@code dispatch_and_wait} through the gateway's subagent runtime. */
@Command(name = "dispatch",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Send a task to an agent and wait for its reply (POST /webui/api/subagents_runtime, action "
                    + "dispatch_and_wait).",
            "",
            "Agents are a gateway's local agents and one 'node.<id>.main' per registered node. Prints the reply "
                    + "as JSON: status (completed, failed, timeout), result, error, node, used_transport, "
                    + "fallback_from."},
        footer = {
            "",
            "Example:",
            "  export CLAWGO_GATEWAY_TOKEN=...",
            "  clawgo dispatch --gateway http://10.0.0.5:18790 --agent node.edge-a.main \\",
            "    --task 'Return exactly the string NODE_P2P_OK' --wait-sec 30",
            "",
            "Exit codes: 0 the reply's status is completed, 1 anything else (failed,",
            "timeout, gateway error), 2 bad flags."})
final class DispatchCommand implements Callable<Integer> {

    static final String COMPLETED = "completed";

    @Spec
    CommandSpec spec;

    @Mixin
    GatewayOptions gw;

    @Option(names = "--agent", required = true, paramLabel = "AGENT_ID",
            description = "Target agent, e.g. node.edge-a.main or a local agent id of the gateway.")
    String agent;

    @Option(names = "--task", required = true, paramLabel = "TEXT", description = "The task text.")
    String task;

    @Option(names = "--wait-sec", paramLabel = "N",
            description = "How long the gateway waits for the reply, 1..3600 (default 120); then the status is "
                    + "timeout.")
    int waitSec = 120;

    @Override
    public Integer call() {
        if (waitSec < 1 || waitSec > 3600) {
            throw Cli.usage(spec, "--wait-sec must be in 1..3600, got " + waitSec);
        }
        if (agent.isBlank()) {
            throw Cli.usage(spec, "--agent must not be empty");
        }
        if (task.isBlank()) {
            throw Cli.usage(spec, "--task must not be empty");
        }
        GatewayClient client;
        try {
            client = GatewayClient.create(gw.url(), gw.token());
        } catch (IllegalArgumentException e) {
            throw Cli.usage(spec, e.getMessage());
        }
        Map<String, Object> reply;
        try (client) {
            reply = dispatchAndWait(client, agent.trim(), task, waitSec);
        } catch (ClawgoException e) {
            Cli.error(spec, e.getMessage());
            return Cli.FAILED;
        }
        Cli.out(spec, Cli.prettyJson(reply));
        return COMPLETED.equals(reply.get("status")) ? Cli.OK : Cli.FAILED;
    }

    /**
     * {@code dispatch_and_wait} over REST; returns {@code result.reply}.
     *
     * @throws ClawgoException when the gateway refuses or cannot be reached, or answers without a reply
     */
    static Map<String, Object> dispatchAndWait(GatewayClient client, String agentId, String task, int waitSec) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("action", "dispatch_and_wait");
        body.put("agent_id", agentId);
        body.put("task", task);
        body.put("wait_timeout_sec", waitSec);
        // the HTTP call outlives the gateway's own wait so that a timeout comes back as a reply
        Map<String, Object> answer = client.withTimeout(Duration.ofSeconds(waitSec + 15L))
                .postJson("/webui/api/subagents_runtime", body);
        if (answer.get("result") instanceof Map<?, ?> result && result.get("reply") instanceof Map<?, ?> reply) {
            @SuppressWarnings("unchecked")
            Map<String, Object> r = (Map<String, Object>) reply;
            return r;
        }
        throw new ClawgoException("invalid_response", "the gateway's answer has no result.reply: "
                + Cli.oneLine(String.valueOf(answer)));
    }
}
