package io.clawgo.transport.webrtc;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Remote ICE candidates held back until the remote description is applied: webrtc-java 0.14.0 silently ignores
 * {@code addIceCandidate} before that. Bounded over the link's whole life: at most {@code max} candidates are taken,
 * held or applied, before the remote description and after it; the rest are dropped and counted (a peer has no
 * business sending more, and each one costs connectivity checks). The apply function is always called without holding
 * this object's lock (it is a webrtc call, and no lock may be held across one).
 *
 * @param <C> candidate type
 */
final class RemoteCandidates<C> {
    private final int max;
    private final Consumer<C> apply;
    private final List<C> pending = new ArrayList<>();
    private boolean ready;
    private int taken;
    private int dropped;

    RemoteCandidates(int max, Consumer<C> apply) {
        this.max = max;
        this.apply = apply;
    }

    /**
     * Applies {@code c} now when the remote description is in place, else queues it; drops it once {@code max}
     * candidates were taken.
     *
     * @return whether it was taken
     */
    boolean add(C c) {
        synchronized (this) {
            if (taken >= max) {
                dropped++;
                return false;
            }
            taken++;
            if (!ready) {
                pending.add(c);
                return true;
            }
        }
        apply.accept(c);
        return true;
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

    /** Candidates dropped because {@code max} were taken already. */
    synchronized int dropped() {
        return dropped;
    }

    /** Candidates waiting. */
    synchronized int pending() {
        return pending.size();
    }
}
