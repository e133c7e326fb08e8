package io.clawgo.it.faults;

import io.clawgo.Gateway;
import io.clawgo.testing.ChildJvm;
import io.clawgo.testing.LoopbackRelay;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A plain {@link Gateway} in a child JVM, for the tests that kill a gateway: on 127.0.0.1, a fixed port, a token, a
 * data directory and the {@code websocket_tunnel} transport. Prints {@code READY <port>} once it listens. SIGTERM
 * closes it cleanly (printing {@code CLOSED}); SIGKILL is the crash under test.
 *
 * <p>Arguments: {@code <port> <token> <data-dir> <max-lifetime-seconds>}; it halts by itself after the lifetime.
 */
public final class FaultGatewayMain {
    private FaultGatewayMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        ChildJvm.haltAfter(Duration.ofSeconds(Long.parseLong(args[3])));
        Gateway gw = Gateway.builder().host("127.0.0.1").port(Integer.parseInt(args[0])).token(args[1])
                .dataDir(Path.of(args[2])).transport("websocket_tunnel")
                // node endpoints listen on 127.0.0.1; the crash tests re-register ids with changes many times a second
                .nodePolicy(LoopbackRelay.POLICY.toBuilder().maxRegisterChangesPerMinute(100_000).build()).start();
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gw.close();
            System.out.println("CLOSED");
            closed.countDown();
        }, "gateway-shutdown"));
        System.out.println("READY " + gw.port());
        closed.await();
    }
}
