package io.clawgo.internal.gateway;

import io.clawgo.protocol.WireCodec;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open server-sent event streams of the web UI ({@code GET /webui/api/events}, {@code text/event-stream}).
 *
 * <p>No thread is held per stream: a stream is a Jetty response that is never completed, written asynchronously by an
 * {@link IteratingCallback}. {@link #publish} encodes an event once and appends it to every stream's queue; writing is
 * started on {@code executor} (the server's thread pool), at most one task per stream at a time, and one write carries
 * everything queued since the last one.
 *
 * <p>Bounds: at most {@code maxStreams} streams (one more is answered 503 {@code too_many_streams}, and the web UI
 * polls instead); at most {@code queueCapacity} events queued per stream: when a stream's client reads too slowly its
 * queue is dropped and it gets one {@code resync} event instead (the client then reloads what it shows). Every
 * {@code keepAliveMillis} an idle stream gets a comment line, which keeps proxies and the connection's idle timeout
 * from closing it and finds clients that are gone (the write fails and the stream is removed). {@link #close()} ends
 * every stream with a {@code bye} event and aborts those that do not finish within {@link #CLOSE_WAIT_MILLIS}.
 */
final class EventStreams implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventStreams.class);
    /** Streams open at once, by default. */
    static final int MAX_STREAMS = 32;
    /** Events queued per stream, by default. */
    static final int QUEUE_CAPACITY = 256;
    /** Keep-alive period, by default. */
    static final long KEEP_ALIVE_MILLIS = 15_000;
    /** How long {@link #close()} waits for streams to end before it aborts them. */
    static final long CLOSE_WAIT_MILLIS = 500;
    /** What a client waits before it reconnects (the SSE {@code retry} field). */
    static final long RETRY_MILLIS = 3_000;
    /** Error code of the 503 answer at the stream limit. */
    static final String TOO_MANY = "too_many_streams";
    /** Bytes one write carries at most (more stays queued for the next write). */
    private static final int MAX_BATCH_CHARS = 64 * 1024;

    private final Executor executor;
    private final int maxStreams;
    private final int queueCapacity;
    private final long keepAliveMillis;
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private final AtomicLong sequence = new AtomicLong();
    private final ScheduledFuture<?> keepAlive;
    private volatile boolean closed;
    /** Runs on the opening thread before a new stream gets its {@code hello}. */
    private volatile Runnable onOpen = () -> { };

    /**
     * @param executor        runs the writes (the server's thread pool)
     * @param scheduler       runs the keep-alive timer
     * @param maxStreams      streams open at once
     * @param queueCapacity   events queued per stream before it is resynchronised
     * @param keepAliveMillis period of the keep-alive comment
     */
    EventStreams(Executor executor, ScheduledExecutorService scheduler, int maxStreams, int queueCapacity,
                 long keepAliveMillis) {
        this.executor = executor;
        this.maxStreams = maxStreams;
        this.queueCapacity = queueCapacity;
        this.keepAliveMillis = keepAliveMillis;
        this.keepAlive = scheduler.scheduleWithFixedDelay(this::keepAlive, keepAliveMillis, keepAliveMillis,
                TimeUnit.MILLISECONDS);
    }

    /**
     * Sets what runs when a stream opens, on the thread that opens it, before the stream's {@code hello}: a source of
     * events can take its starting point there, so that every change after the {@code hello} is sent.
     */
    void onOpen(Runnable hook) {
        this.onOpen = hook;
    }

    /** Streams open now. */
    int size() {
        return streams.size();
    }

    /** Whether any stream is open (publishers skip building events otherwise). */
    boolean active() {
        return !streams.isEmpty();
    }

    /**
     * Opens a stream on this request: headers, a {@code retry} field and a {@code hello} event go out at once, and the
     * response stays open until the client leaves or the gateway closes. 503 when {@code maxStreams} are open.
     */
    void open(Request request, Response response, Callback callback) {
        Stream s;
        synchronized (streams) {
            if (closed) {
                HttpIo.error(response, callback, 503, "unavailable", "the gateway is closing");
                return;
            }
            if (streams.size() >= maxStreams) {
                response.getHeaders().put(HttpHeader.RETRY_AFTER, "30");
                HttpIo.error(response, callback, 503, TOO_MANY, "this gateway serves at most " + maxStreams
                        + " event streams at once; poll GET /webui/api/nodes instead, or retry later");
                return;
            }
            s = new Stream(response, callback);
            streams.add(s);
        }
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put("X-Accel-Buffering", "no"); // a reverse proxy must not hold events back
        request.addFailureListener(s::abort);
        try {
            onOpen.run();
        } catch (RuntimeException e) {
            LOG.warn("event stream open hook failed: {}", e.toString());
        }
        Map<String, Object> hello = new LinkedHashMap<>();
        hello.put("keep_alive_sec", keepAliveMillis / 1000.0);
        hello.put("queue", queueCapacity);
        s.offer("retry: " + RETRY_MILLIS + "\n" + frame("hello", hello));
    }

    /** Sends an event to every open stream; returns at once (the writes happen on the executor). */
    void publish(String type, Map<String, Object> data) {
        if (streams.isEmpty()) {
            return;
        }
        String frame = frame(type, data);
        for (Stream s : streams) {
            s.offer(frame);
        }
    }

    private String frame(String type, Map<String, Object> data) {
        return "event: " + type + "\nid: " + sequence.incrementAndGet() + "\ndata: " + WireCodec.get().toJson(data)
                + "\n\n";
    }

    private void keepAlive() {
        for (Stream s : streams) {
            s.keepAlive();
        }
    }

    @Override
    public void close() {
        synchronized (streams) {
            closed = true;
        }
        keepAlive.cancel(false);
        for (Stream s : streams) {
            s.finish();
        }
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
        while (!streams.isEmpty() && System.nanoTime() < until) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Stream s : streams) {
            s.abort(new EOFException("gateway closing"));
        }
        streams.clear();
    }

    /** One client's stream: a bounded queue of encoded events, written by this callback one batch at a time. */
    private final class Stream extends IteratingCallback {
        private final Response response;
        private final Callback callback;
        private final ArrayDeque<String> queue = new ArrayDeque<>();
        private final AtomicBoolean wakePending = new AtomicBoolean();
        private long dropped;
        private boolean resync;
        private boolean ping;
        private boolean finishing;
        private boolean lastWritten;

        Stream(Response response, Callback callback) {
            this.response = response;
            this.callback = callback;
        }

        void offer(String frame) {
            synchronized (this) {
                if (finishing) {
                    return;
                }
                if (queue.size() >= queueCapacity) {
                    dropped += queue.size() + 1;
                    queue.clear();
                    resync = true;
                } else {
                    queue.add(frame);
                }
            }
            wake();
        }

        void keepAlive() {
            synchronized (this) {
                if (!queue.isEmpty() || resync) {
                    return; // a write is coming anyway
                }
                ping = true;
            }
            wake();
        }

        void finish() {
            synchronized (this) {
                finishing = true;
            }
            wake();
        }

        /** Runs {@link #iterate()} on the executor; at most one such task is queued per stream. */
        private void wake() {
            if (!wakePending.compareAndSet(false, true)) {
                return;
            }
            try {
                executor.execute(() -> {
                    wakePending.set(false);
                    iterate();
                });
            } catch (RejectedExecutionException e) {
                wakePending.set(false);
                abort(e);
            }
        }

        @Override
        protected Action process() {
            StringBuilder out = new StringBuilder();
            boolean last;
            synchronized (this) {
                if (lastWritten) {
                    return Action.SUCCEEDED;
                }
                if (resync) {
                    resync = false;
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("reason", "queue_overflow");
                    r.put("dropped", dropped);
                    out.append(frame("resync", r));
                }
                while (!queue.isEmpty() && out.length() < MAX_BATCH_CHARS) {
                    out.append(queue.poll());
                }
                if (out.length() == 0 && ping) {
                    out.append(": keep-alive\n\n");
                }
                ping = false;
                last = finishing && queue.isEmpty();
                if (last) {
                    lastWritten = true;
                    out.append(frame("bye", Map.of("reason", "gateway closing")));
                }
            }
            if (out.length() == 0) {
                return Action.IDLE;
            }
            response.write(last, ByteBuffer.wrap(out.toString().getBytes(StandardCharsets.UTF_8)), this);
            return Action.SCHEDULED;
        }

        @Override
        protected void onCompleteSuccess() {
            streams.remove(this);
            callback.succeeded();
        }

        @Override
        protected void onCompleteFailure(Throwable cause) {
            streams.remove(this);
            LOG.debug("event stream ended: {}", cause.toString());
            callback.failed(cause);
        }
    }
}
