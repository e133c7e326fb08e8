package io.clawgo.config;

import java.util.List;

/**
 * A STUN or TURN server.
 *
 * @param urls       {@code stun:host:port}, {@code turn:host:port?transport=udp}, ...
 * @param username   TURN user name (required for {@code turn:}/{@code turns:} urls)
 * @param credential TURN password (required for {@code turn:}/{@code turns:} urls)
 */
public record IceServer(List<String> urls, String username, String credential) {

    public IceServer {
        urls = urls == null ? List.of() : List.copyOf(urls);
    }

    /** A STUN server without credentials. */
    public static IceServer stun(String url) {
        return new IceServer(List.of(url), null, null);
    }

    /** Whether any url is a TURN url. */
    public boolean isTurn() {
        return urls.stream().anyMatch(u -> u.startsWith("turn:") || u.startsWith("turns:"));
    }

    @Override
    public String toString() {
        // never print the credential
        return "IceServer" + urls + (username == null ? "" : " user=" + username);
    }
}
