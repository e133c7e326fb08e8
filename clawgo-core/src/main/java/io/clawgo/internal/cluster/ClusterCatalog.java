package io.clawgo.internal.cluster;

import io.clawgo.config.ConfigException;
import io.clawgo.spi.cluster.ClusterProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds the cluster provider a gateway is configured with, using {@link ServiceLoader}. */
public final class ClusterCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterCatalog.class);
    private static final Map<String, String> ARTIFACT_HINTS = Map.of("nats", "io.clawgo:clawgo-cluster-nats");

    private ClusterCatalog() {
    }

    /**
     * The best available provider named {@code name}.
     *
     * @throws ConfigException naming the artifact to add and the providers found, when there is none
     */
    public static ClusterProvider require(String name, ClassLoader loader) {
        List<ClusterProvider> found = new ArrayList<>();
        var it = ServiceLoader.load(ClusterProvider.class, loader).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                found.add(it.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                LOG.warn("skipping a cluster provider that failed to load: {}", e.toString());
            }
        }
        TreeSet<String> names = new TreeSet<>();
        List<ClusterProvider> named = new ArrayList<>();
        for (ClusterProvider p : found) {
            try {
                String n = p.name();
                names.add(n);
                if (n.equals(name) && available(p)) {
                    named.add(p);
                }
            } catch (RuntimeException e) {
                LOG.warn("skipping cluster provider {}: {}", p.getClass().getName(), e.toString());
            }
        }
        named.sort(Comparator.comparingInt(ClusterCatalog::priority).reversed());
        if (named.isEmpty()) {
            String hint = ARTIFACT_HINTS.get(name);
            throw new ConfigException("no cluster provider '" + name + "' on the class path"
                    + (hint == null ? "" : "; add " + hint) + " (found: " + String.join(", ", names) + ")");
        }
        return named.get(0);
    }

    private static boolean available(ClusterProvider p) {
        try {
            return p.isAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static int priority(ClusterProvider p) {
        try {
            return p.priority();
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
