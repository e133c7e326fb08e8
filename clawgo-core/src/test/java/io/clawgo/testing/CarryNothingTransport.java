package io.clawgo.testing;

import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.spi.GatewayTransport;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The gateway side of a test transport that carries nothing: every request fails at once with
 * {@code p2p_unavailable} (so {@code auto} goes on to the next transport) and closing holds nothing. Test providers
 * extend it with what they observe (a status to report, a disconnection to hold).
 */
public class CarryNothingTransport implements GatewayTransport {
    private final String name;

    /** @param name the transport's name, as its provider gives it */
    public CarryNothingTransport(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CompletionStage<Response> send(Request request, Duration timeout) {
        return CompletableFuture.completedFuture(Response.error(request, ErrorCodes.P2P_UNAVAILABLE,
                name + " carries nothing"));
    }

    @Override
    public void close() {
        // nothing held
    }
}
