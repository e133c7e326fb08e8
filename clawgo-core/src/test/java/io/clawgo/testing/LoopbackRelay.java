package io.clawgo.testing;

import io.clawgo.config.NodePolicy;
import java.util.List;

/** For tests whose node endpoints listen on 127.0.0.1, which the HTTP relay refuses by default. */
public final class LoopbackRelay {
    /** A node policy whose relay may reach 127.0.0.1 ({@code gateway.nodes.relay.allow: ["127.0.0.1"]}). */
    public static final NodePolicy POLICY = NodePolicy.builder().relayAllow(List.of("127.0.0.1")).build();

    private LoopbackRelay() {
    }
}
