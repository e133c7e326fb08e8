package io.clawgo.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * A class loader that shows one more provider of a service to {@link java.util.ServiceLoader} than the class path
 * lists: for a test provider that must not be in {@code src/test/resources/META-INF/services}, where every other test
 * of the module would find it too.
 */
public final class ExtraServices {
    private ExtraServices() {
    }

    /**
     * @param service  the service interface, for example {@code TransportProvider.class}
     * @param provider the extra provider class
     * @return a class loader (child of the provider's) whose services file for {@code service} also names
     *         {@code provider}
     */
    public static ClassLoader loader(Class<?> service, Class<?> provider) {
        URL extra = servicesFile(provider);
        String resource = "META-INF/services/" + service.getName();
        return new ClassLoader(provider.getClassLoader()) {
            @Override
            public Enumeration<URL> getResources(String name) throws IOException {
                if (!name.equals(resource)) {
                    return super.getResources(name);
                }
                List<URL> urls = new ArrayList<>(Collections.list(super.getResources(name)));
                urls.add(extra);
                return Collections.enumeration(urls);
            }
        };
    }

    private static URL servicesFile(Class<?> provider) {
        try {
            Path f = Files.createTempFile("clawgo-test-services", ".txt");
            f.toFile().deleteOnExit();
            Files.writeString(f, provider.getName() + "\n");
            return f.toUri().toURL();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
