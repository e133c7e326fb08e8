package io.clawgo.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The diff that an API mismatch shows: the changed lines with a little context, not the whole file. */
class ApiSignaturesTest {
    @Test
    void theDiffShowsChangedLinesWithContext() {
        String before = "class A {\n\tm1()\n\tm2()\n\tm3()\n\tm4()\n\tm5()\n\tm6()\n\tm7()\n\tm8()\n\tm9()\n}\n";
        String after = "class A {\n\tm1()\n\tm2()\n\tm3(int)\n\tm4()\n\tm5()\n\tm6()\n\tm7()\n\tm8()\n\tm9()\n"
                + "\tm10()\n}\n";
        String diff = ApiSignatures.diff(before, after);
        assertThat(diff).isEqualTo("     m1()\n     m2()\n-    m3()\n+    m3(int)\n     m4()\n     m5()\n"
                + "...\n     m8()\n     m9()\n+    m10()\n }\n");
        assertThat(ApiSignatures.diff(before, before)).isEmpty();
        assertThat(ApiSignatures.diff(before, before + "\n")).isEqualTo("(only trailing blank lines differ)\n");
    }
}
