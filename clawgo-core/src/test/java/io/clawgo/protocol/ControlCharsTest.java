package io.clawgo.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ControlCharsTest {

    /** The plain definition: some character in the range is below U+0020. */
    private static boolean expected(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) < 0x20) {
                return true;
            }
        }
        return false;
    }

    @Test
    void agreesWithThePlainDefinitionOnLatin1AndOtherStrings() {
        Random rnd = new Random(7);
        // chars whose low byte is below 0x20 (U+4E00..U+4E1F, U+0100..) must not count, nor 0x80..0xFF, nor 0x20
        char[] tricky = {' ', '~', '\u007f', '\u0080', '\u009f', '\u00ff', '\u0100', '\u011f', '\u4e00', '\u4e1f',
            '\u2028', '\uffff'};
        int positives = 0;
        for (int round = 0; round < 5000; round++) {
            int len = rnd.nextInt(4) == 0 ? rnd.nextInt(40) : rnd.nextInt(6000);
            boolean wide = rnd.nextBoolean();
            StringBuilder sb = new StringBuilder(len);
            for (int i = 0; i < len; i++) {
                int pick = rnd.nextInt(10);
                char c = pick == 0 ? tricky[rnd.nextInt(tricky.length)]
                        : wide && pick == 1 ? (char) (0x100 + rnd.nextInt(0xff00)) : (char) ('a' + rnd.nextInt(26));
                sb.append(c);
            }
            int from = len == 0 ? 0 : rnd.nextInt(len);
            int to = from + rnd.nextInt(len - from + 1);
            if (to > from && rnd.nextInt(3) == 0) {
                // one control character, inside the range or just outside it
                int at = Math.max(0, Math.min(len - 1, from - 1 + rnd.nextInt(to - from + 2)));
                sb.setCharAt(at, (char) rnd.nextInt(0x20));
            }
            String s = sb.toString();
            boolean want = expected(s, from, to);
            positives += want ? 1 : 0;
            assertThat(ControlChars.any(s, from, to)).as("round %d [%d, %d) of %d chars", round, from, to, len)
                    .isEqualTo(want);
        }
        assertThat(positives).as("the random cases include strings with a control character").isGreaterThan(1000);
    }

    @Test
    void findsEachControlCharacterAtEveryPositionOfALongString() {
        String plain = "x".repeat(5000); // longer than one chunk
        for (char c = 0; c < 0x20; c++) {
            for (int at : new int[] {0, 7, 8, 2047, 2048, 4999}) {
                String s = plain.substring(0, at) + c + plain.substring(at + 1);
                assertThat(ControlChars.any(s, 0, s.length())).as("U+%04X at %d", (int) c, at).isTrue();
                assertThat(ControlChars.any(s, at + 1, s.length())).as("after U+%04X at %d", (int) c, at).isFalse();
            }
        }
        assertThat(ControlChars.any(plain, 0, plain.length())).isFalse();
        assertThat(ControlChars.any("\u4e00\u4e1f".repeat(100), 0, 200)).isFalse();
    }
}
