package io.clawgo.transport.webrtc;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one {@link PeerConnectionFactory} of this JVM, shared by every gateway and node transport in it and disposed
 * when the last of them lets go.
 *
 * <p>Why one: each factory starts native threads and leaks two of them when disposed, and all callbacks of a factory
 * run on its single signalling thread. Why headless: {@code new PeerConnectionFactory()} initialises the platform audio
 * device and aborts the JVM on a machine without one. Why disposed at the end: its signalling thread is attached to the
 * JVM as a non-daemon thread, so the JVM cannot exit while the factory lives.
 */
final class SharedFactory {
    private static final Logger LOG = LoggerFactory.getLogger(SharedFactory.class);

    private static HeadlessAudioDeviceModule adm;
    private static PeerConnectionFactory factory;
    private static int users;

    private SharedFactory() {
    }

    /** A claim on the shared factory; {@link #close()} releases it (idempotent). */
    static final class Lease implements AutoCloseable {
        private final PeerConnectionFactory factory;
        private boolean released;

        private Lease(PeerConnectionFactory factory) {
            this.factory = factory;
        }

        PeerConnectionFactory factory() {
            return factory;
        }

        @Override
        public void close() {
            synchronized (SharedFactory.class) {
                if (released) {
                    return;
                }
                released = true;
                release();
            }
        }
    }

    /**
     * Takes a claim, creating the factory on first use. Must not be called on a webrtc callback thread.
     *
     * @throws IllegalStateException when the native library is not available
     */
    static synchronized Lease acquire() {
        if (factory == null) {
            NativeLibrary.Result lib = NativeLibrary.load();
            if (!lib.loaded()) {
                throw new IllegalStateException(lib.reason());
            }
            long t0 = System.nanoTime();
            HeadlessAudioDeviceModule a = new HeadlessAudioDeviceModule();
            try {
                factory = new PeerConnectionFactory(a);
            } catch (RuntimeException | Error e) {
                a.dispose();
                throw e;
            }
            adm = a;
            LOG.debug("created the shared PeerConnectionFactory in {} ms", (System.nanoTime() - t0) / 1_000_000);
        }
        users++;
        return new Lease(factory);
    }

    /** How many leases are open (for tests). */
    static synchronized int users() {
        return users;
    }

    private static void release() {
        users--;
        if (users > 0 || factory == null) {
            return;
        }
        try {
            factory.dispose();
        } catch (RuntimeException | Error e) {
            LOG.warn("disposing the PeerConnectionFactory failed: {}", e.toString());
        }
        try {
            adm.dispose();
        } catch (RuntimeException | Error e) {
            LOG.warn("disposing the audio device module failed: {}", e.toString());
        }
        factory = null;
        adm = null;
        LOG.debug("disposed the shared PeerConnectionFactory");
    }
}
