package io.clawgo.transport.webrtc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class RemoteCandidatesTest {
    @Test
    void heldUntilTheRemoteDescriptionThenPassedThroughInOrder() {
        List<Integer> applied = new CopyOnWriteArrayList<>();
        RemoteCandidates<Integer> q = new RemoteCandidates<>(3, applied::add);
        q.add(1);
        q.add(2);
        q.add(3);
        q.add(4);
        assertThat(applied).isEmpty();
        assertThat(q.dropped()).isEqualTo(1);
        q.remoteDescriptionApplied();
        assertThat(applied).containsExactly(1, 2, 3);
        q.add(5);
        assertThat(applied).containsExactly(1, 2, 3, 5);
        assertThat(q.pending()).isZero();
    }
}
