package io.clawgo.it.scale;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** The HTTP clients simulated nodes share, round robin, on one small executor. */
final class Clients implements AutoCloseable {
    private final HttpClient[] clients;
    private final ExecutorService exec;
    private final AtomicInteger next = new AtomicInteger();

    Clients(int n) {
        exec = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
                ScaleBench.daemon("sim-node"));
        clients = new HttpClient[n];
        for (int i = 0; i < n; i++) {
            clients[i] = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(exec)
                    .connectTimeout(Duration.ofSeconds(20)).build();
        }
    }

    HttpClient next() {
        return clients[Math.floorMod(next.getAndIncrement(), clients.length)];
    }

    @Override
    public void close() {
        exec.shutdownNow();
    }
}
