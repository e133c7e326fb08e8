package io.clawgo;

import java.util.Objects;

/**
 * A failure of a clawgo-java operation, with a stable machine {@code code} that callers may switch on.
 *
 * <p>Codes from {@link GatewayClient} and {@link NodeAgent#registerOnce()}: {@code unauthorized} (the gateway rejected
 * the token), {@code invalid_request}, {@code transport_error} (the gateway could not be reached), {@code timeout},
 * {@code invalid_response}, {@code payload_too_large}, any {@code code} the gateway returned in its JSON error body
 * (for example {@code node_not_found}), or {@code http_<status>} when the body named none. Codes from
 * {@link Gateway.Builder#start()}: {@code bind_failed} (the port cannot be bound) and {@code start_failed}. The
 * message is human text such as {@code "http 401: unauthorized"}; it never contains a token.
 */
public class ClawgoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The stable machine code, never {@code null}. */
    private final String code;

    /**
     * Creates an exception without a cause.
     *
     * @param code    the stable machine code, for example {@code transport_error}
     * @param message human-readable text; must not contain secrets
     * @throws NullPointerException when {@code code} is {@code null}
     */
    public ClawgoException(String code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    /**
     * Creates an exception with a cause.
     *
     * @param code    the stable machine code, for example {@code transport_error}
     * @param message human-readable text; must not contain secrets
     * @param cause   the underlying failure, or {@code null}
     * @throws NullPointerException when {@code code} is {@code null}
     */
    public ClawgoException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /**
     * The stable machine code.
     *
     * @return the code, never {@code null}
     */
    public String code() {
        return code;
    }
}
