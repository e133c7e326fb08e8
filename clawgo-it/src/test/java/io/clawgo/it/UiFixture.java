package io.clawgo.it;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.protocol.AgentInfo;
import io.clawgo.protocol.Capabilities;
import io.clawgo.protocol.Response;
import io.clawgo.spi.SessionStatus;
import io.clawgo.testing.TempDirs;
import io.clawgo.testing.TestHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A gateway with two real nodes connected over the WebSocket tunnel, for the browser tests and for manual checks
 * ({@link DevGateway}). Node {@code edge-1} answers every request in-process; {@code edge-2} too, with other metadata.
 */
final class UiFixture implements AutoCloseable {
    static final String TOKEN = "ui-test-token";
    static final String TRANSPORT = "websocket_tunnel";

    final Path dataDir;
    final Gateway gateway;
    final List<NodeAgent> nodes = new ArrayList<>();

    private UiFixture(Path dataDir, Gateway gateway) {
        this.dataDir = dataDir;
        this.gateway = gateway;
    }

    static UiFixture start(int port) {
        Path dir;
        try {
            dir = Files.createTempDirectory("clawgo-it-ui");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Gateway gw = Gateway.builder()
                .host("127.0.0.1")
                .port(port)
                .token(TOKEN)
                .dataDir(dir)
                .transport(TRANSPORT)
                .localAgent("researcher", "Researcher", task -> "researched: " + task.task())
                .start();
        UiFixture f = new UiFixture(dir, gw);
        try {
            f.nodes.add(node(gw, "edge-1", "Edge One", List.of("lab", "gpu"), List.of("llama3:8b"), "linux", "amd64",
                    List.of(new AgentInfo("main", "Edge Main", "router", "local", "local", null),
                            new AgentInfo("coder", "Edge Coder", "worker", "local", "local", "main"))));
            f.nodes.add(node(gw, "edge-2", "Edge Two", List.of("office"), List.of(), "darwin", "arm64", List.of()));
            for (NodeAgent n : f.nodes) {
                n.start();
            }
            for (NodeAgent n : f.nodes) {
                if (!n.awaitConnected(Duration.ofSeconds(15))) {
                    throw new IllegalStateException(n + " did not connect");
                }
            }
            if (!TestHttp.await(Duration.ofSeconds(15), f::sessionsOpen)) {
                throw new IllegalStateException("P2P sessions did not open: " + gw.status().p2p());
            }
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
        return f;
    }

    private static NodeAgent node(Gateway gw, String id, String name, List<String> tags, List<String> models,
                                  String os, String arch, List<AgentInfo> agents) {
        return NodeAgent.builder()
                .gateway(gw.url())
                .token(TOKEN)
                .id(id)
                .name(name)
                .tags(tags)
                .models(models)
                .os(os)
                .arch(arch)
                .version("0.1.0")
                .endpoint("http://127.0.0.1:1/" + id)
                .actions(List.of("run", "invoke", "agent_task"))
                .capabilities(new Capabilities(true, true, true, false, false, false, false))
                .agents(agents)
                .heartbeatInterval(Duration.ofSeconds(2))
                .transports(List.of(TRANSPORT)) // the same on every machine, whatever else is on the class path
                .handler(req -> Response.ok(Map.of(
                        "result", req.action() + " from " + id + (req.task() == null ? "" : ": " + req.task()))))
                .build();
    }

    /** One more node like edge-2 (not started, not closed by the fixture). */
    NodeAgent extraNode(String id) {
        return node(gateway, id, "Extra " + id, List.of("extra"), List.of(), "linux", "arm64", List.of());
    }

    /** Whether every node has an open P2P session. */
    boolean sessionsOpen() {
        List<SessionStatus> sessions = gateway.status().p2p().sessions();
        return nodes.stream().allMatch(n -> sessions.stream().anyMatch(
                s -> n.info().id().equals(s.node()) && "open".equals(s.status())));
    }

    /** One dispatch through the REST API (the replay route), as a user or script would make it. */
    Map<String, Object> dispatchViaApi(String node, String action, String task) throws IOException {
        TestHttp.Reply r = TestHttp.post(gateway.url() + "/webui/api/node_dispatches/replay", TOKEN,
                "{\"node\":\"" + node + "\",\"action\":\"" + action + "\",\"mode\":\"auto\",\"task\":\"" + task
                        + "\",\"timeout_sec\":20}");
        if (r.status() != 200) {
            throw new IllegalStateException("dispatch failed: " + r.status() + " " + r.body());
        }
        return r.json();
    }

    @Override
    public void close() {
        for (NodeAgent n : nodes) {
            n.close();
        }
        gateway.close();
        TempDirs.deleteQuietly(dataDir);
    }
}
