package io.clawgo.internal.gateway;

import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.ProtocolException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.util.Fields;

/**
 * The query of {@code GET /webui/api/nodes}, validated: the whole payload (no parameter), the summary
 * ({@code summary=1}), or one page of the fleet ({@code limit}, {@code offset}, {@code q}, {@code online}, {@code id}).
 * A bad value is a {@link ProtocolException} that says which parameter and what it accepts (answered 400).
 *
 * @param mode   what to build
 * @param limit  entries per page (1..{@link #MAX_LIMIT})
 * @param offset entries of the matching list to skip
 * @param words  lower-case words that must all occur in a node's id, name, OS, arch, version, endpoint or tags
 * @param online {@code TRUE}/{@code FALSE} to keep only online/offline nodes, {@code null} for both
 * @param id     an exact node id to keep, or {@code null}
 */
record NodesQuery(Mode mode, int limit, int offset, List<String> words, Boolean online, String id) {
    /** The most entries one page holds. */
    static final int MAX_LIMIT = 500;
    /** Entries per page when a filter is given without {@code limit}. */
    static final int DEFAULT_LIMIT = 100;
    /** The longest accepted {@code q}. */
    static final int MAX_QUERY_CHARS = 200;
    static final int MAX_OFFSET = 10_000_000;
    private static final int MAX_ID_CHARS = 128;
    private static final Set<String> PAGE_PARAMS = Set.of("limit", "offset", "q", "online", "id");

    /** What the response holds. */
    enum Mode {
        /** Everything, as before paging existed. */
        ALL,
        /** Stats, alerts, P2P totals, recent dispatches, charts, cluster gateways; no per-node list. */
        SUMMARY,
        /** Stats and alerts complete; {@code nodes}, {@code trees} and {@code p2p.nodes} of one page. */
        PAGE
    }

    /** The unparameterized request. */
    static final NodesQuery ALL = new NodesQuery(Mode.ALL, Integer.MAX_VALUE, 0, List.of(), null, null);
    /** {@code summary=1}. */
    static final NodesQuery SUMMARY = new NodesQuery(Mode.SUMMARY, 0, 0, List.of(), null, null);

    /** One page: {@code limit} entries from {@code offset}, no filter. */
    static NodesQuery page(int limit, int offset) {
        return new NodesQuery(Mode.PAGE, limit, offset, List.of(), null, null);
    }

    /**
     * Parses the query string. Empty values count as absent; a parameter given twice, a number out of range, a
     * {@code summary} or {@code online} that is not a boolean, and {@code summary=1} together with a page parameter
     * are refused. Other parameters are ignored.
     */
    static NodesQuery parse(Fields query) throws ProtocolException {
        for (Fields.Field f : query) {
            if ((PAGE_PARAMS.contains(f.getName()) || f.getName().equals("summary")) && f.getValues().size() > 1) {
                throw bad(f.getName() + " is given " + f.getValues().size() + " times; give it once");
            }
        }
        String summary = value(query, "summary");
        boolean wantSummary = summary != null && bool("summary", summary);
        boolean paged = PAGE_PARAMS.stream().anyMatch(p -> value(query, p) != null);
        if (wantSummary && paged) {
            throw bad("summary=1 has no node lists, so it takes no limit, offset, q, online or id; "
                    + "ask for the summary and for a page in two requests");
        }
        if (wantSummary) {
            return SUMMARY;
        }
        if (!paged) {
            return ALL;
        }
        String limitText = value(query, "limit");
        int limit = limitText == null ? DEFAULT_LIMIT : integer("limit", limitText, 1, MAX_LIMIT);
        String offsetText = value(query, "offset");
        int offset = offsetText == null ? 0 : integer("offset", offsetText, 0, MAX_OFFSET);
        String q = value(query, "q");
        if (q != null && q.length() > MAX_QUERY_CHARS) {
            throw bad("q has " + q.length() + " characters; at most " + MAX_QUERY_CHARS + " are accepted");
        }
        List<String> words = q == null ? List.of()
                : List.of(q.trim().toLowerCase(Locale.ROOT).split("\\s+")).stream().filter(w -> !w.isEmpty()).toList();
        String onlineText = value(query, "online");
        Boolean online = onlineText == null ? null : bool("online", onlineText);
        String id = value(query, "id");
        if (id != null && id.length() > MAX_ID_CHARS) {
            throw bad("id has " + id.length() + " characters; node ids have at most " + MAX_ID_CHARS);
        }
        return new NodesQuery(Mode.PAGE, limit, offset, words, online, id == null ? null : id.trim());
    }

    /** Whether {@code n} passes the filter ({@code q}, {@code online}, {@code id}). */
    boolean matches(NodeInfo n) {
        if (online != null && n.online() != online) {
            return false;
        }
        if (id != null && !id.equals(n.id())) {
            return false;
        }
        if (words.isEmpty()) {
            return true;
        }
        StringBuilder hay = new StringBuilder();
        for (String s : new String[]{n.id(), n.name(), n.os(), n.arch(), n.version(), n.endpoint()}) {
            if (s != null) {
                hay.append(s).append(' ');
            }
        }
        if (n.tags() != null) {
            for (String t : n.tags()) {
                hay.append(t).append(' ');
            }
        }
        String text = hay.toString().toLowerCase(Locale.ROOT);
        for (String w : words) {
            if (!text.contains(w)) {
                return false;
            }
        }
        return true;
    }

    /** The query as the {@code page.filter} of the response. */
    java.util.Map<String, Object> describe() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("q", String.join(" ", words));
        m.put("online", online);
        m.put("id", id);
        return m;
    }

    private static String value(Fields query, String name) {
        String v = query.getValue(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static boolean bool(String name, String v) throws ProtocolException {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "1", "true" -> true;
            case "0", "false" -> false;
            default -> throw bad(name + " must be true or false (or 1 or 0), not '" + clip(v) + "'");
        };
    }

    private static int integer(String name, String v, int min, int max) throws ProtocolException {
        if (!v.matches("\\d{1,9}")) {
            throw bad(name + " must be a whole number from " + min + " to " + max + ", not '" + clip(v) + "'");
        }
        long n = Long.parseLong(v);
        if (n < min || n > max) {
            throw bad(name + " must be from " + min + " to " + max + ", not " + n
                    + (name.equals("limit") ? " (page through larger fleets with offset)" : ""));
        }
        return (int) n;
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    private static ProtocolException bad(String message) {
        return new ProtocolException(ErrorCodes.INVALID_REQUEST, message);
    }
}
