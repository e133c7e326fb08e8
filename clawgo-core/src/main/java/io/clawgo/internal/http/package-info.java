/**
 * Outgoing HTTP to a node's endpoint, shared by the gateway's HTTP relay and the node's forwarder:
 * {@link io.clawgo.internal.http.EndpointClient} posts a request and reads the response within a size limit, mapping
 * every failure to an error code; {@link io.clawgo.internal.http.NoDelaySocketFactory} turns Nagle's algorithm off for
 * the OkHttp clients. Not a public API: it may change without notice.
 */
package io.clawgo.internal.http;
