/**
 * Small concurrency helpers shared by the gateway and the node: {@link io.clawgo.internal.concurrent.NamedThreadFactory}
 * names the daemon threads of every pool (so a thread dump says whose they are) and logs their uncaught exceptions.
 * Not a public API: it may change without notice.
 */
package io.clawgo.internal.concurrent;
