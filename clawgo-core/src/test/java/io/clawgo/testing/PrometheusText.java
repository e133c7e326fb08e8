package io.clawgo.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format, version 0.0.4: {@code # HELP} and {@code # TYPE} lines,
 * samples {@code name{label="value",...} value [timestamp]}, with the rules a scraper enforces (one {@code TYPE} per
 * metric family and before its samples, known types, valid names, escaped label values, numeric values, histogram
 * series with an {@code le} label). Any violation throws {@link IllegalArgumentException} naming the line.
 */
public final class PrometheusText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");
    private static final Pattern HELP_OR_TYPE = Pattern.compile("# (HELP|TYPE) (\\S+)(?: (.*))?");

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples;
    private final Map<String, String> types;

    private PrometheusText(List<Sample> samples, Map<String, String> types) {
        this.samples = samples;
        this.types = types;
    }

    /** Parses a whole page; throws {@link IllegalArgumentException} at the first line that breaks the format. */
    public static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new LinkedHashMap<>();
        Set<String> sampled = new HashSet<>();
        Map<String, Integer> helps = new HashMap<>();
        String[] lines = text.split("\n", -1);
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the page must end with a line feed");
        }
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            String where = "line " + (i + 1) + " '" + line + "'";
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                Matcher m = HELP_OR_TYPE.matcher(line);
                if (!m.matches()) {
                    continue; // a plain comment
                }
                String family = m.group(2);
                require(NAME.matcher(family).matches(), where + ": bad metric name");
                if (m.group(1).equals("TYPE")) {
                    require(m.group(3) != null && TYPES.contains(m.group(3)), where + ": unknown type");
                    require(!types.containsKey(family), where + ": a second TYPE for " + family);
                    require(!sampled.contains(family), where + ": TYPE after samples of " + family);
                    types.put(family, m.group(3));
                } else {
                    require(helps.merge(family, 1, Integer::sum) == 1, where + ": a second HELP for " + family);
                }
                continue;
            }
            Sample s = sample(line, where);
            String family = familyOf(s.name(), types);
            sampled.add(family);
            if ("histogram".equals(types.get(family)) && s.name().equals(family + "_bucket")) {
                require(s.labels().containsKey("le"), where + ": a histogram bucket without le");
            }
            samples.add(s);
        }
        return new PrometheusText(List.copyOf(samples), Map.copyOf(types));
    }

    /** The family a sample belongs to: its name, or its name less a histogram or summary suffix. */
    private static String familyOf(String name, Map<String, String> types) {
        for (String suffix : List.of("_bucket", "_sum", "_count")) {
            if (name.endsWith(suffix)) {
                String base = name.substring(0, name.length() - suffix.length());
                String t = types.get(base);
                if ("histogram".equals(t) || "summary".equals(t)) {
                    return base;
                }
            }
        }
        return name;
    }

    private static Sample sample(String line, String where) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        require(NAME.matcher(name).matches(), where + ": bad metric name");
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (true) {
                require(i < line.length(), where + ": unterminated labels");
                if (line.charAt(i) == '}') {
                    i++;
                    break;
                }
                int eq = line.indexOf('=', i);
                require(eq > i, where + ": a label without a value");
                String label = line.substring(i, eq);
                require(LABEL_NAME.matcher(label).matches(), where + ": bad label name " + label);
                i = eq + 1;
                require(i < line.length() && line.charAt(i) == '"', where + ": label value not quoted");
                i++;
                StringBuilder v = new StringBuilder();
                while (true) {
                    require(i < line.length(), where + ": unterminated label value");
                    char c = line.charAt(i++);
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        require(i < line.length(), where + ": dangling escape");
                        char e = line.charAt(i++);
                        require(e == '\\' || e == '"' || e == 'n', where + ": bad escape \\" + e);
                        v.append(e == 'n' ? '\n' : e);
                    } else {
                        v.append(c);
                    }
                }
                require(labels.put(label, v.toString()) == null, where + ": label " + label + " twice");
                if (i < line.length() && line.charAt(i) == ',') {
                    i++;
                }
            }
        }
        require(i < line.length() && line.charAt(i) == ' ', where + ": no value");
        String[] rest = line.substring(i + 1).trim().split(" ");
        require(rest.length == 1 || rest.length == 2, where + ": value and at most a timestamp expected");
        double value = number(rest[0], where);
        if (rest.length == 2) {
            try {
                Long.parseLong(rest[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(where + ": bad timestamp");
            }
        }
        return new Sample(name, Map.copyOf(labels), value);
    }

    private static double number(String s, String where) {
        switch (s) {
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            case "NaN":
                return Double.NaN;
            default:
                try {
                    return Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(where + ": bad value " + s);
                }
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Every sample, in page order. */
    public List<Sample> samples() {
        return samples;
    }

    /** Metric family name to its {@code TYPE}. */
    public Map<String, String> types() {
        return types;
    }

    /** The samples named {@code name} whose labels include every entry of {@code labels}. */
    public List<Sample> find(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name)
                && s.labels().entrySet().containsAll(labels.entrySet())).toList();
    }

    /** The value of the one sample named {@code name} with these labels, or NaN when there is none. */
    public double value(String name, Map<String, String> labels) {
        List<Sample> found = find(name, labels);
        require(found.size() <= 1, "more than one sample " + name + labels + ": " + found);
        return found.isEmpty() ? Double.NaN : found.get(0).value();
    }
}
