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
 * {@code false} when either is missing; {@link #unavailableReason()} then names it. The native library is loaded only
 * when a session is needed.
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

    /**
     * Whether webrtc-java and this platform's native library are on the class path; never throws. The library itself
     * is loaded when the gateway transport is created, or on a node when the first offer arrives, so a process that
     * never uses webrtc never loads it.
     */
    @Override
    public boolean isAvailable() {
        try {
            return NativeLibrary.probe().loaded();
        } catch (Throwable t) {
            return false;
        }
    }

    @Override
    public String unavailableReason() {
        try {
            return NativeLibrary.probe().reason();
        } catch (Throwable t) {
            return "probing the webrtc native library failed: " + t;
        }
    }

    /** Below the WebSocket tunnel's (6): an empty transport name prefers the simpler tunnel. */
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
        NativeLibrary.Result lib = NativeLibrary.load();
        if (!lib.loaded()) {
            throw new IllegalStateException("webrtc transport unavailable: " + lib.reason());
        }
    }
}
