package io.clawgo.transport.webrtc;

import io.clawgo.NodeAgent;
import java.time.Duration;
import java.util.List;

/**
 * A node in its own JVM, for the cross-process test: {@code NodeProcessMain <gatewayUrl> <nodeId> <endpointUrl>}.
 * Prints {@code READY} once registered, runs until its standard input closes, then closes the agent (which disposes
 * the webrtc factory, without which the JVM would not exit) and exits.
 */
public final class NodeProcessMain {
    private NodeProcessMain() {
    }

    public static void main(String[] args) throws Exception {
        NodeAgent node = NodeAgent.builder().gateway(args[0]).id(args[1]).endpoint(args[2])
                .actions(List.of("run", "invoke", "agent_task")).build();
        int code = 0;
        try {
            node.start();
            if (!node.awaitConnected(Duration.ofSeconds(20))) {
                System.out.println("NOT_CONNECTED");
                code = 2;
                return;
            }
            System.out.println("READY");
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the parent to close our stdin
            }
        } finally {
            node.close();
            System.out.flush();
            Runtime.getRuntime().halt(code);
        }
    }
}
