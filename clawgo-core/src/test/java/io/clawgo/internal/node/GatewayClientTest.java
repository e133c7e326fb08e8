package io.clawgo.internal.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clawgo.ClawgoException;
import io.clawgo.GatewayClient;
import io.clawgo.protocol.Capabilities;
import io.clawgo.protocol.NodeInfo;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link GatewayClient} against the fake gateway on loopback. */
class GatewayClientTest {
    private static final String TOKEN = "gw-secret";

    private FakeGatewayServer gw;
    private GatewayClient client;

    @BeforeEach
    void start() throws Exception {
        gw = FakeGatewayServer.start(TOKEN);
        client = GatewayClient.create(gw.baseUrl() + "/", TOKEN);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        gw.close();
    }

    private static ClawgoException failure(Runnable call) {
        try {
            call.run();
        } catch (ClawgoException e) {
            return e;
        }
        throw new AssertionError("expected a ClawgoException");
    }

    @Test
    void registerSendsTheNodeInfoWithTheBearerToken() {
        NodeInfo node = NodeInfo.builder("gc-1").name("GC").endpoint("http://127.0.0.1:1").token("nt")
                .actions(List.of("run")).capabilities(Capabilities.DEFAULT).build();
        client.register(node);

        assertThat(gw.httpRegistrations).hasSize(1);
        NodeInfo got = gw.httpRegistrations.get(0);
        assertThat(got.id()).isEqualTo("gc-1");
        assertThat(got.name()).isEqualTo("GC");
        assertThat(got.token()).isEqualTo("nt");
        assertThat(got.actions()).containsExactly("run");
        assertThat(client.baseUrl()).isEqualTo(gw.baseUrl());

        client.heartbeat("gc-1");
        assertThat(gw.httpHeartbeats).containsExactly("gc-1");
    }

    @Test
    void aWrongTokenIsHttp401Unauthorized() {
        try (GatewayClient bad = GatewayClient.create(gw.baseUrl(), "wrong")) {
            ClawgoException e = failure(() -> bad.register(NodeInfo.builder("gc-2").build()));
            assertThat(e).hasMessage("http 401: unauthorized");
            assertThat(e.code()).isEqualTo("unauthorized");
        }
        try (GatewayClient none = GatewayClient.create(gw.baseUrl(), null)) {
            assertThat(failure(() -> none.getJson("/webui/api/version")).getMessage())
                    .isEqualTo("http 401: unauthorized");
        }
        assertThat(gw.httpRegistrations).isEmpty();
    }

    @Test
    void aHeartbeatOfAnUnknownNodeIsHttp404WithTheBodysCode() {
        ClawgoException e = failure(() -> client.heartbeat("ghost"));
        assertThat(e).hasMessage("http 404: node not found");
        assertThat(e.code()).isEqualTo("node_not_found");
    }

    @Test
    void errorsWithoutAJsonBodyUseTheTrimmedBodyAndHttpStatusCode() {
        ClawgoException e = failure(() -> client.getJson("/nowhere"));
        assertThat(e).hasMessage("http 404: no route /nowhere");
        assertThat(e.code()).isEqualTo("http_404");

        ClawgoException notJson = failure(() -> client.getJson("/plain"));
        assertThat(notJson.code()).isEqualTo("invalid_response");
    }

    @Test
    void getAndPostJsonDecodeTheAnswer() {
        Map<String, Object> version = client.getJson("/webui/api/version");
        assertThat(version).containsEntry("ok", true).containsEntry("version", "fake-1")
                .containsEntry("port", (long) gw.port());

        Map<String, Object> echoed = client.withTimeout(Duration.ofSeconds(3))
                .postJson("echo", Map.of("a", 1, "b", List.of("x")));
        assertThat(echoed).containsEntry("ok", true);
        assertThat(echoed.get("echo")).isEqualTo(Map.of("a", 1L, "b", List.of("x")));
    }

    @Test
    void anUnreachableGatewayIsATransportError() throws Exception {
        int freePort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            freePort = s.getLocalPort();
        }
        try (GatewayClient dead = GatewayClient.create("http://127.0.0.1:" + freePort, TOKEN)
                .withTimeout(Duration.ofSeconds(2))) {
            ClawgoException e = failure(() -> dead.heartbeat("x"));
            assertThat(e.code()).isEqualTo("transport_error");
            assertThat(e.getMessage()).contains("unreachable").doesNotContain(TOKEN);
        }
        assertThatThrownBy(() -> GatewayClient.create("localhost:1", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("baseUrl");
    }
}
