package io.clawgo.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Golden JSON documents (written from docs/protocol.md, "Objects") parse and re-serialise to the same fields. */
class WireCodecGoldenTest {
    private final WireCodec codec = WireCodec.get();

    private static String golden(String name) throws IOException {
        try (InputStream in = WireCodecGoldenTest.class.getResourceAsStream("/golden/" + name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
    }

    @ParameterizedTest
    @CsvSource({
            "node_info.json, io.clawgo.protocol.NodeInfo",
            "agent_info.json, io.clawgo.protocol.AgentInfo",
            "artifact.json, io.clawgo.protocol.Artifact",
            "request.json, io.clawgo.protocol.Request",
            "response.json, io.clawgo.protocol.Response",
            "response_error.json, io.clawgo.protocol.Response",
            "wire_register.json, io.clawgo.protocol.WireMessage",
            "wire_heartbeat.json, io.clawgo.protocol.WireMessage",
            "wire_node_request.json, io.clawgo.protocol.WireMessage",
            "wire_node_request_traced.json, io.clawgo.protocol.WireMessage",
            "wire_node_response.json, io.clawgo.protocol.WireMessage",
            "wire_signal_offer.json, io.clawgo.protocol.WireMessage",
            "wire_signal_answer.json, io.clawgo.protocol.WireMessage",
            "wire_signal_candidate.json, io.clawgo.protocol.WireMessage",
            "ack_registered.json, io.clawgo.protocol.WireAck",
            "ack_error.json, io.clawgo.protocol.WireAck",
            "ack_signaled.json, io.clawgo.protocol.WireAck"})
    void roundTripKeepsEveryField(String file, String className) throws Exception {
        String json = golden(file);
        Object decoded = codec.decode(json, Class.forName(className));
        JsonElement expected = JsonParser.parseString(json);
        JsonElement actual = JsonParser.parseString(codec.toJson(decoded));
        assertThat(actual).as(file).isEqualTo(expected);
    }

    @Test
    void framesAreToldApartByTheOkKey() throws Exception {
        assertThat(codec.decodeFrame(golden("ack_registered.json"), 1 << 20)).isInstanceOf(Frame.Ack.class);
        Frame f = codec.decodeFrame(golden("wire_node_request.json"), 1 << 20);
        assertThat(f).isInstanceOf(Frame.Message.class);
        WireMessage m = ((Frame.Message) f).message();
        assertThat(m.request().task()).isEqualTo("Return exactly the string NODE_P2P_OK");
        assertThat(m.request().args()).containsEntry("remote_agent_id", "main");
    }

    @Test
    void fieldsDecodeToTheRightJavaValues() throws Exception {
        NodeInfo n = codec.decode(golden("node_info.json"), NodeInfo.class);
        assertThat(n.registeredAt()).isEqualTo(Instant.parse("2026-03-12T10:00:00.123456789Z"));
        assertThat(n.capabilities()).isEqualTo(Capabilities.DEFAULT);
        assertThat(n.agents()).containsExactly(new AgentInfo("coder", "Code Agent", "code", "worker", "node", "main"));
        Request r = codec.decode(golden("request.json"), Request.class);
        assertThat(r.args().get("duration_ms")).isEqualTo(2500L);
        assertThat(r.args().get("nested")).isInstanceOf(Map.class).asString().contains("x=");
    }

    @Test
    void unknownFieldsAreIgnoredAndEmptyFieldsOmitted() throws Exception {
        NodeInfo n = codec.decode("{\"id\":\"a\",\"future_field\":{\"x\":1},\"tags\":[],\"name\":\"\","
                + "\"registered_at\":\"0001-01-01T00:00:00Z\"}", NodeInfo.class);
        assertThat(n.registeredAt()).isNull();
        assertThat(codec.toJson(n)).isEqualTo("{\"id\":\"a\",\"capabilities\":{\"run\":false,\"invoke\":false,"
                + "\"model\":false,\"camera\":false,\"screen\":false,\"location\":false,\"canvas\":false},\"online\":false}");
        assertThat(codec.toJson(WireMessage.heartbeat("x"))).isEqualTo("{\"type\":\"heartbeat\",\"id\":\"x\"}");
        assertThat(codec.toJson(Response.error("timeout", "late"))).isEqualTo(
                "{\"ok\":false,\"code\":\"timeout\",\"error\":\"late\"}");
    }

    @Test
    void badInputIsAClearProtocolError() {
        assertThatThrownBy(() -> codec.decode("{\"id\":", NodeInfo.class, 1000))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("invalid json");
        assertThatThrownBy(() -> codec.decode("{\"id\":\"a\",\"online\":\"yes\"}", NodeInfo.class, 1000))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("invalid node info");
        assertThatThrownBy(() -> codec.decode("{\"id\":[1]}", NodeInfo.class, 1000))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("expected a string");
        assertThatThrownBy(() -> codec.decode("{\"id\":\"a\"} {}", NodeInfo.class, 1000))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("trailing");
        assertThatThrownBy(() -> codec.decodeFrame("{\"type\":\"\"}", 1000))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("type required");
        assertThatThrownBy(() -> codec.decodeFrame("{\"type\":\"x\",\"pad\":\"" + "é".repeat(600) + "\"}", 1000))
                .isInstanceOf(ProtocolException.class)
                .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCodes.PAYLOAD_TOO_LARGE));
        assertThatThrownBy(() -> codec.decode("[".repeat(100_000), NodeInfo.class, 1_000_000))
                .isInstanceOf(ProtocolException.class);
        // found by the control-socket fuzz test: a payload given as an array of pairs with a null key, before a
        // syntax error that a streaming reader has not reached yet
        assertThatThrownBy(() -> codec.decodeFrame("{\"type\":\"signal_answer\",\"payload\":[[null,-1.5],"
                + "{\"k1\":Infinity}]}", 1000))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("expected an object for payload");
        assertThatThrownBy(() -> codec.decode("{\"action\":\"run\",\"args\":[[\"k\",1]]}", Request.class, 1000))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("expected an object for args");
    }
}
