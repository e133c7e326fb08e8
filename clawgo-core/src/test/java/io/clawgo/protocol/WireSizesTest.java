package io.clawgo.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WireSizesTest {

    @Test
    void countsUtf8BytesAsTheEncoderWould() {
        for (String s : new String[] {"", "abc", "é", "€", "😀", "a😀é€z", "x".repeat(1000) + "€"}) {
            assertThat(WireSizes.utf8Length(s)).as(s).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
        }
        // an unpaired surrogate is 3 bytes (the encoder would write one '?')
        assertThat(WireSizes.utf8Length("\uD83D")).isEqualTo(3);
        assertThat(WireSizes.utf8Length("\uDE00x")).isEqualTo(4);
    }

    @Test
    void fitsExactlyAtTheLimit() {
        String euros = "€".repeat(10); // 30 bytes, 10 chars
        assertThat(WireSizes.fits(euros, 30)).isTrue();
        assertThat(WireSizes.fits(euros, 29)).isFalse();
        assertThat(WireSizes.fits("abc", 3)).isTrue();
        assertThat(WireSizes.fits("abcd", 3)).isFalse();
    }

    @Test
    void checkSizeNamesBothSizes() throws ProtocolException {
        WireSizes.checkSize("€€", 6);
        assertThatThrownBy(() -> WireSizes.checkSize("€€", 5))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCodes.PAYLOAD_TOO_LARGE))
                .hasMessage("message of 6 bytes exceeds the limit of 5 bytes");
    }
}
