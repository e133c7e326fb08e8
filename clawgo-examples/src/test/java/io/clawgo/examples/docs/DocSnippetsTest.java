package io.clawgo.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.config.GatewayConfig;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the code in the docs true: every code block that the docs mark with {@code <!-- snippet: NAME -->} (on the
 * line before its opening fence) must be exactly the text of NAME, and every {@code java} block must be marked.
 *
 * <p>NAME is one of:
 * <ul>
 *   <li>a region of a Java source under {@code clawgo-examples/src} between {@code // tag::NAME[]} and
 *   {@code // end::NAME[]} (de-indented; nested tag lines dropped): code that is compiled, and run by the examples'
 *   tests or by this class;</li>
 *   <li>{@code NAME.xml} / {@code NAME.json}: a file of {@code src/test/resources/snippets} that a test uses (the
 *   Maven snippet builds the sample project of {@code InstalledArtifactsTest}; the JSON configs are parsed here);</li>
 *   <li>{@code file:PATH}: a whole file of the repository, such as a {@code META-INF/services} entry.</li>
 * </ul>
 * To change a snippet, change its source, run this test, and paste the expected text it prints into the doc.
 * Docs checked: README.md, clawgo-examples/README.md and docs/*.md except the ones other modules own
 * (docs/benchmarks.md, docs/e2e/).
 */
class DocSnippetsTest {
    private static final Pattern MARKER = Pattern.compile("^<!-- snippet: (\\S+) -->$");
    private static final Pattern FENCE = Pattern.compile("^```(\\w*)\\s*$");
    /** A line that is only {@code // tag::NAME[]} or {@code // end::NAME[]}. */
    private static final Pattern TAG = Pattern.compile("^\\s*//\\s*(tag|end)::([\\w.-]+)\\[]\\s*$");

    private static Path root() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
    }

    /** A fenced code block of a doc. */
    record Block(Path doc, int line, String lang, String marker, String text) {
        String where() {
            return root().relativize(doc) + ":" + line;
        }
    }

    static List<Path> docs() throws IOException {
        Path root = root();
        List<Path> docs = new ArrayList<>(List.of(root.resolve("README.md"),
                root.resolve("clawgo-examples/README.md")));
        try (Stream<Path> s = Files.list(root.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md") && !p.getFileName().toString().equals("benchmarks.md"))
                    .sorted().forEach(docs::add);
        }
        return docs;
    }

    static List<Block> blocks(Path doc) throws IOException {
        List<String> lines = Files.readAllLines(doc, StandardCharsets.UTF_8);
        List<Block> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher open = FENCE.matcher(lines.get(i));
            if (!open.matches()) {
                continue;
            }
            Matcher marker = i > 0 ? MARKER.matcher(lines.get(i - 1).trim()) : null;
            int end = i + 1;
            while (end < lines.size() && !lines.get(end).startsWith("```")) {
                end++;
            }
            out.add(new Block(doc, i + 1, open.group(1), marker != null && marker.matches() ? marker.group(1) : null,
                    String.join("\n", lines.subList(i + 1, Math.min(end, lines.size())))));
            i = end;
        }
        return out;
    }

    /** Every {@code // tag::NAME[]} region of the Java sources of this module. */
    static Map<String, String> regions() throws IOException {
        Map<String, String> regions = new LinkedHashMap<>();
        List<Path> sources;
        try (Stream<Path> s = Files.walk(root().resolve("clawgo-examples/src"))) {
            sources = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        for (Path source : sources) {
            List<String> lines = Files.readAllLines(source, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = TAG.matcher(lines.get(i));
                if (!m.matches() || !m.group(1).equals("tag")) {
                    continue;
                }
                String name = m.group(2);
                List<String> body = new ArrayList<>();
                int j = i + 1;
                for (; j < lines.size(); j++) {
                    Matcher e = TAG.matcher(lines.get(j));
                    if (e.matches()) {
                        if (e.group(1).equals("end") && e.group(2).equals(name)) {
                            break;
                        }
                        continue; // a nested region's marker
                    }
                    body.add(lines.get(j));
                }
                assertThat(j).as("end::" + name + "[] in " + source).isLessThan(lines.size());
                assertThat(regions.put(name, dedent(body))).as("region " + name + " is defined twice").isNull();
            }
        }
        return regions;
    }

    static String dedent(List<String> lines) {
        int indent = lines.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            out.add(l.isBlank() ? "" : l.substring(indent).stripTrailing());
        }
        return String.join("\n", out);
    }

    static String source(String name, Map<String, String> regions) throws IOException {
        if (name.startsWith("file:")) {
            return Files.readString(root().resolve(name.substring("file:".length()))).stripTrailing();
        }
        if (name.endsWith(".xml") || name.endsWith(".json")) {
            Path p = root().resolve("clawgo-examples/src/test/resources/snippets/" + name);
            assertThat(p).as("snippet file " + name).isRegularFile();
            return Files.readString(p).stripTrailing();
        }
        assertThat(regions).as("a // tag::" + name + "[] region").containsKey(name);
        return regions.get(name);
    }

    @Test
    void everyMarkedBlockIsExactlyItsSourceAndEveryJavaBlockIsMarked() throws IOException {
        Map<String, String> regions = regions();
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Path doc : docs()) {
            for (Block b : blocks(doc)) {
                if (b.marker() == null) {
                    if (b.lang().equals("java")) {
                        problems.add(b.where() + ": a java block without a <!-- snippet: NAME --> marker");
                    }
                    continue;
                }
                String expected = source(b.marker(), regions);
                if (!expected.equals(b.text().stripTrailing())) {
                    problems.add(b.where() + ": snippet " + b.marker() + " differs from its source; expected:\n"
                            + expected + "\n---");
                }
                checked++;
            }
        }
        assertThat(problems).as(String.join("\n", problems)).isEmpty();
        assertThat(checked).as("snippets checked").isGreaterThanOrEqualTo(10);
    }

    @Test
    void theJsonConfigSnippetsAreValidConfigurations(@TempDir Path dir) throws IOException {
        Path keyStore = Files.writeString(dir.resolve("gateway.p12"), "not read by validate()");
        String json = source("gateway-config.json", Map.of()).replace("/etc/clawgo/gateway.p12", keyStore.toString());
        GatewayConfig c = GatewayConfig.parse(json);
        assertThat(c.p2p().transport()).isEqualTo("webrtc");
        assertThat(c.p2p().allIceServers()).hasSize(2);
        assertThat(c.nodeTokens()).containsKey("edge-1");
        assertThat(c.tls().keyStore()).isEqualTo(keyStore);
        assertThat(c.maxNodes()).isEqualTo(50_000);
        assertThat(c.controlPingInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.nodePolicy().relayAllow()).containsExactly("10.20.0.0/16", "edge-1.lab.example");
        assertThat(c.nodePolicy().relayDeny()).containsExactly("192.168.0.0/16");
        assertThat(c.nodePolicy().maxRegisterChangesPerMinute()).isEqualTo(10);
        assertThat(c.nodePolicy().maxStoredTextChars()).isEqualTo(4096);
        assertThat(c.access().allowedHosts()).containsExactly("gateway.example.lan");
        assertThat(c.access().allowUnauthenticated()).isFalse();
        assertThat(c.metrics().enabled()).isFalse();

        assertThat(GatewayConfig.parse(source("tcp-example-config.json", Map.of())).p2p().transport())
                .isEqualTo("tcp_example");
        GatewayConfig java = DocSnippets.javaConfig("t0ken");
        assertThat(java.withTls(null).validate().p2p().transport()).isEqualTo("webrtc");
        assertThat(java.p2p().allIceServers()).hasSize(2);
    }

    @Test
    void theEmbeddingSnippetsRun(@TempDir Path dir) {
        try (Gateway gateway = Gateway.builder().host("127.0.0.1").port(0).token("doc-token").dataDir(dir)
                .transport("websocket_tunnel").localAgent("echo", "Echo", task -> "echo: " + task.task()).start();
             NodeAgent node = NodeAgent.builder().gateway(gateway.url()).token("doc-token").id("edge-1")
                     .actions(List.of("run", "agent_task"))
                     .handler(req -> Response.ok(Map.of("result", req.action() + " done")))
                     .build()) {
            node.start();
            assertThat(node.awaitConnected(Duration.ofSeconds(15))).isTrue();

            assertThat(DocSnippets.dispatch(gateway)).containsExactly("agent_task done via websocket_tunnel",
                    "run done");
            assertThat(DocSnippets.status(gateway)).containsExactly("edge-1 online",
                    "websocket_tunnel: 1 active sessions");
            assertThat(DocSnippets.client(gateway.url(), "doc-token")).isEqualTo("echo: hi");
        }
    }

    @Test
    void theListenerSnippetCountsDispatches(@TempDir Path dir) {
        Map<String, java.util.concurrent.atomic.LongAdder> counts = new java.util.concurrent.ConcurrentHashMap<>();
        try (Gateway gateway = DocSnippets.countingGateway(dir, counts)) {
            for (int i = 0; i < 3; i++) {
                assertThat(gateway.dispatch(new io.clawgo.protocol.Request("run", "ghost", null, null, null),
                        DispatchMode.AUTO,
                        Duration.ofSeconds(5)).join().code()).isEqualTo("node_not_found");
            }
        } // close delivers the queued events
        assertThat(counts).containsOnlyKeys("none/node_not_found");
        assertThat(counts.get("none/node_not_found").sum()).isEqualTo(3);
    }
}
