package io.clawgo.internal.gateway;

import io.clawgo.spi.ControlChannel;
import io.clawgo.spi.GatewayContext;
import io.clawgo.spi.GatewayTransport;
import io.clawgo.spi.TransportProvider;
import io.clawgo.testing.CarryNothingTransport;
import io.clawgo.testing.ExtraServices;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Test-only gateway transport {@code test_gate}, found by ServiceLoader through {@link #loader()} only (never through
 * {@code src/test/resources}, so other gateway tests do not see it). When armed for a node id, its
 * {@code onNodeDisconnected} for that node holds the calling thread until the test releases it: the gateway's own
 * hook between "the node is offline" and "its socket is closed", where a real transport fails the requests in
 * flight, made wide enough to send a frame into it.
 */
public final class GateTestTransportProvider extends TransportProvider {
    public static final String NAME = "test_gate";

    private static volatile String armedFor;
    private static volatile CountDownLatch entered = new CountDownLatch(1);
    private static volatile CountDownLatch release = new CountDownLatch(0);

    /** Holds the next {@code onNodeDisconnected} of {@code nodeId} until {@link #release()}. */
    static void arm(String nodeId) {
        entered = new CountDownLatch(1);
        release = new CountDownLatch(1);
        armedFor = nodeId;
    }

    /** Waits until the armed node's disconnection is being held. */
    static boolean awaitHeld(Duration timeout) throws InterruptedException {
        return entered.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Lets the held disconnection go on. */
    static void release() {
        armedFor = null;
        release.countDown();
    }

    /** A class loader that shows this provider to ServiceLoader. */
    static ClassLoader loader() {
        return ExtraServices.loader(TransportProvider.class, GateTestTransportProvider.class);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public GatewayTransport createGatewayTransport(GatewayContext context) {
        return new CarryNothingTransport(NAME) {
            @Override
            public void onNodeDisconnected(ControlChannel channel) {
                String id = armedFor;
                if (id != null && id.equals(channel.nodeId())) {
                    CountDownLatch r = release;
                    entered.countDown();
                    try {
                        r.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }

            @Override
            public void close() {
                release();
            }
        };
    }
}
