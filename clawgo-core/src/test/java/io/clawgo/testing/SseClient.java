package io.clawgo.testing;

import io.clawgo.protocol.WireCodec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A server-sent events client for tests: a real HTTP GET (the JDK client, Bearer token), its body parsed on a thread
 * of its own into events and comment lines, read with timeouts. Not for production: it keeps every event until read.
 */
public final class SseClient implements AutoCloseable {
    /** One event: its {@code event} type, {@code id} and {@code data}. */
    public record Event(String type, String id, String data) {
        /** The data decoded as a JSON object. */
        public Map<String, Object> json() {
            try {
                return WireCodec.get().decodeMap(data, 1 << 20);
            } catch (Exception e) {
                throw new AssertionError("event data is not a JSON object: " + data, e);
            }
        }
    }

    private static final Event END = new Event("<end of stream>", null, null);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private final int status;
    private final String contentType;
    private final InputStream body;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final AtomicInteger comments = new AtomicInteger();
    private volatile String retry;
    private volatile boolean ended;
    private final String errorBody;

    private SseClient(HttpResponse<InputStream> r) throws IOException {
        this.status = r.statusCode();
        this.contentType = r.headers().firstValue("Content-Type").orElse("");
        this.body = r.body();
        if (status != 200) {
            errorBody = new String(body.readAllBytes(), StandardCharsets.UTF_8);
            ended = true;
            return;
        }
        errorBody = null;
        Thread reader = new Thread(this::read, "sse-client");
        reader.setDaemon(true);
        reader.start();
    }

    /** Opens {@code url} with {@code token} (or none); returns once the response headers arrived (within 10 s). */
    public static SseClient open(String url, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET().header("Accept", "text/event-stream");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return new SseClient(HTTP.sendAsync(b.build(), HttpResponse.BodyHandlers.ofInputStream())
                .orTimeout(10, TimeUnit.SECONDS).join());
    }

    public int status() {
        return status;
    }

    public String contentType() {
        return contentType;
    }

    /** The body of a non-200 answer. */
    public String errorBody() {
        return errorBody;
    }

    /** The {@code retry} field, once seen. */
    public String retry() {
        return retry;
    }

    /** Comment lines (keep-alives) seen so far. */
    public int comments() {
        return comments.get();
    }

    /** Whether the server ended the stream. */
    public boolean ended() {
        return ended;
    }

    /** The next event, or {@code null} after {@code timeout} or at the end of the stream. */
    public Event next(Duration timeout) throws InterruptedException {
        Event e = events.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (e == END) {
            events.add(END); // stays the end for later calls
            return null;
        }
        return e;
    }

    /** The first event that matches, skipping others; {@code null} if none within {@code timeout}. */
    public Event await(Duration timeout, Predicate<Event> match) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            Event e = next(Duration.ofNanos(left));
            if (e == null) {
                return null;
            }
            if (match.test(e)) {
                return e;
            }
        }
    }

    /** The first event of {@code type} whose JSON data holds {@code key} = {@code value}, within {@code timeout}. */
    public Event await(Duration timeout, String type, String key, Object value) throws InterruptedException {
        return await(timeout, e -> e.type().equals(type) && value.equals(e.json().get(key)));
    }

    /** Waits until the server ends the stream; whether it did within {@code timeout}. */
    public boolean awaitEnd(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!ended && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        return ended;
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String type = "message";
            String id = null;
            StringBuilder data = null;
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null) {
                        events.add(new Event(type, id, data.toString()));
                    }
                    type = "message";
                    data = null;
                } else if (line.startsWith(":")) {
                    comments.incrementAndGet();
                } else if (line.startsWith("event:")) {
                    type = line.substring(6).trim();
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).trim();
                } else if (line.startsWith("retry:")) {
                    retry = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    String d = line.substring(5);
                    d = d.startsWith(" ") ? d.substring(1) : d;
                    data = data == null ? new StringBuilder(d) : data.append('\n').append(d);
                }
            }
        } catch (IOException e) {
            // closed by us or by the server
        } finally {
            ended = true;
            events.add(END);
        }
    }

    /** Closes the connection (the server sees the client leave). */
    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
