package io.clawgo.it;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository is, for tests that run its scripts or use what other modules built. */
public final class Repo {
    private Repo() {
    }

    /**
     * The repository root: the first ancestor of the module directory (Surefire's {@code basedir}, else the working
     * directory) that holds {@code docs/e2e/seed-e2e.sh}.
     *
     * @return the root
     * @throws IllegalStateException when there is none
     */
    public static Path root() {
        String basedir = System.getProperty("basedir");
        Path start = Path.of(basedir != null ? basedir : System.getProperty("user.dir")).toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("docs/e2e/seed-e2e.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException("docs/e2e/seed-e2e.sh not found above " + start);
    }
}
