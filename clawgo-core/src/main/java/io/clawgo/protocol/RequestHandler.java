package io.clawgo.protocol;

/**
 * Executes a {@link Request} in-process on a node. Called on the node's bounded request executor, so it may block,
 * but the node enforces its own limits. A thrown exception becomes a failed response with code
 * {@code remote_error}; it never reaches the gateway as a stack trace.
 */
@FunctionalInterface
public interface RequestHandler {
    /**
     * Runs one request. The thread is interrupted when the node's request timeout passes or the agent closes; the
     * request has already been answered then, and a later return value is ignored.
     *
     * @param request the request; a blank {@code node} is filled in with this node's id
     * @return the response; a blank {@code node}, {@code action} or {@code code} is filled in afterwards, a response
     *         above the node's message limit becomes a {@code payload_too_large} failure, and {@code null} becomes an
     *         {@code invalid_response} failure
     * @throws Exception any failure, answered as code {@code remote_error} with the exception's message
     */
    Response handle(Request request) throws Exception;
}
