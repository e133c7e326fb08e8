package io.clawgo.internal.node;

/**
 * A failed call of the gateway's REST API. The public API wraps it into {@code io.clawgo.ClawgoException} with the
 * same code and message.
 */
public final class GatewayHttpException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;
    private final int status;

    public GatewayHttpException(String code, int status, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.status = status;
    }

    /** Stable code: the body's {@code code}, {@code http_<status>}, {@code unauthorized}, {@code transport_error}... */
    public String code() {
        return code;
    }

    /** The HTTP status, or 0 when no HTTP answer came. */
    public int status() {
        return status;
    }

    /** Whether the gateway rejected the credentials (HTTP 401). */
    public boolean unauthorized() {
        return status == 401;
    }
}
