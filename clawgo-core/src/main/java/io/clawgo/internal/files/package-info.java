/**
 * File-system rules of the gateway's data directory: {@link io.clawgo.internal.files.PrivateFiles} creates it and the
 * files in it (node state, audits) readable by the owner only, where the file system has POSIX permissions, and warns
 * once about an existing directory that others may read. Not a public API: it may change without notice.
 */
package io.clawgo.internal.files;
