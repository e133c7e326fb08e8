package io.clawgo.transport.webrtc;

import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import dev.onvoid.webrtc.RTCDataChannelInit;
import dev.onvoid.webrtc.RTCDataChannelObserver;
import dev.onvoid.webrtc.RTCDataChannelState;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCIceGatheringState;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer connection with its {@code clawgo} DataChannel, used by both roles: SDP and candidates, message framing
 * ({@link ChunkCodec}, {@link Reassembler}), flow-controlled sending ({@link FrameWriter}) and ordered teardown.
 *
 * <p>Rules that keep the JVM alive (webrtc-java 0.14.0 aborts the process on an exception escaping a callback and
 * runs every callback of the factory on one native thread):
 * <ul>
 *   <li>native callbacks go through thin shims that catch everything and only copy data and hand work to Java
 *       executors; the shims drop their reference to this link at close, because webrtc-java keeps data channel
 *       observers reachable forever;</li>
 *   <li>listener events arrive in order on a {@link SerialExecutor}; complete messages arrive on the pool, possibly
 *       concurrently;</li>
 *   <li>every call into the peer connection or channel happens under {@code guard}, so that nothing touches native
 *       objects after {@link #close()} released them. Java threads wait for it; a callback thread (which may send a
 *       small reply at once) only tries it and never waits.</li>
 * </ul>
 */
