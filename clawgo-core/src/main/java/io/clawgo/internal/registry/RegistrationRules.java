package io.clawgo.internal.registry;

import io.clawgo.protocol.AgentInfo;
import io.clawgo.protocol.NodeInfo;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import okhttp3.HttpUrl;

/**
 * What a registration must satisfy besides a valid id, checked by {@link NodeRegistry#upsert(NodeInfo, String)}:
 *
 * <ul>
 *   <li>the ids {@code gateway} and {@code local} (any case) are reserved: {@code gateway} addresses the gateway in
 *       signalling and {@code local} is the gateway itself in the nodes view;</li>
 *   <li>caps per field: {@value #MAX_NAME_CHARS} characters of {@code name}, {@value #MAX_OS_CHARS} of {@code os} and
 *       {@code arch}, {@value #MAX_VERSION_CHARS} of {@code version}, {@value #MAX_ENDPOINT_CHARS} of
 *       {@code endpoint}, {@value #MAX_TOKEN_CHARS} of {@code token}; at most {@value #MAX_TAGS} tags of
 *       {@value #MAX_TAG_CHARS}, {@value #MAX_ACTIONS} actions of {@value #MAX_ACTION_CHARS},
 *       {@value #MAX_MODELS} models of {@value #MAX_MODEL_CHARS}, {@value #MAX_TRANSPORTS} transports of
 *       {@value #MAX_TRANSPORT_CHARS} and {@value #MAX_AGENTS} agents, each with an id of 1..{@value #MAX_AGENT_ID_CHARS}
 *       characters without {@code .}, white space or control characters, and other fields of at most
 *       {@value #MAX_AGENT_FIELD_CHARS};</li>
 *   <li>an endpoint, when given, is an {@code http://} or {@code https://} URL with a host, without credentials, query
 *       or fragment (the relay appends the action's path to it), white space or control characters;</li>
 *   <li>an id with a per-node token ({@code gateway.nodes.tokens}) registers only with that token: not with the
 *       gateway token, nor without auth;</li>
 *   <li>at most {@code changesPerMinute} registrations per id per minute that change what the node declares.</li>
 * </ul>
 */
public final class RegistrationRules {
    static final int MAX_NAME_CHARS = 256;
    static final int MAX_OS_CHARS = 64;
    static final int MAX_VERSION_CHARS = 128;
    static final int MAX_ENDPOINT_CHARS = 2048;
    static final int MAX_TOKEN_CHARS = 4096;
    static final int MAX_TAGS = 64;
    static final int MAX_TAG_CHARS = 128;
    static final int MAX_ACTIONS = 64;
    static final int MAX_ACTION_CHARS = 64;
    static final int MAX_MODELS = 256;
    static final int MAX_MODEL_CHARS = 256;
    static final int MAX_TRANSPORTS = 16;
    static final int MAX_TRANSPORT_CHARS = 64;
    static final int MAX_AGENTS = 256;
    static final int MAX_AGENT_ID_CHARS = 128;
    static final int MAX_AGENT_FIELD_CHARS = 256;

    /** No ids reserved by tokens and no rate limit (the protocol rules still apply). */
    public static final RegistrationRules NONE = new RegistrationRules(Set.of(), Integer.MAX_VALUE);

    private static final Set<String> RESERVED_IDS = Set.of("gateway", "local");

    private final Set<String> tokenIds;
    private final int changesPerMinute;

    /**
     * @param tokenIds         the node ids of {@code gateway.nodes.tokens}: only their own token registers them
     * @param changesPerMinute registrations that change a node's record, per id and minute (a burst of this many,
     *                         then one every {@code 60 / n} s); positive
     */
    public RegistrationRules(Set<String> tokenIds, int changesPerMinute) {
        if (changesPerMinute <= 0) {
            throw new IllegalArgumentException("changes per minute must be positive, got " + changesPerMinute);
        }
        this.tokenIds = Set.copyOf(tokenIds);
        this.changesPerMinute = changesPerMinute;
    }

    int changesPerMinute() {
        return changesPerMinute;
    }

    /**
     * Checks who registers: an id with a per-node token is refused to any other principal.
     *
     * @param id        the normalised id
     * @param principal the node id of the per-node token used, or {@code null} for the gateway token (or no auth)
     */
    void checkPrincipal(String id, String principal) {
        if (principal == null && tokenIds.contains(id)) {
            throw new RegistrationRefusedException(RegistrationRefusedException.FORBIDDEN, 403, 0, "node " + id
                    + " has its own token (gateway.nodes.tokens): only that token may register or heartbeat it");
        }
    }

