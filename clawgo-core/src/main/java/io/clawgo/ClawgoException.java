package io.clawgo;

import java.util.Objects;

/**
 * A failure of a clawgo-java operation, with a stable machine {@code code} that callers may switch on.
 *
 * <p>Codes: {@code unauthorized} (the gateway rejected the token), {@code invalid_request}, {@code transport_error}
 * (the gateway could not be reached), {@code timeout}, {@code invalid_response}, {@code payload_too_large}, any
 * {@code code} the gateway returned in its JSON error body (for example {@code node_not_found}), or
 * {@code http_<status>} when the body named none. The message is human text such as
 * {@code "http 401: unauthorized"}; it never contains a token.
 */
public class ClawgoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;

    public ClawgoException(String code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    public ClawgoException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** The stable machine code, never {@code null}. */
    public String code() {
        return code;
    }
}
