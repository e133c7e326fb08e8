package io.clawgo.transport.webrtc;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.spi.TransportProvider;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Discovery and the availability check (the native library loads on this platform; no peers needed). */
class WebRtcProviderTest {

    @Test
    void discoveredByServiceLoaderWithNameAndPriority() {
        TransportProvider p = ServiceLoader.load(TransportProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(x -> x.name().equals("webrtc")).findFirst().orElseThrow();
        assertThat(p).isInstanceOf(WebRtcProvider.class);
        assertThat(p.priority()).isEqualTo(4);
    }

    @Test
    void availableHereAndTheSharedFactoryComesAndGoes() {
        WebRtcProvider p = new WebRtcProvider();
        assertThat(p.isAvailable()).as("%s", p.unavailableReason()).isTrue();
        assertThat(p.unavailableReason()).isNull();
        int before = SharedFactory.users();
        try (SharedFactory.Lease a = SharedFactory.acquire(); SharedFactory.Lease b = SharedFactory.acquire()) {
            assertThat(a.factory()).isSameAs(b.factory());
            assertThat(SharedFactory.users()).isEqualTo(before + 2);
        }
        assertThat(SharedFactory.users()).isEqualTo(before);
    }

    @Test
    void linkerFailuresNameTheDebianPackage() {
        assertThat(NativeLibrary.hint("/tmp/libwebrtc-java-linux-x86_641.so: libpulse.so.0: cannot open shared "
                + "object file")).contains("apt-get install libpulse0");
        assertThat(NativeLibrary.hint("libXfixes.so.3: cannot open")).contains("libxfixes3");
        assertThat(NativeLibrary.hint("something else")).isEmpty();
        assertThat(NativeLibrary.osFamily() + "-" + NativeLibrary.osArch()).isEqualTo("linux-x86_64");
    }
}
