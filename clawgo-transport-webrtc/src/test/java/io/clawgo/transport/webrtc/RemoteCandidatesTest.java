package io.clawgo.transport.webrtc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class RemoteCandidatesTest {
    @Test
    void heldUntilTheRemoteDescriptionThenPassedThroughInOrder() {
        List<Integer> applied = new CopyOnWriteArrayList<>();
        RemoteCandidates<Integer> q = new RemoteCandidates<>(4, applied::add);
        assertThat(q.add(1)).isTrue();
        assertThat(q.add(2)).isTrue();
        assertThat(applied).isEmpty();
        assertThat(q.pending()).isEqualTo(2);
        q.remoteDescriptionApplied();
        assertThat(applied).containsExactly(1, 2);
        assertThat(q.add(3)).isTrue();
        assertThat(applied).containsExactly(1, 2, 3);
        assertThat(q.pending()).isZero();
        assertThat(q.dropped()).isZero();
    }

    /** Issue 18: the bound holds over the whole link, not only before the remote description (old: 5, 6 applied). */
    @Test
    void theBoundCountsCandidatesBeforeAndAfterTheRemoteDescription() {
        List<Integer> applied = new CopyOnWriteArrayList<>();
        RemoteCandidates<Integer> q = new RemoteCandidates<>(4, applied::add);
        q.add(1);
        q.add(2);
        q.add(3);
        q.remoteDescriptionApplied();
        assertThat(q.add(4)).isTrue();
        assertThat(q.add(5)).isFalse();
        assertThat(q.add(6)).isFalse();
        assertThat(applied).containsExactly(1, 2, 3, 4);
        assertThat(q.dropped()).isEqualTo(2);
        // and before it, as before
        RemoteCandidates<Integer> early = new RemoteCandidates<>(2, applied::add);
        early.add(7);
        early.add(8);
        assertThat(early.add(9)).isFalse();
        early.remoteDescriptionApplied();
        assertThat(early.add(10)).isFalse();
        assertThat(applied).endsWith(7, 8);
    }
}