    /** Checks the protocol rules on a registration of the normalised {@code id}; see the class comment. */
    static void checkInfo(String id, NodeInfo info) {
        if (RESERVED_IDS.contains(id.toLowerCase(Locale.ROOT))) {
            throw RegistrationRefusedException.invalid("node id '" + id + "' is reserved (gateway, local)");
        }
        cap("name", info.name(), MAX_NAME_CHARS);
        cap("os", info.os(), MAX_OS_CHARS);
        cap("arch", info.arch(), MAX_OS_CHARS);
        cap("version", info.version(), MAX_VERSION_CHARS);
        cap("token", info.token(), MAX_TOKEN_CHARS);
        list("tags", info.tags(), MAX_TAGS, MAX_TAG_CHARS);
        list("actions", info.actions(), MAX_ACTIONS, MAX_ACTION_CHARS);
        list("models", info.models(), MAX_MODELS, MAX_MODEL_CHARS);
        list("transports", info.transports(), MAX_TRANSPORTS, MAX_TRANSPORT_CHARS);
        List<AgentInfo> agents = info.agents();
        if (agents.size() > MAX_AGENTS) {
            throw RegistrationRefusedException.invalid("agents has " + agents.size() + " entries; at most "
                    + MAX_AGENTS + " are allowed");
        }
        for (int i = 0; i < agents.size(); i++) {
            AgentInfo a = agents.get(i);
            String f = "agents[" + i + "]";
            String aid = a.id() == null ? "" : a.id();
            if (aid.isEmpty() || aid.length() > MAX_AGENT_ID_CHARS) {
                throw RegistrationRefusedException.invalid(f + ".id must be 1.." + MAX_AGENT_ID_CHARS
                        + " characters");
            }
            for (int k = 0; k < aid.length(); k++) {
                char c = aid.charAt(k);
                if (c == '.' || Character.isWhitespace(c) || Character.isISOControl(c)) {
                    throw RegistrationRefusedException.invalid(f + ".id must not contain '.', white space or control "
                            + "characters (node.<node id>.<agent id> splits at the last dot)");
                }
            }
            cap(f + ".display_name", a.displayName(), MAX_AGENT_FIELD_CHARS);
            cap(f + ".role", a.role(), MAX_AGENT_FIELD_CHARS);
            cap(f + ".type", a.type(), MAX_AGENT_FIELD_CHARS);
            cap(f + ".transport", a.transport(), MAX_AGENT_FIELD_CHARS);
            cap(f + ".parent_agent_id", a.parentAgentId(), MAX_AGENT_FIELD_CHARS);
        }
        checkEndpoint(info.endpoint());
    }

    /** A blank endpoint is fine (it keeps the stored one); any other must be a plain http(s) base URL. */
    static void checkEndpoint(String endpoint) {
        if (endpoint == null || endpoint.isBlank()) {
            return;
        }
        cap("endpoint", endpoint, MAX_ENDPOINT_CHARS);
        String e = endpoint.trim();
        for (int i = 0; i < e.length(); i++) {
            char c = e.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                throw RegistrationRefusedException.invalid("endpoint must not contain white space or control "
                        + "characters");
            }
        }
        URI uri;
        try {
            uri = new URI(e);
        } catch (URISyntaxException x) {
            throw RegistrationRefusedException.invalid("endpoint is not a valid URL: " + x.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw RegistrationRefusedException.invalid("endpoint must be an http:// or https:// URL");
        }
        if (uri.getHost() == null || uri.getHost().isBlank() || HttpUrl.parse(e) == null) {
            throw RegistrationRefusedException.invalid("endpoint has no valid host");
        }
        if (uri.getRawUserInfo() != null) {
            throw RegistrationRefusedException.invalid("endpoint must not contain credentials; register a token");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw RegistrationRefusedException.invalid("endpoint must not contain a query ('?') or fragment ('#'): "
                    + "the relay appends the action's path to it");
        }
    }

    private static void cap(String field, String value, int max) {
        if (value != null && value.length() > max) {
            throw RegistrationRefusedException.invalid(field + " has " + value.length() + " characters; at most "
                    + max + " are allowed");
        }
    }

    private static void list(String field, List<String> values, int maxItems, int maxChars) {
        if (values.size() > maxItems) {
            throw RegistrationRefusedException.invalid(field + " has " + values.size() + " entries; at most "
                    + maxItems + " are allowed");
        }
        for (int i = 0; i < values.size(); i++) {
            cap(field + "[" + i + "]", values.get(i), maxChars);
        }
    }
}
