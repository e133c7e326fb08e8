package io.clawgo.examples.cli;

import io.clawgo.ClawgoException;
import io.clawgo.Gateway;
import io.clawgo.config.ConfigException;
import io.clawgo.config.GatewayConfig;
import io.clawgo.config.MetricsConfig;
import io.clawgo.micrometer.ClawgoMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.clawgo.protocol.ProtocolException;
import io.clawgo.protocol.WireCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code clawgo gateway}: runs a gateway until SIGINT/SIGTERM. */
@Command(name = "gateway",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Run a gateway: node registry, dispatch, REST API, web UI and the node WebSocket on one port.",
            "",
            "Each setting comes from its flag, else the --config file, else the environment "
                    + "(CLAWGO_GATEWAY_HOST, CLAWGO_GATEWAY_PORT, CLAWGO_GATEWAY_TOKEN), else the default. "
                    + "With no token anywhere, a random one is generated and printed once. "
                    + "Prints 'clawgo gateway listening on <url> (p2p: <transport>)' when ready and runs until "
                    + "Ctrl-C or SIGTERM."},
        footer = {
            "",
            "Examples:",
            "  clawgo gateway --token \"$CLAWGO_GATEWAY_TOKEN\"",
            "  clawgo gateway --config gateway.json --port 18790 --transport webrtc",
            "  clawgo gateway --cluster nats://10.0.0.5:4222 --cluster-name prod",
            "  clawgo gateway --metrics          (Prometheus text at /metrics, with the token)",
            "",
            "Exit codes: 0 stopped cleanly, 1 could not start (for example the port is",
            "in use), 2 bad flags or configuration."})
