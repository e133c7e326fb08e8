package io.clawgo.internal.transport;

import io.clawgo.config.ConfigException;
import io.clawgo.spi.TransportProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The transport providers found on the class path with {@link ServiceLoader}, by name. */
public final class TransportCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(TransportCatalog.class);

    /** Name of the HTTP relay that core ships. */
    public static final String HTTP_RELAY = "http_relay";

    private static final Map<String, String> ARTIFACT_HINTS = Map.of(
            "websocket_tunnel", "io.clawgo:clawgo-transport-ws",
            "webrtc", "io.clawgo:clawgo-transport-webrtc");

    private final Map<String, List<TransportProvider>> byName;

    private TransportCatalog(Map<String, List<TransportProvider>> byName) {
        this.byName = byName;
    }

    /** Loads every provider visible to {@code loader}. A provider that fails to load is logged and skipped. */
    public static TransportCatalog load(ClassLoader loader) {
        Map<String, List<TransportProvider>> byName = new LinkedHashMap<>();
        var it = ServiceLoader.load(TransportProvider.class, loader).iterator();
        while (true) {
            TransportProvider p;
            try {
                if (!it.hasNext()) {
                    break;
                }
                p = it.next();
            } catch (ServiceConfigurationError | LinkageError e) {
                LOG.warn("skipping a transport provider that failed to load: {}", e.toString());
                continue;
            }
            String name;
            try {
                name = p.name();
            } catch (RuntimeException e) {
                LOG.warn("skipping transport provider {}: name() failed: {}", p.getClass().getName(), e.toString());
                continue;
            }
            byName.computeIfAbsent(name, k -> new ArrayList<>()).add(p);
        }
        byName.values().forEach(list -> list.sort(Comparator.comparingInt(TransportCatalog::safePriority).reversed()));
        return new TransportCatalog(byName);
    }

    /** Names found, sorted. */
    public List<String> names() {
        return List.copyOf(new TreeSet<>(byName.keySet()));
    }

    /** Every provider, best first within a name. */
    public List<TransportProvider> all() {
        List<TransportProvider> out = new ArrayList<>();
        byName.values().forEach(out::addAll);
        return out;
    }

    /** The best available provider of every name (unavailable ones are logged with their reason). */
    public List<TransportProvider> bestAvailable() {
        List<TransportProvider> out = new ArrayList<>();
        for (Map.Entry<String, List<TransportProvider>> e : byName.entrySet()) {
            Optional<TransportProvider> p = find(e.getKey());
            if (p.isPresent()) {
                out.add(p.get());
            } else {
                LOG.info("transport {} is not available here: {}", e.getKey(), reason(e.getValue().get(0)));
            }
        }
        return out;
    }

    /** The best available provider called {@code name}. */
    public Optional<TransportProvider> find(String name) {
        return byName.getOrDefault(name, List.of()).stream().filter(TransportCatalog::safeAvailable).findFirst();
    }

    /**
     * The provider for {@code name}, or a {@link ConfigException} saying what to add (and which names were found),
     * or why the provider cannot run here.
     */
    public TransportProvider require(String name) {
        List<TransportProvider> candidates = byName.getOrDefault(name, List.of());
        if (candidates.isEmpty()) {
            String hint = ARTIFACT_HINTS.containsKey(name) ? "; add " + ARTIFACT_HINTS.get(name) : "";
            throw new ConfigException("gateway.nodes.p2p.transport: no transport '" + name + "' on the class path"
                    + hint + " (found: " + String.join(", ", names()) + ")");
        }
        return find(name).orElseThrow(() -> new ConfigException("gateway.nodes.p2p.transport: transport '" + name
                + "' is not available here: " + reason(candidates.get(0))));
    }

    /** The best available provider other than the relay, by priority: what {@code transport: ""} picks. */
    public Optional<TransportProvider> bestP2p() {
        // by priority first, so that lower-priority providers are not even probed
        return byName.entrySet().stream()
                .filter(e -> !e.getKey().equals(HTTP_RELAY))
                .flatMap(e -> e.getValue().stream())
                .sorted(Comparator.comparingInt(TransportCatalog::safePriority).reversed())
                .filter(TransportCatalog::safeAvailable)
                .findFirst();
    }

    private static String reason(TransportProvider p) {
        try {
            String r = p.unavailableReason();
            return r == null || r.isBlank() ? "isAvailable() is false" : r;
        } catch (RuntimeException e) {
            return e.toString();
        }
    }

    static boolean safeAvailable(TransportProvider p) {
        try {
            return p.isAvailable();
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("transport provider {} failed isAvailable(): {}", p.getClass().getName(), e.toString());
            return false;
        }
    }

    private static int safePriority(TransportProvider p) {
        try {
            return p.priority();
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
