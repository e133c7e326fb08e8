package io.clawgo.it.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The published jars as the module system sees them: each has a stable automatic module name (from its manifest, not
 * from the file name), and each transport jar provides {@code TransportProvider}, so that {@code ServiceLoader} finds
 * it on the module path as on the class path (core: the HTTP relay). Runs on the jars of a {@code mvn verify} build.
 */
class JarModuleNamesTest {

    @ParameterizedTest
    @CsvSource({
        "io.clawgo.Gateway, io.clawgo.core, io.clawgo.internal.transport.HttpRelayProvider",
        "io.clawgo.transport.ws.WebSocketTunnelProvider, io.clawgo.transport.ws, io.clawgo.transport.ws.WebSocketTunnelProvider",
        "io.clawgo.transport.webrtc.WebRtcProvider, io.clawgo.transport.webrtc, io.clawgo.transport.webrtc.WebRtcProvider",
    })
    void eachJarHasAStableModuleNameAndDeclaresItsProvider(String className, String module, String provider)
            throws Exception {
        Path jar = Path.of(Class.forName(className, false, getClass().getClassLoader())
                .getProtectionDomain().getCodeSource().getLocation().toURI());
        assumeTrue(Files.isRegularFile(jar), className + " was loaded from " + jar
                + ", not from a jar: run through mvn verify");

        Set<ModuleReference> found = ModuleFinder.of(jar).findAll();
        assertThat(found).hasSize(1);
        ModuleDescriptor d = found.iterator().next().descriptor();
        assertThat(d.name()).as("module name of %s", jar.getFileName()).isEqualTo(module);
        assertThat(d.isAutomatic()).isTrue();
        List<String> providers = d.provides().stream()
                .filter(p -> p.service().equals("io.clawgo.spi.TransportProvider"))
                .flatMap(p -> p.providers().stream()).toList();
        assertThat(providers).containsExactly(provider);
    }
}
