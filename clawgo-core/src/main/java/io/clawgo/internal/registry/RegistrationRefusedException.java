package io.clawgo.internal.registry;

import io.clawgo.protocol.ErrorCodes;

/**
 * A registration the registry refused for what it asks, not for capacity ({@link NodeLimitException}): a reserved or
 * invalid id, a field above its cap, an invalid endpoint ({@code invalid_request}, HTTP 400), an id reserved by its own
 * node token ({@code forbidden}, 403), or too many changes in a minute ({@code rate_limited}, 429). The stored record
 * is unchanged. The message says what to fix.
 */
public final class RegistrationRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The code of a registration refused because another token reserves the id. */
    public static final String FORBIDDEN = "forbidden";

    private final String code;
    private final int httpStatus;
    private final long retryAfterSeconds;

    RegistrationRefusedException(String code, int httpStatus, long retryAfterSeconds, String message) {
        super(message);
        this.code = code;
        this.httpStatus = httpStatus;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static RegistrationRefusedException invalid(String message) {
        return new RegistrationRefusedException(ErrorCodes.INVALID_REQUEST, 400, 0, message);
    }

    /**
     * The stable error code.
     *
     * @return {@code invalid_request}, {@code forbidden} or {@code rate_limited}
     */
    public String code() {
        return code;
    }

    /**
     * The HTTP status of {@code POST /nodes/register} for this refusal.
     *
     * @return 400, 403 or 429
     */
    public int httpStatus() {
        return httpStatus;
    }

    /**
     * When a {@code rate_limited} registration may be tried again.
     *
     * @return seconds, at least 1; 0 for the other codes
     */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
