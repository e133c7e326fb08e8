package io.clawgo.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The public API of a module as sorted text, compared with a baseline checked into the module
 * ({@code <module>/api/<module>.api}), so that a change of the API fails the build until it is declared by
 * regenerating the file (which then shows in review).
 *
 * <p>What counts: every public type of the module's compiled classes outside {@code .internal} packages (a nested
 * type only when every enclosing type is public or protected), with its modifiers, kind, type parameters,
 * superclass, interfaces and permitted subclasses; its public constructors, methods and fields, and its protected ones
 * when the type is not final (a subclass can reach them); signatures with generic types, varargs, checked exceptions
 * and {@code @Deprecated}. Not covered: constant values, annotations other than {@code @Deprecated}, parameter names,
 * and public methods that a public type inherits from a non-public superclass. Synthetic and bridge members are left
 * out.
 *
 * <p>Why not japicmp or revapi: both compare two jars, an old one (a released artifact, or a jar checked in) and the
 * new one; neither reads a text baseline, and no release of clawgo-java exists. A text file is also what a reviewer can
 * read in a diff.
 *
 * <p>Regenerate a baseline with {@code -Dclawgo.api.update=true} (see {@code docs/architecture.md}, "API
 * compatibility"). Classes are loaded without being initialised; not thread-safe (a test helper).
 */
public final class ApiSignatures {
    /** The system property that makes {@link #assertMatchesBaseline} write the baseline instead of comparing. */
    public static final String UPDATE_PROPERTY = "clawgo.api.update";

    private ApiSignatures() {
    }

    /**
     * Compares the API of the module whose classes hold {@code anchor} with its baseline, or writes the baseline when
     * the system property {@value #UPDATE_PROPERTY} is {@code true}.
     *
     * @param module the Maven module name, for example {@code clawgo-core}: the baseline is
     *               {@code api/<module>.api} under the module's directory
     * @param anchor any class of the module's main classes, to find them
     * @throws AssertionError with a diff and the command that regenerates the baseline, when they differ
     */
    public static void assertMatchesBaseline(String module, Class<?> anchor) {
        Path classes = classesDir(anchor);
        String actual = dump(classes, anchor.getClassLoader());
        Path baseline = moduleDir().resolve("api").resolve(module + ".api");
        String command = "mvn -B -pl " + module + " -am test -Dtest=ApiSignatureTest"
                + " -Dsurefire.failIfNoSpecifiedTests=false -D" + UPDATE_PROPERTY + "=true";
        try {
            if (Boolean.getBoolean(UPDATE_PROPERTY)) {
                Files.createDirectories(baseline.getParent());
                Files.writeString(baseline, actual, StandardCharsets.UTF_8);
                return;
            }
            if (!Files.exists(baseline)) {
                throw new AssertionError("no API baseline " + baseline + " for " + module + "; create it with\n  "
                        + command);
            }
            String expected = Files.readString(baseline, StandardCharsets.UTF_8).replace("\r\n", "\n");
            if (!expected.equals(actual)) {
                throw new AssertionError("the public API of " + module + " differs from its baseline " + baseline
                        + " (- baseline, + now):\n" + diff(expected, actual)
                        + "\nIf the change is meant, declare it: regenerate the baseline with\n  " + command
                        + "\n(or for all modules: mvn -B test -Dtest=ApiSignatureTest"
                        + " -Dsurefire.failIfNoSpecifiedTests=false -D" + UPDATE_PROPERTY + "=true)"
                        + "\nand commit the file; say in CHANGELOG.md what changed for users of the API.");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The API text of the classes under {@code classes}.
     *
     * @param classes a directory of compiled classes
     * @param loader  a class loader that sees them and their dependencies
     * @return one block per public type, types and members sorted, lines ending in {@code \n}
     */
    public static String dump(Path classes, ClassLoader loader) {
        TreeMap<String, String> types = new TreeMap<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).collect(Collectors.toList())) {
                String rel = classes.relativize(f).toString().replace(f.getFileSystem().getSeparator(), ".");
                String name = rel.substring(0, rel.length() - ".class".length());
                if (name.endsWith("package-info") || name.endsWith("module-info") || name.contains(".internal.")) {
                    continue;
                }
                Class<?> c = Class.forName(name, false, loader);
                if (isApi(c)) {
                    types.put(c.getName(), type(c));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        return String.join("", types.values());
    }

    /** Public, not synthetic, not local or anonymous, and every enclosing type public or protected. */
    private static boolean isApi(Class<?> c) {
        if (c.isSynthetic() || c.isAnonymousClass() || c.isLocalClass()) {
            return false;
        }
        for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
            int m = k.getModifiers();
            boolean visible = k.getDeclaringClass() == null ? Modifier.isPublic(m)
                    : Modifier.isPublic(m) || (Modifier.isProtected(m) && !Modifier.isFinal(k.getDeclaringClass()
                            .getModifiers()));
            if (!visible) {
                return false;
            }
        }
        return true;
    }

    private static String type(Class<?> c) {
        StringBuilder head = new StringBuilder();
        if (c.isAnnotationPresent(Deprecated.class)) {
            head.append("@Deprecated ");
        }
        int m = c.getModifiers();
        head.append(Modifier.isPublic(m) ? "public " : "protected ");
        if (c.getDeclaringClass() != null && Modifier.isStatic(m) && !c.isInterface() && !c.isEnum()
                && !c.isRecord()) {
            head.append("static ");
        }
        if (Modifier.isAbstract(m) && !c.isInterface()) {
            head.append("abstract ");
        }
        if (Modifier.isFinal(m) && !c.isEnum() && !c.isRecord()) {
            head.append("final ");
        }
        boolean extendsSealed = (c.getSuperclass() != null && c.getSuperclass().isSealed())
                || Arrays.stream(c.getInterfaces()).anyMatch(Class::isSealed);
        if (c.isSealed()) {
            head.append("sealed ");
        } else if (extendsSealed && !Modifier.isFinal(m) && !c.isRecord() && !c.isEnum()) {
            head.append("non-sealed ");
        }
        head.append(c.isAnnotation() ? "@interface " : c.isInterface() ? "interface " : c.isEnum() ? "enum "
                : c.isRecord() ? "record " : "class ");
        head.append(c.getName()).append(typeParameters(c.getTypeParameters()));
        Type sup = c.getGenericSuperclass();
        if (sup != null && sup != Object.class && sup != Record.class
                && !(c.isEnum() && c.getSuperclass() == Enum.class)) {
            head.append(" extends ").append(sup.getTypeName());
        }
        Type[] ifaces = c.getGenericInterfaces();
        if (ifaces.length > 0) {
            head.append(c.isInterface() ? " extends " : " implements ")
                    .append(Arrays.stream(ifaces).map(Type::getTypeName).collect(Collectors.joining(", ")));
        }
        if (c.isSealed()) {
            head.append(" permits ").append(Arrays.stream(c.getPermittedSubclasses()).map(Class::getName).sorted()
                    .collect(Collectors.joining(", ")));
        }
        // sorted by kind (constructors, methods, fields), then name, then the whole line
        TreeMap<String, String> members = new TreeMap<>();
        boolean subclassable = !Modifier.isFinal(m) && !c.isEnum() && !c.isRecord();
        for (Constructor<?> k : c.getDeclaredConstructors()) {
            if (visible(k, subclassable) && !c.isEnum()) {
                String line = executable(k, c.getName(), "");
                members.put("0 " + line, line);
            }
        }
        for (Method k : c.getDeclaredMethods()) {
            if (visible(k, subclassable) && !k.isBridge()) {
                String ret = typeParameters(k.getTypeParameters());
                String line = executable(k, k.getName(), (ret.isEmpty() ? "" : ret + " ")
                        + k.getGenericReturnType().getTypeName() + " ");
                members.put("1 " + k.getName() + " " + line, line);
            }
        }
        for (Field f : c.getDeclaredFields()) {
            if (visible(f, subclassable)) {
                String line = deprecated(f.isAnnotationPresent(Deprecated.class)) + modifiers(f.getModifiers(), false)
                        + f.getGenericType().getTypeName() + " " + f.getName();
                members.put("2 " + f.getName() + " " + line, line);
            }
        }
        StringBuilder sb = new StringBuilder(head).append(" {\n");
        for (String s : members.values()) {
            sb.append("\t").append(s).append("\n");
        }
        return sb.append("}\n\n").toString();
    }

    private static boolean visible(Member k, boolean subclassable) {
        int m = k.getModifiers();
        return !k.isSynthetic() && (Modifier.isPublic(m) || (subclassable && Modifier.isProtected(m)));
    }

    private static String executable(Executable k, String name, String returns) {
        boolean isDefault = k instanceof Method method && method.isDefault();
        StringBuilder sb = new StringBuilder(deprecated(k.isAnnotationPresent(Deprecated.class)));
        sb.append(modifiers(k.getModifiers(), isDefault));
        if (k instanceof Constructor<?>) {
            String tp = typeParameters(k.getTypeParameters());
            sb.append(tp.isEmpty() ? "" : tp + " ");
        }
        sb.append(returns).append(name).append('(');
        Type[] params = k.getGenericParameterTypes();
        if (params.length != k.getParameterCount()) {
            params = k.getParameterTypes(); // inner-class constructors: the generic view leaves out the outer instance
        }
        for (int i = 0; i < params.length; i++) {
            String t = params[i].getTypeName();
            if (k.isVarArgs() && i == params.length - 1 && t.endsWith("[]")) {
                t = t.substring(0, t.length() - 2) + "...";
            }
            sb.append(i == 0 ? "" : ", ").append(t);
        }
        sb.append(')');
        Type[] thrown = k.getGenericExceptionTypes();
        if (thrown.length > 0) {
            sb.append(" throws ").append(Arrays.stream(thrown).map(Type::getTypeName).sorted()
                    .collect(Collectors.joining(", ")));
        }
        return sb.toString();
    }

    private static String deprecated(boolean d) {
        return d ? "@Deprecated " : "";
    }

    /** Visibility, static, abstract, final (and default), not what does not change callers (synchronized, native). */
    private static String modifiers(int m, boolean isDefault) {
        StringBuilder sb = new StringBuilder(Modifier.isPublic(m) ? "public " : "protected ");
        if (isDefault) {
            sb.append("default ");
        }
        if (Modifier.isStatic(m)) {
            sb.append("static ");
        }
        if (Modifier.isAbstract(m)) {
            sb.append("abstract ");
        }
        if (Modifier.isFinal(m)) {
            sb.append("final ");
        }
        return sb.toString();
    }

    private static String typeParameters(TypeVariable<?>[] vars) {
        if (vars.length == 0) {
            return "";
        }
        StringBuilder sb = new StringBuilder("<");
        for (int i = 0; i < vars.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(vars[i].getName());
            Type[] bounds = vars[i].getBounds();
            if (!(bounds.length == 1 && bounds[0] == Object.class)) {
                sb.append(" extends ").append(Arrays.stream(bounds).map(Type::getTypeName)
                        .collect(Collectors.joining(" & ")));
            }
        }
        return sb.append('>').toString();
    }

    private static Path classesDir(Class<?> anchor) {
        try {
            Path p = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isDirectory(p)) {
                throw new IllegalStateException("expected " + anchor + " in a directory of classes, found " + p);
            }
            return p;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The module's directory: Surefire's {@code basedir}, else the working directory (Surefire's default). */
    private static Path moduleDir() {
        String basedir = System.getProperty("basedir");
        return Path.of(basedir != null ? basedir : System.getProperty("user.dir"));
    }

    /**
     * A line diff (longest common subsequence) of two texts, with two lines of context around each change.
     */
    static String diff(String expected, String actual) {
        String[] a = expected.split("\n"); // without trailing empty lines
        String[] b = actual.split("\n");
        int[][] lcs = new int[a.length + 1][b.length + 1];
        for (int i = a.length - 1; i >= 0; i--) {
            for (int j = b.length - 1; j >= 0; j--) {
                lcs[i][j] = a[i].equals(b[j]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        List<String> ops = new ArrayList<>(); // " x", "-x", "+x"
        int i = 0;
        int j = 0;
        while (i < a.length || j < b.length) {
            if (i < a.length && j < b.length && a[i].equals(b[j])) {
                ops.add(" " + a[i++]);
                j++;
            } else if (i < a.length && (j == b.length || lcs[i + 1][j] >= lcs[i][j + 1])) {
                ops.add("-" + a[i++]); // removals before additions: "- old" then "+ new"
            } else {
                ops.add("+" + b[j++]);
            }
        }
        StringBuilder sb = new StringBuilder();
        int printed = -1; // the last op written
        for (int k = 0; k < ops.size(); k++) {
            if (ops.get(k).charAt(0) == ' ') {
                continue;
            }
            int from = Math.max(printed + 1, k - 2);
            if (printed >= 0 && from > printed + 1) {
                sb.append("...\n");
            }
            for (int c = from; c <= k; c++) {
                sb.append(ops.get(c)).append('\n');
            }
            printed = k;
            for (int c = k + 1; c < ops.size() && c <= k + 2 && ops.get(c).charAt(0) == ' '; c++) {
                sb.append(ops.get(c)).append('\n');
                printed = c;
            }
        }
        if (sb.length() == 0 && !expected.equals(actual)) {
            return "(only trailing blank lines differ)\n";
        }
        return sb.toString().replace("\t", "    ");
    }
}
