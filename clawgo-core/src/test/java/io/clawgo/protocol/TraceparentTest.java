package io.clawgo.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clawgo.subagent.SpawnRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The W3C {@code traceparent} check, and the optional {@code traceparent} field of a {@link Request}. */
class TraceparentTest {
    static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @ParameterizedTest
    @ValueSource(strings = {
            VALID,
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",   // not sampled
            "00-00000000000000000000000000000001-0000000000000001-ff",   // unknown flags are kept
            "00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-09"})
    void acceptsVersion00InItsExactForm(String value) {
        assertThat(Traceparent.isValid(value)).isTrue();
        assertThat(Traceparent.validOrNull(value)).isSameAs(value);
        assertThat(Traceparent.traceId(value)).isEqualTo(value.substring(3, 35)).hasSize(32);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "00",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",   // upper case
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",   // upper-case flags
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // another version
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // the forbidden version
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   // trace id all zeros
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   // parent id all zeros
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",  // longer than version 00
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-ab",
            "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",   // separator moved
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-701",
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
            " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",   // white space
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0 ",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bx-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-\u0661\u0661"})  // Arabic-Indic digits
    void refusesEverythingElse(String value) {
        assertThat(Traceparent.isValid(value)).as(value).isFalse();
        assertThat(Traceparent.validOrNull(value)).isNull();
        assertThat(Traceparent.traceId(value)).isNull();
    }

    @Test
    void nullIsNoTraceContext() {
        assertThat(Traceparent.isValid(null)).isFalse();
        assertThat(Traceparent.traceId(null)).isNull();
    }

    @Test
    void aRequestKeepsOnlyAValidTraceparentAndCopiesKeepIt() {
        Request r = new Request("run", "n1", null, null, Map.of("x", 1L), VALID);
        assertThat(r.traceparent()).isEqualTo(VALID);
        assertThat(r.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(r.withNode("n2").traceparent()).isEqualTo(VALID);
        assertThat(r.withTask("t").traceparent()).isEqualTo(VALID);
        assertThat(r.withArgs(null).traceparent()).isEqualTo(VALID);
        assertThat(r.withTraceparent(null).traceparent()).isNull();
        assertThat(r.withTraceparent(VALID.toUpperCase()).traceparent()).isNull();
        assertThat(new Request("run", "n1", null, null, null, "garbage").traceparent()).isNull();
        assertThat(new Request("run", "n1", null, null, null).traceparent()).isNull();
        assertThat(new Request("run", "n1", null, null, null).traceId()).isNull();
    }

    @Test
    void aSpawnRequestKeepsItsTraceparentAndTheNodeRequestOnlyAValidOne() {
        assertThat(SpawnRequest.of("node.a.main", "t").traceparent()).isNull();
        assertThat(SpawnRequest.of("node.a.main", "t").withTraceparent(VALID).traceparent()).isEqualTo(VALID);
        // the runtime builds the node's request from it, which drops what is not valid
        String raw = SpawnRequest.of("node.a.main", "t").withTraceparent("00-x").traceparent();
        assertThat(new Request("agent_task", "a", "t", null, null, raw).traceparent()).isNull();
    }

    @Test
    void onTheWireTheFieldIsOptional() throws Exception {
        WireCodec codec = WireCodec.get();
        // absent: the request's JSON is what it was before the field existed
        assertThat(codec.toJson(new Request("run", "n1", null, null, null))).isEqualTo("{\"action\":\"run\",\"node\":\"n1\"}");
        assertThat(codec.toJson(new Request("run", "n1", null, null, null, VALID)))
                .isEqualTo("{\"action\":\"run\",\"node\":\"n1\",\"traceparent\":\"" + VALID + "\"}");
        Request traced = codec.decode("{\"action\":\"run\",\"traceparent\":\"" + VALID + "\"}", Request.class);
        assertThat(traced.traceparent()).isEqualTo(VALID);
        // an invalid value from a peer is dropped, not an error and not passed on
        Request dropped = codec.decode("{\"action\":\"run\",\"traceparent\":\"00-zz\"}", Request.class);
        assertThat(dropped.traceparent()).isNull();
        assertThat(codec.toJson(dropped)).isEqualTo("{\"action\":\"run\"}");
        // the field's JSON type is as strict as every other field's
        assertThatThrownBy(() -> codec.decode("{\"action\":\"run\",\"traceparent\":5}", Request.class))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("expected a string");
    }
}
