package io.clawgo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.NodeInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link GatewayClient.Builder} against a real gateway on loopback, with an application's OkHttp client. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayClientBuilderTest {
    private static final String TOKEN = "client-builder-token";

    @TempDir
    Path dir;
    Gateway gw;
    /** What the application's interceptor saw: method, path and whether the bearer token was there. */
    final List<String> seen = new CopyOnWriteArrayList<>();
    OkHttpClient app;

    @BeforeEach
    void start() {
        gw = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir).p2p(P2pConfig.disabled()).start();
        app = new OkHttpClient.Builder()
                .readTimeout(Duration.ofSeconds(3)) // the derived client turns it off: calls have their own deadline
                .addInterceptor(chain -> {
                    Request r = chain.request();
                    seen.add(r.method() + " " + r.url().encodedPath() + " "
                            + ("Bearer " + TOKEN).equals(r.header("Authorization")));
                    return chain.proceed(r);
                })
                .build();
    }

    @AfterEach
    void stop() {
        gw.close();
        app.dispatcher().executorService().shutdown();
        app.connectionPool().evictAll();
    }

    @Test
    void aClientDerivedFromTheApplicationsGoesThroughItsInterceptorsAndLeavesItOpen() throws Exception {
        try (GatewayClient client = GatewayClient.builder().baseUrl(gw.url()).token(TOKEN).httpClient(app)
                .timeout(Duration.ofSeconds(5)).build()) {
            client.register(NodeInfo.builder("edge-1").endpoint("http://127.0.0.1:1").build());
            Map<String, Object> nodes = client.getJson("/webui/api/nodes");
            assertThat(nodes).containsEntry("ok", true);
        }
        assertThat(seen).containsExactly("POST /nodes/register true", "GET /webui/api/nodes true");
        // closing the GatewayClient left the application's client working
        try (Response r = app.newCall(new Request.Builder().url(gw.url() + "/health").build()).execute()) {
            assertThat(r.code()).isEqualTo(200);
        }
        assertThat(app.dispatcher().executorService().isShutdown()).isFalse();
    }

    @Test
    void theShortcutAndTheBuilderMakeTheSameClient() {
        try (GatewayClient built = GatewayClient.builder().baseUrl(gw.url() + "/").token(TOKEN).build();
             GatewayClient made = GatewayClient.create(gw.url() + "/", TOKEN)) {
            assertThat(built.baseUrl()).isEqualTo(made.baseUrl()).isEqualTo(gw.url());
            assertThat(built.getJson("/webui/api/version")).containsEntry("ok", true);
            assertThat(made.getJson("/webui/api/version")).containsEntry("ok", true);
        }
        assertThat(seen).as("not through the application's client").isEmpty();
    }

    @Test
    void theBuilderChecksWhatItIsGiven() {
        assertThatThrownBy(() -> GatewayClient.builder().build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("baseUrl is required");
        assertThatThrownBy(() -> GatewayClient.builder().baseUrl("ftp://x").build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GatewayClient.builder().timeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GatewayClient.builder().timeout(null)).isInstanceOf(NullPointerException.class);
    }
}
