package io.clawgo.config;

import java.util.List;

/**
 * A STUN or TURN server, one entry of {@code gateway.nodes.p2p.ice_servers}. Its {@code toString()} never shows the
 * credential.
 *
 * @param urls       {@code stun:host:port}, {@code turn:host:port?transport=udp}, ...
 * @param username   TURN user name (required for {@code turn:}/{@code turns:} urls)
 * @param credential TURN password (required for {@code turn:}/{@code turns:} urls)
 */
public record IceServer(List<String> urls, String username, String credential) {

    /**
     * Creates a server entry; {@code urls} is copied ({@code null} becomes empty). Values are checked by
     * {@link P2pConfig#validate()}.
     *
     * @param urls       the urls, no {@code null} elements
     * @param username   TURN user name, or {@code null}
     * @param credential TURN password, or {@code null}
     * @throws NullPointerException when {@code urls} holds a {@code null} element
     */
    public IceServer {
        urls = urls == null ? List.of() : List.copyOf(urls);
    }

    /**
     * A STUN server without credentials.
     *
     * @param url a {@code stun:host:port} url
     * @return the entry
     * @throws NullPointerException when {@code url} is {@code null}
     */
    public static IceServer stun(String url) {
        return new IceServer(List.of(url), null, null);
    }

    /**
     * Whether any url is a TURN url.
     *
     * @return {@code true} when a url starts with {@code turn:} or {@code turns:} (case-sensitive)
     */
    public boolean isTurn() {
        return urls.stream().anyMatch(u -> u.startsWith("turn:") || u.startsWith("turns:"));
    }

    @Override
    public String toString() {
        // never print the credential
        return "IceServer" + urls + (username == null ? "" : " user=" + username);
    }
}
