package io.clawgo.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.NodeAgent;
import io.clawgo.protocol.MessageTypes;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The reconnect loop across several gateways: real (fake) gateways on loopback, real node agents. */
class NodeRuntimeTest {
    private static final String TOKEN = "gw-secret";
    private static final Duration WAIT = Duration.ofSeconds(5);

    private FakeGatewayServer a;
    private FakeGatewayServer b;
    private NodeAgent agent;

    @AfterEach
    void stop() {
        if (agent != null) {
            agent.close();
        }
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    private NodeAgent.Builder node(String id, List<String> gateways, NodeAgentTest.Recorder rec) {
        return NodeAgent.builder().gateways(gateways).token(TOKEN).id(id)
                .heartbeatInterval(Duration.ofSeconds(1))
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(300))
                .listener(rec);
    }

    @Test
    void aLostConnectionMovesTheNodeToTheNextGateway() throws Exception {
        a = FakeGatewayServer.start(TOKEN);
        b = FakeGatewayServer.start(TOKEN);
        NodeAgentTest.Recorder rec = new NodeAgentTest.Recorder();
        agent = node("multi-1", List.of(a.baseUrl(), b.baseUrl()), rec).start();
        assertThat(agent.awaitConnected(WAIT)).isTrue();
        assertThat(agent.gatewayUrl()).isEqualTo(a.baseUrl());

        a.dropConnections();

        assertThat(NodeAgentTest.poll(WAIT, () -> b.received(MessageTypes.REGISTER).size() == 1
                && agent.isConnected())).as("registered with the second gateway").isTrue();
        assertThat(agent.gatewayUrl()).isEqualTo(b.baseUrl());
        assertThat(rec.disconnects).hasSize(1);
        assertThat(agent.stats().reconnects()).isEqualTo(1);
        assertThat(b.httpRegistrations).extracting(i -> i.id()).containsExactly("multi-1");
    }

    @Test
    void aFailedAttemptMovesTheNodeOnWithoutCallingItARefusal() throws Exception {
        b = FakeGatewayServer.start(TOKEN);
        String down = "http://127.0.0.1:" + NodeTestKit.closedPort();
        NodeAgentTest.Recorder rec = new NodeAgentTest.Recorder();
        agent = node("multi-2", List.of(down, b.baseUrl()), rec).start();

        assertThat(agent.awaitConnected(WAIT)).isTrue();
        assertThat(agent.gatewayUrl()).isEqualTo(b.baseUrl());
        assertThat(rec.registrationFailures).isEmpty();
        assertThat(agent.stats().reconnects()).isZero();
    }

    @Test
    void aRefusedRegistrationIsReportedAndTheNextGatewayTried() throws Exception {
        a = FakeGatewayServer.start(TOKEN);
        b = FakeGatewayServer.start(TOKEN);
        a.rejectRegister = "node id already taken";
        NodeAgentTest.Recorder rec = new NodeAgentTest.Recorder();
        agent = node("multi-3", List.of(a.baseUrl(), b.baseUrl()), rec).start();

        assertThat(agent.awaitConnected(WAIT)).isTrue();
        assertThat(agent.gatewayUrl()).isEqualTo(b.baseUrl());
        assertThat(rec.registrationFailures)
                .containsExactly("registration rejected by the gateway: node id already taken");
        assertThat(rec.connected.get()).isEqualTo(1);
    }
}
