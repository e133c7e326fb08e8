package io.clawgo.transport.webrtc;

import io.clawgo.spi.GatewayContext;
import io.clawgo.spi.GatewayTransport;
import io.clawgo.spi.NodeContext;
import io.clawgo.spi.NodeTransport;
import io.clawgo.spi.TransportProvider;

/**
 * The {@code webrtc} transport: requests and responses travel over a WebRTC DataChannel labelled {@code clawgo}
 * between the gateway (offerer) and each node (answerer), signalled over the node's control WebSocket, with the
 * gateway's STUN/TURN servers. Built on webrtc-java (libwebrtc through JNI).
 *
 * <p>Select it with {@code gateway.nodes.p2p.transport = "webrtc"} and put this jar (with webrtc-java's native
 * classifier jar for the platform) on the class path of the gateway and of the nodes. {@link #isAvailable()} is
 * {@code false} when the native library cannot be loaded; {@link #unavailableReason()} then names what is missing.
 * Tuning: see the module README ({@code clawgo.webrtc.*} system properties).
 */
public final class WebRtcProvider extends TransportProvider {
    /** The transport name. */
    public static final String NAME = "webrtc";

    /** Public no-argument constructor for {@link java.util.ServiceLoader}. */
    public WebRtcProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Loads the native library (once per JVM); never throws. */
    @Override
    public boolean isAvailable() {
        try {
            return NativeLibrary.load().loaded();
        } catch (Throwable t) {
            return false;
        }
    }

    @Override
    public String unavailableReason() {
        try {
            return NativeLibrary.load().reason();
        } catch (Throwable t) {
            return "loading the webrtc native library failed: " + t;
        }
    }

    /** Below the WebSocket tunnel's default (5): an empty transport name prefers the simpler tunnel. */
    @Override
    public int priority() {
        return 4;
    }

    @Override
    public GatewayTransport createGatewayTransport(GatewayContext context) {
        requireAvailable();
        WebRtcSettings settings = WebRtcSettings.fromSystemProperties();
        if (System.getProperty(WebRtcSettings.PREFIX + "ready_timeout_ms") == null) {
            // gateway.nodes.p2p.ready_timeout_sec, unless the system property overrides it
            settings = settings.withReadyTimeout(context.p2p().readyTimeout());
        }
        return new WebRtcGatewayTransport(context, settings);
    }

    @Override
    public NodeTransport createNodeTransport(NodeContext context) {
        if (!isAvailable()) {
            return null;
        }
        return new WebRtcNodeTransport(context, WebRtcSettings.fromSystemProperties());
    }

    private void requireAvailable() {
        if (!isAvailable()) {
            throw new IllegalStateException("webrtc transport unavailable: " + unavailableReason());
        }
    }
}
