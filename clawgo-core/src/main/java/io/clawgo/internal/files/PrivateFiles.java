package io.clawgo.internal.files;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's data directory and the files in it are private to the user that runs it, where the file system has
 * POSIX permissions: the node state holds node tokens, the audits hold whole tasks and results.
 *
 * <ul>
 *   <li>a directory the gateway creates (the data directory, and any missing parent on the way) is {@code 0700};</li>
 *   <li>an existing data directory is left as it is (the operator chose it, and it may be shared, for example the
 *       working directory), but a WARN says so once when group or others may read or enter it;</li>
 *   <li>every file the gateway writes there is {@code 0600}: created so (no window with the umask's mode), and an
 *       existing one with more bits (from an older version) is tightened to {@code 0600}, with an INFO line.</li>
 * </ul>
 * Elsewhere (Windows) the files inherit the directory's ACLs, and nothing here changes them.
 */
public final class PrivateFiles {
    private static final Logger LOG = LoggerFactory.getLogger(PrivateFiles.class);

    /** {@code rw-------}. */
    public static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");
    /** {@code rwx------}. */
    public static final Set<PosixFilePermission> OWNER_RWX = PosixFilePermissions.fromString("rwx------");

    private static final Set<PosixFilePermission> GROUP_OTHER = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    /** Directories already warned about in this JVM (the state file and three audits each look at the same one). */
    private static final Set<Path> WARNED = ConcurrentHashMap.newKeySet();

    private PrivateFiles() {
    }

    /**
     * Whether {@code p}'s file system has POSIX permissions.
     *
     * @param p any path of the file system
     * @return {@code true} on Linux, macOS and the like
     */
    public static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /**
     * The attribute that creates a file {@code 0600}, or none where permissions are not POSIX.
     *
     * @param p the file to create
     * @return attributes for {@code Files.createFile}, {@code FileChannel.open} and the like
     */
    public static FileAttribute<?>[] ownerOnlyFile(Path p) {
        return posix(p) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_RW)}
                : new FileAttribute<?>[0];
    }

    /**
     * Makes sure {@code dir} exists: creates it (and missing parents) {@code 0700}, or, when it exists and group or
     * others may use it, warns once per JVM without changing it.
     *
     * @param dir the directory
     * @throws IOException when it cannot be created
     */
    public static void directory(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        if (!Files.isDirectory(abs)) {
            try {
                if (posix(abs)) {
                    Files.createDirectories(abs, PosixFilePermissions.asFileAttribute(OWNER_RWX));
                } else {
                    Files.createDirectories(abs);
                }
                LOG.debug("created data directory {} (owner only)", abs);
                return;
            } catch (FileAlreadyExistsException e) {
                // made by another thread or process in between: look at it as at any existing one
            }
        }
        if (!posix(abs)) {
            return;
        }
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(abs);
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot read the permissions of {}: {}", abs, e.toString());
            return;
        }
        if (perms.stream().anyMatch(GROUP_OTHER::contains) && WARNED.add(abs.normalize())) {
            LOG.warn("data directory {} is open to group or others ({}): it holds node tokens and task audits. "
                    + "Its files are owner-only (0600), but their names and sizes are visible; run "
                    + "'chmod 700 {}' unless it is shared on purpose", abs, PosixFilePermissions.toString(perms), abs);
        }
    }

    /**
     * Tightens an existing file to {@code 0600} when group or others have any permission on it (POSIX only; a
     * missing file is fine). Best effort: a file whose permissions cannot be read or changed (another owner) gets a
     * WARN and is used as it is.
     *
     * @param file the file
     */
    public static void restrict(Path file) {
        if (file == null || !posix(file)) {
            return;
        }
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(file);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot read the permissions of {}: {}", file, e.toString());
            return;
        }
        if (perms.stream().anyMatch(GROUP_OTHER::contains)) {
            try {
                Files.setPosixFilePermissions(file, OWNER_RW);
                LOG.info("made {} owner-only (0600; it was {})", file, PosixFilePermissions.toString(perms));
            } catch (IOException | RuntimeException e) {
                LOG.warn("{} is open to group or others ({}) and cannot be made owner-only: {}", file,
                        PosixFilePermissions.toString(perms), e.toString());
            }
        }
    }
}
