package io.clawgo.transport.webrtc;

import java.io.File;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads webrtc-java's native library once per JVM and remembers the outcome. Never throws: a failure is kept as a
 * human-readable reason that names what is missing (the classifier jar, or the shared library the linker could not
 * find, such as {@code libpulse.so.0}).
 */
final class NativeLibrary {
    private static final Logger LOG = LoggerFactory.getLogger(NativeLibrary.class);
    private static final String LIB = "webrtc-java";
    private static final String FACTORY = "dev.onvoid.webrtc.PeerConnectionFactory";

    private static volatile Result result;

    /** The outcome of loading: {@code reason == null} when the library is loaded. */
    record Result(boolean loaded, String reason) {
    }

    private NativeLibrary() {
    }

    /** Loads the library the first time, then returns the cached outcome. */
    static Result load() {
        Result r = result;
        if (r != null) {
            return r;
        }
        synchronized (NativeLibrary.class) {
            if (result == null) {
                result = tryLoad();
                if (!result.loaded()) {
                    LOG.warn("webrtc transport unavailable: {}", result.reason());
                }
            }
            return result;
        }
    }

    /**
     * Checks, without loading anything native, that webrtc-java's classes and this platform's native library are on
     * the class path. Loading happens only when a session is needed ({@link #load()}): a JVM that never opens a
     * session never loads libwebrtc (whose native threads also print noise at JVM exit).
     */
    static Result probe() {
        Result loaded = result;
        if (loaded != null) {
            return loaded;
        }
        String resource;
        try {
            resource = System.mapLibraryName(LIB + "-" + osFamily() + "-" + osArch());
        } catch (IllegalStateException e) {
            return new Result(false, e.getMessage());
        }
        ClassLoader cl = NativeLibrary.class.getClassLoader();
        try {
            Class.forName(FACTORY, false, cl);
        } catch (ClassNotFoundException | LinkageError e) {
            return new Result(false, "webrtc-java classes are missing: add dev.onvoid.webrtc:webrtc-java to the class path");
        }
        if (cl.getResource(resource) == null) {
            return new Result(false, "native library " + resource + " is not on the class path: add "
                    + "dev.onvoid.webrtc:webrtc-java:<version>:" + osFamily() + "-" + osArch()
                    + " (the native classifier jar for this platform)");
        }
        return new Result(true, null);
    }

    private static Result tryLoad() {
        Result probed = probe();
        if (!probed.loaded()) {
            return probed;
        }
        String resource = System.mapLibraryName(LIB + "-" + osFamily() + "-" + osArch());
        ClassLoader cl = NativeLibrary.class.getClassLoader();
        File tmp = new File(System.getProperty("java.io.tmpdir"));
        Set<String> before = leftovers(tmp, resource);
        try {
            // the factory's static initialiser loads the library (webrtc-java's loader is not exported)
            Class.forName(FACTORY, true, cl);
            LOG.debug("loaded native library {}", resource);
            return new Result(true, null);
        } catch (UnsatisfiedLinkError e) {
            cleanUp(tmp, resource, before);
            return new Result(false, "native library " + resource + " cannot be loaded: " + linkerMessage(e)
                    + hint(e.getMessage()));
        } catch (Throwable e) {
            cleanUp(tmp, resource, before);
            Throwable c = e;
            while (c.getCause() != null && c.getCause() != c) {
                c = c.getCause();
            }
            if (c instanceof UnsatisfiedLinkError u) {
                return new Result(false, "native library " + resource + " cannot be loaded: " + linkerMessage(u)
                        + hint(u.getMessage()));
            }
            return new Result(false, "native library " + resource + " cannot be loaded: " + c
                    + " (the loader copies it to java.io.tmpdir=" + tmp + ", which must be writable and not noexec)");
        }
    }

    /** The part of the linker message after the temp file name, e.g. {@code libpulse.so.0: cannot open ...}. */
    private static String linkerMessage(UnsatisfiedLinkError e) {
        String m = String.valueOf(e.getMessage());
        int i = m.indexOf(".so: ");
        return i >= 0 ? m.substring(i + 5) : m;
    }

    static String hint(String message) {
        String m = String.valueOf(message);
        String[][] packages = {
                {"libpulse.so", "libpulse0"}, {"libX11.so", "libx11-6"}, {"libXfixes.so", "libxfixes3"},
                {"libXrandr.so", "libxrandr2"}, {"libXcomposite.so", "libxcomposite1"},
                {"libdbus-1.so", "libdbus-1-3"}, {"libudev.so", "libudev1"}};
        for (String[] p : packages) {
            if (m.contains(p[0])) {
                return " (Debian/Ubuntu: apt-get install " + p[1] + "; the full list is libpulse0 libx11-6 "
                        + "libxfixes3 libxrandr2 libxcomposite1 libdbus-1-3 libudev1)";
            }
        }
        return "";
    }

    /** Temp copies the loader leaves behind when the load fails (it only cleans up on success). */
    private static Set<String> leftovers(File dir, String resource) {
        Set<String> out = new HashSet<>();
        String prefix = prefix(resource);
        String[] names = dir.list();
        if (names != null) {
            for (String n : names) {
                if (n.startsWith(prefix)) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    private static void cleanUp(File dir, String resource, Set<String> before) {
        for (String n : leftovers(dir, resource)) {
            if (!before.contains(n) && new File(dir, n).delete()) {
                LOG.debug("removed the leftover copy {}", n);
            }
        }
    }

    private static String prefix(String resource) {
        int dot = resource.lastIndexOf('.');
        return dot > 0 ? resource.substring(0, dot) : resource;
    }

    /** The OS part of the native classifier, as webrtc-java names it. */
    static String osFamily() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("mac os") || os.startsWith("darwin")) {
            return "macos";
        }
        if (os.startsWith("linux")) {
            return "linux";
        }
        if (os.startsWith("windows")) {
            return "windows";
        }
        throw new IllegalStateException("webrtc-java has no native library for the operating system '" + os + "'");
    }

    /** The CPU part of the native classifier, as webrtc-java names it. */
    static String osArch() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "x86_64", "x86-64", "amd64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            case "arm", "aarch32" -> "aarch32";
            default -> throw new IllegalStateException(
                    "webrtc-java has no native library for the CPU architecture '" + arch + "'");
        };
    }
}
