package io.clawgo.cluster.nats;

/**
 * The names one cluster uses on NATS: subjects under {@code clawgo.<cluster>}, a key-value bucket
 * {@code clawgo_<cluster>}, and the keys of nodes and gateways in it.
 */
final class Subjects {
    static final String NODE_PREFIX = "node.";
    static final String GATEWAY_PREFIX = "gw.";

    private final String prefix;
    private final String bucket;

    Subjects(String clusterName) {
        this.prefix = "clawgo." + clusterName;
        this.bucket = "clawgo_" + clusterName;
    }

    String bucket() {
        return bucket;
    }

    /** Where gateway {@code memberId} takes forwarded dispatches. */
    String dispatch(String memberId) {
        return prefix + ".gw." + memberId + ".dispatch";
    }

    /** Where gateway {@code memberId} answers its own readiness probe. */
    String ping(String memberId) {
        return prefix + ".gw." + memberId + ".ping";
    }

    /**
     * The key of a node. Node ids are made of {@code [A-Za-z0-9._:-]}; keys may not hold {@code :}, which becomes
     * {@code =} (never part of an id, so the mapping is one to one).
     */
    static String nodeKey(String nodeId) {
        return NODE_PREFIX + nodeId.replace(':', '=');
    }

    static String nodeIdOf(String key) {
        return key.substring(NODE_PREFIX.length()).replace('=', ':');
    }

    static String gatewayKey(String memberId) {
        return GATEWAY_PREFIX + memberId;
    }

    static String gatewayIdOf(String key) {
        return key.substring(GATEWAY_PREFIX.length());
    }
}