final class GatewayCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger("io.clawgo.cli.gateway");
    /** {@code clawgo gateway} listens on every interface unless told otherwise. */
    static final String CLI_DEFAULT_HOST = "0.0.0.0";

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "JSON config file (clawgo format: {\"gateway\":{\"host\",\"port\",\"token\",\"nodes\":{...}}}).")
    Path config;

    @Option(names = "--host", paramLabel = "HOST", description = "Listen address (default 0.0.0.0: the command "
            + "line serves the network, with a token; the library's own default is 127.0.0.1).")
    String host;

    @Option(names = "--port", paramLabel = "PORT",
            description = "Listen port, 0 for a free one (default 18790).")
    Integer port;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Bearer token for the API, the web UI and nodes. Prefer CLAWGO_GATEWAY_TOKEN: "
                    + "flags are visible to other local users.")
    String token;

    @Option(names = "--no-auth", description = "Run without a token: anyone who reaches the port can register "
            + "nodes and dispatch. Only for trusted networks. (The same as \"auth\": \"none\" in the config file.)")
    boolean noAuth;

    @Option(names = "--transport", paramLabel = "NAME",
            description = "P2P transport: websocket_tunnel, webrtc, another provider on the class path, or "
                    + "'relay' for the HTTP relay only (default: the config file's, else the best one found).")
    String transport;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where the node registry and the audits are kept (default ./clawgo-data).")
    Path dataDir;

    @Option(names = "--node-ttl-sec", paramLabel = "N",
            description = "A node is online while heard from within N seconds (default 60).")
    Integer nodeTtlSec;

    @Option(names = "--metrics", description = "Serve Prometheus metrics (the clawgo.* meters, see "
            + "docs/operations.md) at /metrics, behind the token unless gateway.metrics.public is set in the config "
            + "file (the same as \"metrics\": {\"enabled\": true}).")
    boolean metrics;

    @Option(names = "--cluster", paramLabel = "URL[,URL...]", split = ",",
            description = "Share the fleet with other gateways through these NATS servers (nats://host:4222, "
                    + "tls://...): provider nats, see docs/cluster.md. The NATS server needs JetStream and a "
                    + "max_payload above the message limit (20MB for the defaults).")
    java.util.List<String> cluster;

    @Option(names = "--cluster-name", paramLabel = "NAME",
            description = "Gateways with the same cluster name share a fleet (default clawgo; needs --cluster or "
                    + "gateway.cluster in the config file).")
    String clusterName;

    @Override
    public Integer call() {
        if (noAuth && token != null) {
            throw Cli.usage(spec, "--no-auth and --token exclude each other");
        }
        if (port != null && (port < 0 || port > 65535)) {
            throw Cli.usage(spec, "--port must be in 0..65535, got " + port);
        }
        if (nodeTtlSec != null && (nodeTtlSec < 1 || nodeTtlSec > 86_400)) {
            throw Cli.usage(spec, "--node-ttl-sec must be in 1..86400, got " + nodeTtlSec);
        }
        GatewayConfig cfg;
        String generatedToken = null;
        try {
            cfg = resolve();
            // --no-auth, or "auth": "none" in the config file with no token anywhere: the explicit opt-out
            boolean unauthenticated = noAuth || (cfg.access().allowUnauthenticated() && cfg.token().isEmpty());
            if (!unauthenticated && cfg.token().isEmpty()) {
                generatedToken = Cli.generateToken();
                cfg = cfg.withToken(generatedToken);
            }
            if (noAuth) {
                cfg = cfg.withToken("").toBuilder()
                        .access(cfg.access().toBuilder().allowUnauthenticated(true).build()).build();
            }
            cfg.validate();
        } catch (ConfigException e) {
            Cli.error(spec, e.getMessage());
            return Cli.USAGE;
        }
        if (cfg.token().isEmpty()) {
            LOG.warn("authentication is disabled ({}): anyone who can reach {}:{} can register nodes and "
                    + "dispatch tasks", noAuth ? "--no-auth" : "\"auth\": \"none\"", cfg.host(), cfg.port());
        }

        Lifecycle.install();
        Gateway gateway;
        PrometheusMeterRegistry registry = cfg.metrics().enabled()
                ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : null;
        try {
            Gateway.Builder builder = Gateway.builder().config(cfg);
            if (registry != null) {
                builder.metricsText(registry::scrape);
            }
            gateway = builder.start();
        } catch (ConfigException e) {
            Cli.error(spec, e.getMessage());
            return Cli.USAGE;
        } catch (ClawgoException e) {
            Cli.error(spec, e.getMessage());
            return Cli.FAILED;
        }
        ClawgoMetrics binding = registry == null ? null : ClawgoMetrics.bind(gateway, registry);
        try {
            String p2p = gateway.p2pTransport().orElse("none, relay only");
            Cli.out(spec, "clawgo gateway listening on " + gateway.url() + " (p2p: " + p2p + ")");
            if (cfg.cluster().enabled()) {
                Cli.out(spec, "Cluster " + cfg.cluster().name() + " via " + String.join(",", cfg.cluster().servers())
                        + ": this gateway is member " + gateway.memberId());
            }
            if (generatedToken != null) {
                Cli.out(spec, "No token configured: generated " + generatedToken + " for this run "
                        + "(pass --token or set CLAWGO_GATEWAY_TOKEN to keep one across restarts).");
                Cli.out(spec, "Web UI: " + gateway.url() + "/ (sign in with the token above; nodes need it too)");
            } else {
                Cli.out(spec, "Web UI: " + gateway.url() + "/");
            }
            if (binding != null) {
                Cli.out(spec, "Metrics: " + gateway.url() + "/metrics (Prometheus text"
                        + (cfg.metrics().open() ? ", public)" : ", with the token)"));
            }
            Lifecycle.stopRequested().join();
            LOG.info("stopping the gateway");
        } finally {
            gateway.close();
            if (binding != null) {
                binding.close();
            }
        }
        return Cli.OK;
    }

    /** Defaults, then the config file, then the environment where the file is silent, then the flags. */
    private GatewayConfig resolve() {
        GatewayConfig cfg = GatewayConfig.defaults();
        Map<?, ?> fileGateway = null;
        if (config != null) {
            if (!Files.isRegularFile(config)) {
                throw new ConfigException("--config " + config + ": no such file");
            }
            cfg = GatewayConfig.load(config);
            fileGateway = gatewaySection(config);
        }
        String envHost = Cli.env(Cli.ENV_GATEWAY_HOST);
        if (envHost != null && !has(fileGateway, "host")) {
            cfg = cfg.withHost(envHost);
        } else if (!has(fileGateway, "host")) {
            // the command line serves the network (with a token it generates when none is set); the library's
            // default is loopback
            cfg = cfg.withHost(CLI_DEFAULT_HOST);
        }
        String envPort = Cli.env(Cli.ENV_GATEWAY_PORT);
        if (envPort != null && !has(fileGateway, "port")) {
            int p;
            try {
                p = Integer.parseInt(envPort);
            } catch (NumberFormatException e) {
                throw new ConfigException(Cli.ENV_GATEWAY_PORT + " must be an integer in 0..65535, got '"
                        + envPort + "'");
            }
            if (p < 0 || p > 65535) {
                throw new ConfigException(Cli.ENV_GATEWAY_PORT + " must be in 0..65535, got " + p);
            }
            cfg = cfg.withPort(p);
        }
        String envToken = Cli.env(Cli.ENV_GATEWAY_TOKEN);
        if (envToken != null && cfg.token().isEmpty()) {
            cfg = cfg.withToken(envToken);
        }
        if (host != null) {
            cfg = cfg.withHost(host);
        }
        if (port != null) {
            cfg = cfg.withPort(port);
        }
        if (token != null) {
            if (token.isBlank()) {
                throw new ConfigException("--token must not be empty (use --no-auth to run without one)");
            }
            cfg = cfg.withToken(token);
        }
        if (transport != null) {
            String t = transport.trim().toLowerCase(Locale.ROOT);
            if (t.equals("relay") || t.equals("none")) {
                cfg = cfg.withP2p(cfg.p2p().withEnabled(false));
            } else {
                cfg = cfg.withP2p(cfg.p2p().withTransport(t).withEnabled(true));
            }
        }
        if (dataDir != null) {
            cfg = cfg.withDataDir(dataDir);
        }
        if (nodeTtlSec != null) {
            cfg = cfg.withNodeTtl(Duration.ofSeconds(nodeTtlSec));
        }
        if (cluster != null && !cluster.isEmpty()) {
            cfg = cfg.toBuilder().cluster(cfg.cluster().toBuilder().provider("nats").servers(cluster).build()).build();
        }
        if (metrics) {
            cfg = cfg.toBuilder().metrics(new MetricsConfig(true, cfg.metrics().open())).build();
        }
        if (clusterName != null) {
            if (!cfg.cluster().enabled()) {
                throw new ConfigException("--cluster-name needs --cluster (or gateway.cluster in the config file)");
            }
            cfg = cfg.toBuilder().cluster(cfg.cluster().toBuilder().name(clusterName).build()).build();
        }
        return cfg;
    }

    /** The file's {@code gateway} object (already validated by {@link GatewayConfig#load}), to see what it sets. */
    private static Map<?, ?> gatewaySection(Path file) {
        try {
            Map<String, Object> root = WireCodec.get().decodeMap(Files.readString(file, StandardCharsets.UTF_8), 1 << 20);
            return root.get("gateway") instanceof Map<?, ?> gateway ? gateway : null;
        } catch (IOException | ProtocolException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean has(Map<?, ?> o, String key) {
        return o != null && o.get(key) != null;
    }
}
