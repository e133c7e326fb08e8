package io.clawgo.examples.cli;

import picocli.CommandLine.Option;

/** {@code --gateway} and {@code --token}, shared by the client commands. */
final class GatewayOptions {

    @Option(names = "--gateway", paramLabel = "URL[,URL...]",
            description = "Gateway base URL (default: $CLAWGO_GATEWAY_URL, else " + Cli.DEFAULT_GATEWAY_URL
                    + "). http:// is added when there is no scheme. 'node register --watch' takes several, "
                    + "comma-separated (gateways of one cluster): it moves to the next after a lost connection; "
                    + "other commands use the first.")
    String gateway;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Gateway bearer token (default: $CLAWGO_GATEWAY_TOKEN). Prefer the variable: flags are "
                    + "visible to other local users.")
    String token;

    /** The normalised gateway URL (the first when several are given). */
    String url() {
        return urls().get(0);
    }

    /** Every gateway URL given, normalised, in order. */
    java.util.List<String> urls() {
        String all = Cli.firstNonBlank(gateway, Cli.env(Cli.ENV_GATEWAY_URL), Cli.DEFAULT_GATEWAY_URL);
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String u : all.split(",")) {
            if (!u.isBlank()) {
                out.add(Cli.gatewayUrl(u.trim()));
            }
        }
        return out.isEmpty() ? java.util.List.of(Cli.gatewayUrl(null)) : out;
    }

    /** The token, or {@code null} for none. */
    String token() {
        return Cli.gatewayToken(token);
    }
}
