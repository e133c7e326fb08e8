package io.clawgo.internal.gateway;

/**
 * What the application's synchronous observers ({@code Gateway.Observer}) are told: the {@link GatewayEvents} plus
 * every HTTP request. Called on the thread where the event happened (a Jetty thread, a socket reader, the registry's
 * reaper): implementations only count and return.
 */
public interface GatewayProbe extends GatewayEvents {

    /**
     * An HTTP request was answered (the response completed, or failed to be written).
     *
     * @param route         the route: a path the gateway serves by name, or one of a few catch-alls
     * @param method        {@code GET}, {@code POST}, {@code HEAD}, ... or {@code other}
     * @param status        the response status
     * @param durationNanos from the request reaching the gateway until the response completed
     */
    default void onHttpRequest(String route, String method, int status, long durationNanos) {
    }
}
