package io.clawgo.transport.webrtc;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Remote ICE candidates held back until the remote description is applied: webrtc-java 0.14.0 silently ignores
 * {@code addIceCandidate} before that. Bounded; the apply function is always called without holding this object's lock
 * (it is a webrtc call, and no lock may be held across one).
 *
 * @param <C> candidate type
 */
final class RemoteCandidates<C> {
    private final int max;
    private final Consumer<C> apply;
    private final List<C> pending = new ArrayList<>();
    private boolean ready;
    private int dropped;

    RemoteCandidates(int max, Consumer<C> apply) {
        this.max = max;
        this.apply = apply;
    }

    /** Applies {@code c} now when the remote description is in place, else queues it. */
    void add(C c) {
        synchronized (this) {
            if (!ready) {
                if (pending.size() < max) {
                    pending.add(c);
                } else {
                    dropped++;
                }
                return;
            }
        }
        apply.accept(c);
    }

    /** The remote description is applied: applies what was queued, then lets later candidates through. */
    void remoteDescriptionApplied() {
        while (true) {
            List<C> batch;
            synchronized (this) {
                if (pending.isEmpty()) {
                    ready = true;
                    return;
                }
                batch = new ArrayList<>(pending);
                pending.clear();
            }
            batch.forEach(apply);
        }
    }

    /** Candidates dropped because the queue was full. */
    synchronized int dropped() {
        return dropped;
    }

    /** Candidates waiting. */
    synchronized int pending() {
        return pending.size();
    }
}
