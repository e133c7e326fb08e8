package io.clawgo.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Temporary directories of tests and benchmarks that are not JUnit's {@code @TempDir}. */
public final class TempDirs {
    private TempDirs() {
    }

    /**
     * Deletes {@code dir} and everything under it; a missing directory is fine, and what cannot be deleted (a file
     * still open elsewhere) is left behind rather than failing the caller.
     *
     * @param dir the directory, or {@code null} for nothing
     * @return whether nothing is left
     */
    public static boolean deleteQuietly(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return true;
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(dir)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        } catch (IOException e) {
            return false;
        }
        boolean all = true;
        for (Path p : paths) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                all = false;
            }
        }
        return all;
    }
}
