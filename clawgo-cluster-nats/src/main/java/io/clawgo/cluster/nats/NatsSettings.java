package io.clawgo.cluster.nats;

import io.clawgo.config.ConfigException;
import io.clawgo.spi.cluster.ClusterContext;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Options;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The provider's settings, read from {@code gateway.cluster.options}: credentials ({@code credentials} file, or
 * {@code user}/{@code password}, or {@code token}), TLS ({@code truststore}, {@code truststore_password}) and timing
 * ({@code heartbeat_ms}) and the bucket's {@code replicas} (3 on a NATS cluster of three or more servers). Unknown keys are refused, so a typo does not silently leave a cluster unauthenticated.
 */
record NatsSettings(List<String> servers, String credentials, String user, String password, String token,
                    Path trustStore, String trustStorePassword, Duration heartbeat, int replicas) {

    static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(1);
    private static final Set<String> KEYS = Set.of("credentials", "user", "password", "token", "truststore",
            "truststore_password", "heartbeat_ms", "replicas");

    static NatsSettings from(ClusterContext context) {
        Map<String, String> o = context.options();
        for (String k : o.keySet()) {
            if (!KEYS.contains(k)) {
                throw new ConfigException("gateway.cluster.options." + k + " is not a setting of the nats provider "
                        + "(known: " + String.join(", ", KEYS.stream().sorted().toList()) + ")");
            }
        }
        Duration heartbeat = DEFAULT_HEARTBEAT;
        String hb = o.get("heartbeat_ms");
        if (hb != null) {
            try {
                heartbeat = Duration.ofMillis(Long.parseLong(hb.trim()));
            } catch (NumberFormatException e) {
                throw new ConfigException("gateway.cluster.options.heartbeat_ms must be a whole number, got " + hb);
            }
            if (heartbeat.toMillis() < 100 || heartbeat.toMillis() > 60_000) {
                throw new ConfigException("gateway.cluster.options.heartbeat_ms must be in 100..60000, got " + hb);
            }
        }
        if (o.containsKey("user") != o.containsKey("password")) {
            throw new ConfigException("gateway.cluster.options: user and password go together");
        }
        int replicas = 1;
        String r = o.get("replicas");
        if (r != null) {
            try {
                replicas = Integer.parseInt(r.trim());
            } catch (NumberFormatException e) {
                replicas = 0;
            }
            if (replicas < 1 || replicas > 5) {
                throw new ConfigException("gateway.cluster.options.replicas must be in 1..5, got " + r);
            }
        }
        String ts = o.get("truststore");
        return new NatsSettings(List.copyOf(context.servers()), o.get("credentials"), o.get("user"),
                o.get("password"), o.get("token"), ts == null ? null : Path.of(ts), o.get("truststore_password"),
                heartbeat, replicas);
    }

    /** A gateway is taken as gone when not heard from for this long. */
    Duration deadAfter() {
        return heartbeat.multipliedBy(3);
    }

    Options options(String connectionName, ConnectionListener connections, ErrorListener errors) {
        Options.Builder b = new Options.Builder()
                .servers(servers.toArray(String[]::new))
                .connectionName(connectionName)
                .maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(250))
                .connectionTimeout(Duration.ofSeconds(2))
                .pingInterval(heartbeat.multipliedBy(2))
                .maxPingsOut(2)
                // a request written while disconnected must fail, not reach a gateway late after the reconnect
                .reconnectBufferSize(0)
                .reportNoResponders()
                .useTimeoutException()
                .connectionListener(connections)
                .errorListener(errors);
        if (credentials != null) {
            b.credentialPath(credentials);
        }
        if (user != null) {
            b.userInfo(user, password);
        }
        if (token != null) {
            b.token(token.toCharArray());
        }
        if (trustStore != null) {
            b.sslContext(sslContext());
        }
        return b.build();
    }

    private SSLContext sslContext() {
        try (InputStream in = Files.newInputStream(trustStore)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(in, trustStorePassword == null ? null : trustStorePassword.toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new ConfigException("gateway.cluster.options.truststore " + trustStore + " cannot be loaded: " + e, e);
        }
    }

    @Override
    public String toString() {
        // never print secrets
        return "NatsSettings[servers=" + servers + ", credentials=" + credentials + ", user=" + user
                + ", token=" + (token == null ? "none" : "***") + ", truststore=" + trustStore
                + ", heartbeat=" + heartbeat + "]";
    }
}
