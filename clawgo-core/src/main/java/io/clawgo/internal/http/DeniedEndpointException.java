package io.clawgo.internal.http;

import java.net.UnknownHostException;

/**
 * The endpoint's host is, or resolves only to, addresses the caller's policy refuses. Thrown by a policy's
 * {@link okhttp3.Dns} (hence an {@link UnknownHostException}: OkHttp then makes no connection); {@link EndpointClient}
 * answers it with {@code relay_denied}.
 */
public final class DeniedEndpointException extends UnknownHostException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message why, naming the host and the refused address class, and how to allow it
     */
    public DeniedEndpointException(String message) {
        super(message);
    }
}
