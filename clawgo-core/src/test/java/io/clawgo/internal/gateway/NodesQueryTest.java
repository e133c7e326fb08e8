package io.clawgo.internal.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.ProtocolException;
import java.util.List;
import org.eclipse.jetty.util.Fields;
import org.junit.jupiter.api.Test;

class NodesQueryTest {

    private static NodesQuery parse(String... pairs) throws ProtocolException {
        Fields f = new Fields();
        for (int i = 0; i < pairs.length; i += 2) {
            f.add(pairs[i], pairs[i + 1]);
        }
        return NodesQuery.parse(f);
    }

    @Test
    void noParameterIsTheWholePayloadAndSummaryIsTheSummary() throws Exception {
        assertThat(parse().mode()).isEqualTo(NodesQuery.Mode.ALL);
        assertThat(parse("summary", "1").mode()).isEqualTo(NodesQuery.Mode.SUMMARY);
        assertThat(parse("summary", "false").mode()).isEqualTo(NodesQuery.Mode.ALL);
        assertThat(parse("q", "").mode()).isEqualTo(NodesQuery.Mode.ALL); // an empty filter box
        assertThat(parse("_", "123").mode()).isEqualTo(NodesQuery.Mode.ALL); // unknown parameters are ignored
    }

    @Test
    void aFilterWithoutLimitGetsTheDefaultPage() throws Exception {
        NodesQuery q = parse("q", "  GPU lab ", "online", "true");
        assertThat(q.mode()).isEqualTo(NodesQuery.Mode.PAGE);
        assertThat(q.limit()).isEqualTo(NodesQuery.DEFAULT_LIMIT);
        assertThat(q.offset()).isZero();
        assertThat(q.words()).containsExactly("gpu", "lab");
        assertThat(q.online()).isTrue();
    }

    @Test
    void everyWordMustOccurInTheNodesFieldsAndTheOnlineFilterApplies() throws Exception {
        NodeInfo n = NodeInfo.builder("edge-7").name("Edge Seven").os("linux").tags(List.of("Lab", "gpu"))
                .online(true).build();
        assertThat(parse("q", "lab GPU").matches(n)).isTrue();
        assertThat(parse("q", "seven linux").matches(n)).isTrue();
        assertThat(parse("q", "lab darwin").matches(n)).isFalse();
        assertThat(parse("online", "0").matches(n)).isFalse();
        assertThat(parse("id", "edge-7").matches(n)).isTrue();
        assertThat(parse("id", "edge").matches(n)).isFalse();
    }

    @Test
    void badValuesAreRefusedWithAMessageThatNamesTheParameter() {
        assertBad("limit must be from 1 to 500, not 501", "limit", "501");
        assertBad("limit must be from 1 to 500, not 0", "limit", "0");
        assertBad("limit must be a whole number", "limit", "ten");
        assertBad("limit must be a whole number", "limit", "-1");
        assertBad("offset must be a whole number", "offset", "1e3");
        assertBad("online must be true or false", "online", "yes");
        assertBad("summary must be true or false", "summary", "please");
        assertBad("summary=1 has no node lists", "summary", "1", "limit", "10");
        assertBad("q has 201 characters", "q", "x".repeat(201));
        assertBad("limit is given 2 times", "limit", "1", "limit", "2");
    }

    private static void assertBad(String message, String... pairs) {
        assertThatThrownBy(() -> parse(pairs)).isInstanceOf(ProtocolException.class).hasMessageContaining(message);
    }
}
