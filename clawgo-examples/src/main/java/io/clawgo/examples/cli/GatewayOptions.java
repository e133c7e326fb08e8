package io.clawgo.examples.cli;

import picocli.CommandLine.Option;

/** {@code --gateway} and {@code --token}, shared by the client commands. */
final class GatewayOptions {

    @Option(names = "--gateway", paramLabel = "URL",
            description = "Gateway base URL (default: $CLAWGO_GATEWAY_URL, else " + Cli.DEFAULT_GATEWAY_URL
                    + "). http:// is added when there is no scheme.")
    String gateway;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Gateway bearer token (default: $CLAWGO_GATEWAY_TOKEN). Prefer the variable: flags are "
                    + "visible to other local users.")
    String token;

    /** The normalised gateway URL. */
    String url() {
        return Cli.gatewayUrl(gateway);
    }

    /** The token, or {@code null} for none. */
    String token() {
        return Cli.gatewayToken(token);
    }
}