final class PeerLink {
    private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);
    static final String LABEL = "clawgo";
    /** Remote ICE candidates one link takes over its life (before and after the remote description). */
    static final int MAX_REMOTE_CANDIDATES = 128;
    private static final int MAX_PARTIAL_MESSAGES = 16;
    private static final long SDP_TIMEOUT_SECONDS = 10;

    /** Events of a link. All but {@link #onMessage} arrive in order on the link's serial executor. */
    interface Listener {
        void onLocalCandidate(RTCIceCandidate candidate);

        default void onGatheringComplete() {
        }

        void onChannelOpen();

        void onChannelClosed();

        void onConnectionState(RTCPeerConnectionState state);

        /**
         * A complete UTF-8 JSON message; called on the native callback thread for a message of one frame within the
         * link's inline limit, else on the pool, possibly concurrently with other messages.
         */
        void onMessage(byte[] utf8);

        /** A frame that broke the framing rules (its message was dropped). */
        void onFrameError(String error);

        /** The writer could not drain the channel. */
        void onStall(String error);
    }

    /**
     * Messages that arrive in one frame of at most this many bytes are decoded on the native callback thread on both
     * sides (one thread hop less per message); larger ones on the pool, so that a callback thread never spends long
     * on one message.
     */
    static final int INLINE_LIMIT = 16 * 1024;

    /** Set while a native callback of this library runs on the current thread. */
    private static final ThreadLocal<Boolean> IN_CALLBACK = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private final Executor pool;
    private final WebRtcSettings settings;
    private final int inlineLimit;
    private final SerialExecutor events;
    private final Listener listener;
    private final ChunkCodec codec;
    private final Reassembler reassembler;
    private final FrameWriter writer;
    private final RemoteCandidates<RTCIceCandidate> remote;
    private final boolean acceptsChannel;
    private final PeerShim peerShim;
    private final AtomicBoolean channelOpened = new AtomicBoolean();
    private final AtomicBoolean channelClosed = new AtomicBoolean();
    /**
     * Held by every call into the peer connection or channel. Java threads wait for it; a webrtc callback thread only
     * tries it ({@link #lockForIo}), because a Java thread holding it may be waiting for that very thread.
     */
    private final ReentrantLock guard = new ReentrantLock();
    private boolean closed;
    private volatile RTCPeerConnection pc;
    private volatile RTCDataChannel dc;
    private volatile ChannelShim channelShim;
    private volatile boolean open;

    private PeerLink(Executor pool, Executor drains, Listener listener, WebRtcSettings settings, int maxMessageBytes,
                     boolean acceptsChannel, int inlineLimit) {
        this.pool = pool;
        this.settings = settings;
        this.inlineLimit = inlineLimit;
        this.events = new SerialExecutor(pool);
        this.listener = listener;
        this.codec = new ChunkCodec(Math.min(settings.frameBytes(), 64 * 1024));
        this.reassembler = new Reassembler(maxMessageBytes, MAX_PARTIAL_MESSAGES);
        this.acceptsChannel = acceptsChannel;
        this.peerShim = new PeerShim(this);
        this.remote = new RemoteCandidates<>(MAX_REMOTE_CANDIDATES, this::applyCandidate);
        long stallMillis = Math.max(10_000, settings.readyTimeout().toMillis());
        // the writer waits for a busy channel on its own executor, never on the shared pool: a few stalled channels
        // must not hold every thread of the pool that carries all links' events and messages
        this.writer = new FrameWriter(new Sink(), drains, settings.bufferHigh(), settings.bufferLow(),
                Math.max(64L * 1024 * 1024, 2L * maxMessageBytes), stallMillis, this::stalled);
    }

    /**
     * Creates the peer connection. Must not be called on a webrtc callback thread.
     *
     * @param pool           events, large messages and other work of the link (a bounded pool)
     * @param drains         where the link's writer goes on when it must wait for the channel to drain
     * @param acceptsChannel {@code true} on the answerer: take the {@code clawgo} channel the offerer opens
     * @param inlineLimit    messages that arrive in one frame of at most this many bytes are given to
     *                       {@link Listener#onMessage} on the native callback thread (the listener must then only do
     *                       bounded, non-blocking work; a {@link #send} from there never waits: when the channel's
     *                       lock is taken the writer carries on from {@code drains}; see {@link #offCallback}); 0
     *                       delivers every message on the pool
     */
    static PeerLink create(PeerConnectionFactory factory, RTCConfiguration config, Executor pool, Executor drains,
                           Listener listener, WebRtcSettings settings, int maxMessageBytes, boolean acceptsChannel,
                           int inlineLimit) {
        PeerLink link = new PeerLink(pool, drains, listener, settings, maxMessageBytes, acceptsChannel, inlineLimit);
        RTCPeerConnection pc = factory.createPeerConnection(config, link.peerShim);
        if (pc == null) {
            throw new IllegalStateException("createPeerConnection returned null (invalid ICE configuration?)");
        }
        link.pc = pc;
        return link;
    }

    /** Offerer: creates the ordered, reliable {@code clawgo} DataChannel. */
    void createChannel() {
        guard.lock();
        try {
            if (closed) {
                throw new IllegalStateException("link closed");
            }
            RTCDataChannelInit init = new RTCDataChannelInit();
            init.ordered = true;
            RTCDataChannel ch = pc.createDataChannel(LABEL, init);
            attach(ch);
        } finally {
            guard.unlock();
        }
    }

    CompletableFuture<RTCSessionDescription> createOffer() {
        CompletableFuture<RTCSessionDescription> f = new CompletableFuture<>();
        guard.lock();
        try {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("link closed"));
            }
            pc.createOffer(new RTCOfferOptions(), new SdpObserver(f));
        } finally {
            guard.unlock();
        }
        return f.orTimeout(SDP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    CompletableFuture<RTCSessionDescription> createAnswer() {
        CompletableFuture<RTCSessionDescription> f = new CompletableFuture<>();
        guard.lock();
        try {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("link closed"));
            }
            pc.createAnswer(new RTCAnswerOptions(), new SdpObserver(f));
        } finally {
            guard.unlock();
        }
        return f.orTimeout(SDP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    CompletableFuture<Void> setLocal(RTCSessionDescription d) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        guard.lock();
        try {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("link closed"));
            }
            pc.setLocalDescription(d, new SetObserver(f));
        } finally {
            guard.unlock();
        }
        return f.orTimeout(SDP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Applies the remote description, then the remote candidates that were held back. */
    CompletableFuture<Void> setRemote(RTCSessionDescription d) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        guard.lock();
        try {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("link closed"));
            }
            pc.setRemoteDescription(d, new SetObserver(f));
        } finally {
            guard.unlock();
        }
        return f.orTimeout(SDP_TIMEOUT_SECONDS, TimeUnit.SECONDS).thenRun(() -> {
            codec.frameBytes(ChunkCodec.negotiate(d.sdp, settings.frameBytes()));
            remote.remoteDescriptionApplied();
        });
    }

    /** The frame size in use (the peer's {@code max-message-size}, capped). */
    int frameBytes() {
        return codec.frameBytes();
    }

    /**
     * An executor that runs a task at once, unless the current thread is inside a webrtc callback: then the task goes
     * to {@code pool}. For continuations that may find their future already complete on the callback thread.
     */
    static Executor offCallback(Executor pool) {
        return r -> {
            if (IN_CALLBACK.get()) {
                try {
                    pool.execute(r);
                } catch (RejectedExecutionException e) {
                    LOG.debug("dropping a webrtc task: the transport is closing");
                } catch (Error e) {
                    LOG.warn("could not start a webrtc task: {}", e.toString());
                }
            } else {
                r.run();
            }
        };
    }

    /**
     * Adds a remote candidate, or holds it until the remote description is applied; drops it once
     * {@link #MAX_REMOTE_CANDIDATES} were taken.
     *
     * @return whether it was taken
     */
    boolean addRemoteCandidate(RTCIceCandidate c) {
        return remote.add(c);
    }

    /** Sends one JSON message (chunked when larger than a frame); see {@link FrameWriter#write}. */
    CompletableFuture<Void> send(byte[] utf8Json) {
        if (!open) {
            return CompletableFuture.failedFuture(new IOException("the DataChannel is not open"));
        }
        return writer.write(codec.encode(utf8Json));
    }

    /** Whether the DataChannel is open (and this link not closed). */
    boolean isOpen() {
        return open;
    }

    /** Bytes the channel holds (0 when closed). */
    long bufferedAmount() {
        guard.lock();
        try {
            RTCDataChannel d = dc;
            return closed || d == null ? 0 : d.getBufferedAmount();
        } finally {
            guard.unlock();
        }
    }

    /**
     * Releases everything in the order webrtc-java needs: observer, channel close, peer connection close, channel
     * dispose. Idempotent. Must not be called on a webrtc callback thread.
     */
    void close() {
        RTCDataChannel d;
        RTCPeerConnection p;
        guard.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            open = false;
            d = dc;
            p = pc;
        } finally {
            guard.unlock();
        }
        writer.close("the webrtc session closed");
        peerShim.target = null;
        ChannelShim cs = channelShim;
        if (cs != null) {
            cs.target = null;
        }
        if (d != null) {
            quietly(d::unregisterObserver, "unregister the channel observer");
            quietly(d::close, "close the channel");
        }
        if (p != null) {
            quietly(p::close, "close the peer connection");
        }
        if (d != null) {
            quietly(d::dispose, "dispose the channel");
        }
    }

    boolean isClosed() {
        guard.lock();
        try {
            return closed;
        } finally {
            guard.unlock();
        }
    }

    // ------------------------------------------------------------------------------------ native-side entry points

    /** Registers our observer with its handler ready: early messages are delivered inside registerObserver. */
    private void attach(RTCDataChannel ch) {
        ChannelShim shim = new ChannelShim(this);
        channelShim = shim;
        dc = ch;
        ch.registerObserver(shim);
        if (ch.getState() == RTCDataChannelState.OPEN) {
            onChannelState(RTCDataChannelState.OPEN);
        }
    }

    /** Callback thread: the answerer got the offerer's channel. */
    private void onDataChannel(RTCDataChannel ch) {
        String label = ch.getLabel();
        if (!acceptsChannel || dc != null || !LABEL.equals(label)) {
            LOG.debug("refusing an unexpected data channel '{}'", label);
            post(() -> {
                quietly(ch::close, "close an unexpected channel");
                quietly(ch::dispose, "dispose an unexpected channel");
            });
            return;
        }
        attach(ch);
    }

    /** Callback thread. */
    private void onChannelState(RTCDataChannelState state) {
        if (state == RTCDataChannelState.OPEN) {
            if (channelOpened.compareAndSet(false, true)) {
                open = true;
                post(listener::onChannelOpen);
            }
        } else if (state == RTCDataChannelState.CLOSING || state == RTCDataChannelState.CLOSED) {
            open = false;
            if (channelClosed.compareAndSet(false, true)) {
                post(listener::onChannelClosed);
            }
        }
    }

    /** Callback thread: copy (the buffer is only valid during the call) and reassemble; bounded work only. */
    private void onFrame(RTCDataChannelBuffer buffer) {
        byte[] message;
        synchronized (reassembler) {
            try {
                message = reassembler.accept(buffer.data, buffer.binary);
            } catch (Reassembler.FrameException e) {
                String error = e.getMessage();
                post(() -> listener.onFrameError(error));
                return;
            }
        }
        if (message == null) {
            return;
        }
        if (!buffer.binary && message.length <= inlineLimit) {
            listener.onMessage(message);
            return;
        }
        try {
            pool.execute(() -> listener.onMessage(message));
        } catch (RejectedExecutionException e) {
            LOG.debug("dropping a message: the transport is closing");
        }
    }

    private void post(Runnable r) {
        events.execute(r);
    }

    private void applyCandidate(RTCIceCandidate c) {
        guard.lock();
        try {
            if (!closed) {
                pc.addIceCandidate(c);
            }
        } finally {
            guard.unlock();
        }
    }

    private void stalled(String error) {
        post(() -> listener.onStall(error));
    }

    private static void quietly(Runnable r, String what) {
        try {
            r.run();
        } catch (Throwable t) {
            LOG.debug("failed to {}: {}", what, t.toString());
        }
    }

    /**
     * Takes {@link #guard} for a call into the channel. A Java thread waits for it. A webrtc callback thread only tries:
     * the thread holding it may be inside a call that libwebrtc runs on that very callback thread, so waiting
     * could deadlock; the writer then carries on from its drain pool.
     */
    private void lockForIo() throws FrameWriter.WouldBlock {
        if (IN_CALLBACK.get()) {
            if (!guard.tryLock()) {
                throw FrameWriter.WouldBlock.INSTANCE;
            }
        } else {
            guard.lock();
        }
    }

    /** The writer's view of the channel. */
    private final class Sink implements FrameWriter.Sink {
        @Override
        public long bufferedAmount() throws IOException, FrameWriter.WouldBlock {
            lockForIo();
            try {
                RTCDataChannel d = dc;
                if (closed || d == null || !open) {
                    throw new IOException("the DataChannel is closed");
                }
                return d.getBufferedAmount();
            } finally {
                guard.unlock();
            }
        }

        @Override
        public void send(ChunkCodec.Frame frame) throws IOException, FrameWriter.WouldBlock {
            lockForIo();
            try {
                RTCDataChannel d = dc;
                if (closed || d == null || !open) {
                    throw new IOException("the DataChannel is closed");
                }
                try {
                    d.send(new RTCDataChannelBuffer(ByteBuffer.wrap(frame.data()), frame.binary()));
                } catch (Exception e) {
                    throw new IOException("DataChannel send failed: " + e, e);
                }
            } finally {
                guard.unlock();
            }
        }
    }

    /** Completes on the pool, so that nothing chained to it runs on the native thread. */
    private final class SdpObserver implements CreateSessionDescriptionObserver {
        private final CompletableFuture<RTCSessionDescription> f;

        SdpObserver(CompletableFuture<RTCSessionDescription> f) {
            this.f = f;
        }

        @Override
        public void onSuccess(RTCSessionDescription d) {
            handOff(() -> f.complete(d));
        }

        @Override
        public void onFailure(String error) {
            handOff(() -> f.completeExceptionally(new IllegalStateException(error)));
        }
    }

    private final class SetObserver implements SetSessionDescriptionObserver {
        private final CompletableFuture<Void> f;

        SetObserver(CompletableFuture<Void> f) {
            this.f = f;
        }

        @Override
        public void onSuccess() {
            handOff(() -> f.complete(null));
        }

        @Override
        public void onFailure(String error) {
            handOff(() -> f.completeExceptionally(new IllegalStateException(error)));
        }
    }

    private void handOff(Runnable r) {
        try {
            pool.execute(r);
        } catch (Throwable t) {
            LOG.debug("dropping a webrtc result: {}", t.toString());
        }
    }

    /** Thin peer connection observer: catches everything, forwards while the link lives. */
    private static final class PeerShim implements PeerConnectionObserver {
        volatile PeerLink target;

        PeerShim(PeerLink target) {
            this.target = target;
        }

        @Override
        public void onIceCandidate(RTCIceCandidate candidate) {
            try {
                PeerLink t = target;
                if (t != null && candidate != null) {
                    t.post(() -> t.listener.onLocalCandidate(candidate));
                }
            } catch (Throwable e) {
                LOG.warn("onIceCandidate failed: {}", e.toString());
            }
        }

        @Override
        public void onIceGatheringChange(RTCIceGatheringState state) {
            try {
                PeerLink t = target;
                if (t != null && state == RTCIceGatheringState.COMPLETE) {
                    t.post(t.listener::onGatheringComplete);
                }
            } catch (Throwable e) {
                LOG.warn("onIceGatheringChange failed: {}", e.toString());
            }
        }

        @Override
        public void onConnectionChange(RTCPeerConnectionState state) {
            try {
                PeerLink t = target;
                if (t != null) {
                    t.post(() -> t.listener.onConnectionState(state));
                }
            } catch (Throwable e) {
                LOG.warn("onConnectionChange failed: {}", e.toString());
            }
        }

        @Override
        public void onDataChannel(RTCDataChannel channel) {
            try {
                PeerLink t = target;
                if (t != null) {
                    t.onDataChannel(channel);
                }
            } catch (Throwable e) {
                LOG.warn("onDataChannel failed: {}", e.toString());
            }
        }
    }

    /** Thin data channel observer: webrtc-java never releases it, so it holds nothing once the link closes. */
    private static final class ChannelShim implements RTCDataChannelObserver {
        volatile PeerLink target;

        ChannelShim(PeerLink target) {
            this.target = target;
        }

        @Override
        public void onBufferedAmountChange(long previousAmount) {
            // never called by webrtc-java 0.14.0; the writer polls instead
        }

        @Override
        public void onStateChange() {
            try {
                PeerLink t = target;
                RTCDataChannel d = t == null ? null : t.dc;
                if (d != null) {
                    t.onChannelState(d.getState());
                }
            } catch (Throwable e) {
                LOG.warn("onStateChange failed: {}", e.toString());
            }
        }

        @Override
        public void onMessage(RTCDataChannelBuffer buffer) {
            IN_CALLBACK.set(Boolean.TRUE);
            try {
                PeerLink t = target;
                if (t != null) {
                    t.onFrame(buffer);
                }
            } catch (Throwable e) {
                LOG.warn("onMessage failed: {}", e.toString());
            } finally {
                IN_CALLBACK.set(Boolean.FALSE);
            }
        }
    }
}
