package io.clawgo.examples.docs;

import io.clawgo.DispatchEvent;
import io.clawgo.Gateway;
import io.clawgo.GatewayClient;
import io.clawgo.GatewayStatus;
import io.clawgo.NodeAgent;
import io.clawgo.config.ClientTls;
import io.clawgo.config.DispatchPolicy;
import io.clawgo.config.GatewayConfig;
import io.clawgo.config.IceServer;
import io.clawgo.config.P2pConfig;
import io.clawgo.config.ServerTls;
import io.clawgo.micrometer.ClawgoMetrics;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.subagent.DispatchResult;
import io.clawgo.subagent.SpawnRequest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The code of the Java snippets in the docs that are not part of an example's source: each is the region between
 * {@code // tag::NAME[]} and {@code // end::NAME[]}, compiled here, and {@link DocSnippetsTest} checks that the docs
 * show exactly that text. The ones that can run on 127.0.0.1 without fixed ports or paths are also run there.
 */
final class DocSnippets {
    private static final Logger LOG = LoggerFactory.getLogger(DocSnippets.class);

    private DocSnippets() {
    }

    /** The embedding guide's gateway (compiled only: fixed port and data directory). */
    static Gateway embeddedGateway() {
        // tag::embedding-gateway[]
        Gateway gateway = Gateway.builder()
                .host("0.0.0.0").port(18790)
                .token(System.getenv("CLAWGO_GATEWAY_TOKEN"))
                .dataDir(Path.of("/var/lib/myapp/clawgo"))
                .transport("websocket_tunnel")
                .localAgent("summarizer", "Summarizer", task -> summarize(task.task()))
                .start();                  // ConfigException for bad config, ClawgoException when it cannot listen
        // end::embedding-gateway[]
        return gateway;
    }

    /** The metrics binding of operations.md (compiled only: the default port). */
    static Gateway metrics(String token, NodeAgent nodeAgent, MeterRegistry otherRegistry) {
        // tag::metrics-binding[]
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Gateway gateway = Gateway.builder().token(token).metricsText(registry::scrape).start();  // serves GET /metrics
        ClawgoMetrics.bind(gateway, registry);          // the gateway's meters
        ClawgoMetrics.bind(nodeAgent, otherRegistry);   // a node agent's meters, tagged node=<id>
        // end::metrics-binding[]
        return gateway;
    }

    /** The embedding guide's config-file variant (compiled only). */
    static Gateway gatewayFromFile() {
        // tag::embedding-config-file[]
        GatewayConfig config = GatewayConfig.load(Path.of("/etc/myapp/clawgo.json"))   // see configuration.md
                .withDataDir(Path.of("/var/lib/myapp/clawgo"));
        Gateway gateway = Gateway.builder().config(config).start();
        // end::embedding-config-file[]
        return gateway;
    }

    /** Dispatching from the application; run by the test against a gateway with a node {@code edge-1}. */
    static List<String> dispatch(Gateway gateway) {
        List<String> out = new ArrayList<>();
        // tag::embedding-dispatch[]
        DispatchResult r = gateway.subagents().dispatchAndWait(
                SpawnRequest.of("node.edge-1.main", "Return exactly the string NODE_P2P_OK"), Duration.ofSeconds(30));
        if ("completed".equals(r.reply().status())) {
            out.add(r.reply().result() + " via " + r.reply().usedTransport());
        }

        Response raw = gateway.dispatch(new Request("run", "edge-1", null, null, Map.of("cmd", "uptime")),
                DispatchMode.AUTO, Duration.ofSeconds(10)).join();  // never throws: a failure is a response with a code
        out.add(raw.ok() ? String.valueOf(raw.payload().get("result")) : raw.code() + ": " + raw.error());
        // end::embedding-dispatch[]
        return out;
    }

    /** The gateway's view of its nodes; run by the test. */
    static List<String> status(Gateway gateway) {
        List<String> out = new ArrayList<>();
        // tag::embedding-status[]
        for (NodeInfo n : gateway.nodes()) {                 // sorted by id, endpoint tokens redacted
            out.add(n.id() + (n.online() ? " online" : " offline"));
        }
        GatewayStatus.P2p p2p = gateway.status().p2p();     // as "p2p" of /webui/api/nodes
        out.add(p2p.transport() + ": " + p2p.activeSessions() + " active sessions");
        // end::embedding-status[]
        return out;
    }

    /** A gateway whose listener counts dispatches by transport and outcome; run by the test. */
    static Gateway countingGateway(Path dataDir, Map<String, LongAdder> counts) {
        // tag::embedding-gateway-listener[]
        Gateway gateway = Gateway.builder().host("127.0.0.1").port(0).dataDir(dataDir)
                .listener(new Gateway.Listener() {
                    @Override
                    public void onDispatch(DispatchEvent e) {            // node, action, mode, response, duration
                        String key = (e.usedTransport() == null ? "none" : e.usedTransport()) + "/" + e.code();
                        counts.computeIfAbsent(key, k -> new LongAdder()).increment();
                    }

                    @Override
                    public void onNodeOffline(NodeInfo node, String reason) {    // disconnected, ttl, half_open
                        LOG.info("node {} offline: {}", node.id(), reason);
                    }
                })
                .start();
        // end::embedding-gateway-listener[]
        return gateway;
    }

    /** A node with its lifecycle listener and TLS trust (compiled only: no such gateway). */
    static NodeAgent nodeWithListener(String token) {
        // tag::embedding-listener[]
        NodeAgent node = NodeAgent.builder()
                .gateway("https://gateway.example.org:18790").token(token).id("edge-1")
                .tls(ClientTls.trustStore(Path.of("gateway-ca.p12"), "changeit".toCharArray()))
                .handler(request -> Response.ok(Map.of("result", run(request))))
                .actions(List.of("run", "agent_task"))
                .listener(new NodeAgent.Listener() {
                    @Override
                    public void onRegistrationFailed(String error) {          // e.g. "http 401: unauthorized"
                        LOG.warn("gateway refused edge-1: {}", error);
                    }

                    @Override
                    public void onDisconnected(String reason) {               // it reconnects by itself
                        LOG.info("edge-1 disconnected: {}", reason);
                    }
                })
                .build();
        // end::embedding-listener[]
        return node;
    }

    /** The REST client; run by the test against a gateway with a local agent {@code echo}. */
    static Object client(String url, String token) {
        // tag::embedding-client[]
        try (GatewayClient client = GatewayClient.create(url, token)           // e.g. http://127.0.0.1:18790
                .withTimeout(Duration.ofSeconds(45))) {                       // longer than the wait below
            Map<String, Object> answer = client.postJson("/webui/api/subagents_runtime", Map.of(
                    "action", "dispatch_and_wait", "agent_id", "echo", "task", "hi", "wait_timeout_sec", 30));
            Map<?, ?> reply = (Map<?, ?>) ((Map<?, ?>) answer.get("result")).get("reply");
            return reply.get("result");                                     // "echo: hi"
        }
        // end::embedding-client[]
    }

    /** The configuration page's Java equivalent of the JSON file; validated by the test. */
    static GatewayConfig javaConfig(String token) {
        // tag::config-java[]
        GatewayConfig config = GatewayConfig.defaults()
                .withHost("0.0.0.0").withPort(18790).withToken(token)
                .withDataDir(Path.of("/var/lib/clawgo"))
                .withTls(new ServerTls(Path.of("/etc/clawgo/gateway.p12"), System.getenv("KEYSTORE_PASSWORD")))
                .withP2p(P2pConfig.of("webrtc")
                        .withIce(List.of("stun:stun.example.org:3478"),
                                List.of(new IceServer(List.of("turn:turn.example.org:3478"), "u", "p")))
                        .withReadyTimeout(Duration.ofSeconds(8)))
                .withDispatch(new DispatchPolicy(true, true));
        // end::config-java[]
        return config;
    }

    private static String summarize(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }

    private static String run(Request request) {
        return "ran " + request.action();
    }
}
