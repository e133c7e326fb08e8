package io.clawgo.internal.node;

import io.clawgo.protocol.MessageTypes;
import io.clawgo.protocol.WireMessage;
import io.clawgo.spi.GatewayContext;
import io.clawgo.spi.GatewayTransport;
import io.clawgo.spi.NodeContext;
import io.clawgo.spi.NodeTransport;
import io.clawgo.spi.TransportProvider;
import io.clawgo.testing.CarryNothingTransport;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test-only transport {@code test_echo}, discovered with ServiceLoader through the class loader of
 * {@code NodeAgentTest.echoLoader()} (not through {@code src/test/resources}, so gateway tests never see it). Its node side
 * consumes only {@code node_request}s whose id starts with {@code echo-}: it runs them with
 * {@link NodeContext#execute} and answers a {@code node_response} with {@link NodeContext#send}. Every other message is
 * declined, so the core's "no transport" path stays testable. It records the {@link NodeContext} and the lifecycle calls
 * per node id for the tests.
 */
public final class EchoTestTransportProvider extends TransportProvider {

    public static final String NAME = "test_echo";
    public static final String ID_PREFIX = "echo-";

    /** The context each node runtime gave this transport, by node id. */
    public static final Map<String, NodeContext> CONTEXTS = new ConcurrentHashMap<>();
    public static final Map<String, AtomicInteger> CONNECTED = new ConcurrentHashMap<>();
    public static final Map<String, AtomicInteger> DISCONNECTED = new ConcurrentHashMap<>();
    public static final Map<String, AtomicInteger> CLOSED = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public GatewayTransport createGatewayTransport(GatewayContext context) {
        return new CarryNothingTransport(NAME); // no gateway side
    }

    @Override
    public NodeTransport createNodeTransport(NodeContext ctx) {
        String id = ctx.nodeId();
        CONTEXTS.put(id, ctx);
        return new NodeTransport() {
            @Override
            public String name() {
                return NAME;
            }

            @Override
            public boolean onControlMessage(WireMessage message) {
                if (!MessageTypes.NODE_REQUEST.equals(message.normalizedType()) || message.id() == null
                        || !message.id().startsWith(ID_PREFIX)) {
                    return false;
                }
                ctx.execute(message.request()).thenAccept(resp ->
                        ctx.send(WireMessage.nodeResponse(message.id(), ctx.nodeId(), resp)));
                return true;
            }

            @Override
            public void onConnected() {
                CONNECTED.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            }

            @Override
            public void onDisconnected() {
                DISCONNECTED.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            }

            @Override
            public void close() {
                CLOSED.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            }
        };
    }
}
