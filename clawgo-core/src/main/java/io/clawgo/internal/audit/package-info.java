/**
 * Internal audit trails of the gateway: {@link io.clawgo.internal.audit.JsonlAudit} appends one compact JSON object
 * per line to a size-bounded file that is rotated to {@code <file>.1}, keeps the newest entries in memory for the
 * API and reloads them on restart. Used for the node audit and the dispatch audit; I/O errors are logged, never thrown.
 * Not a public API: it may change without notice.
 */
package io.clawgo.internal.audit;
