package io.clawgo.protocol;

/**
 * Executes a {@link Request} in-process on a node. Called on the node's bounded request executor, so it may block,
 * but the node enforces its own limits. A thrown exception becomes a failed response with code
 * {@code remote_error}; it never reaches the gateway as a stack trace.
 */
@FunctionalInterface
public interface RequestHandler {
    Response handle(Request request) throws Exception;
}
