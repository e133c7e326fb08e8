package io.clawgo.examples.cli;

import io.clawgo.spi.TransportProvider;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A class loader that shows everything of its parent except some {@link TransportProvider}s: its
 * {@code META-INF/services/io.clawgo.spi.TransportProvider} is one in-memory file listing the parent's providers minus
 * the hidden names (the lines are filtered, so this also works in a shaded jar whose service files were merged).
 *
 * <p>{@code NodeAgent.Builder.build()} looks for node transports through the thread's context class loader, so
 * building a node with this loader as context class loader gives a node that does not offer the hidden transports:
 * how {@code clawgo demo} makes a node that has no {@code webrtc} although the provider is on the class path.
 */
final class HidingTransportsClassLoader extends ClassLoader {
    private static final String SERVICES = "META-INF/services/" + TransportProvider.class.getName();

    private final Set<String> hidden;

    HidingTransportsClassLoader(ClassLoader parent, Set<String> hiddenNames) {
        super("hiding-transports", parent);
        this.hidden = Set.copyOf(hiddenNames);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        if (!SERVICES.equals(name)) {
            return super.getResources(name);
        }
        Set<String> kept = new LinkedHashSet<>();
        for (URL url : Collections.list(getParent().getResources(name))) {
            for (String className : providerClassNames(url)) {
                if (!hidden.contains(providerName(className))) {
                    kept.add(className);
                }
            }
        }
        byte[] content = String.join("\n", kept).getBytes(StandardCharsets.UTF_8);
        URL filtered = new URL(null, "memory:" + SERVICES, new URLStreamHandler() {
            @Override
            protected URLConnection openConnection(URL u) {
                return new URLConnection(u) {
                    @Override
                    public void connect() {
                    }

                    @Override
                    public InputStream getInputStream() {
                        return new ByteArrayInputStream(content);
                    }
                };
            }
        });
        return Collections.enumeration(List.of(filtered));
    }

    /** The provider's {@code name()}, or {@code ""} when it cannot be created (ServiceLoader then reports it). */
    private String providerName(String className) {
        try {
            Class<?> c = Class.forName(className, false, getParent());
            return ((TransportProvider) c.getDeclaredConstructor().newInstance()).name();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return "";
        }
    }

    private static List<String> providerClassNames(URL url) throws IOException {
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(url.openStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                int hash = line.indexOf('#');
                String name = (hash >= 0 ? line.substring(0, hash) : line).trim();
                if (!name.isEmpty()) {
                    out.add(name);
                }
            }
        }
        return out;
    }
}
