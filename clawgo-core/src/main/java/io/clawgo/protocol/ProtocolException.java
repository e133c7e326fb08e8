package io.clawgo.protocol;

/** A frame or body that cannot be decoded: malformed JSON, a wrong type, a missing field, or too large. */
public final class ProtocolException extends Exception {
    /** The machine code of the failure. */
    private final String code;

    /**
     * Creates an exception without a cause.
     *
     * @param code    the machine code, {@link ErrorCodes#INVALID_REQUEST} or {@link ErrorCodes#PAYLOAD_TOO_LARGE}
     * @param message what is wrong, for a log or an error ack
     */
    public ProtocolException(String code, String message) {
        super(message);
        this.code = code;
    }

    /**
     * Creates an exception with a cause.
     *
     * @param code    the machine code, {@link ErrorCodes#INVALID_REQUEST} or {@link ErrorCodes#PAYLOAD_TOO_LARGE}
     * @param message what is wrong, for a log or an error ack
     * @param cause   the underlying parse failure, or {@code null}
     */
    public ProtocolException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /**
     * The machine code of the failure.
     *
     * @return {@link ErrorCodes#INVALID_REQUEST} or {@link ErrorCodes#PAYLOAD_TOO_LARGE} for failures of
     *         {@link WireCodec}
     */
    public String code() {
        return code;
    }
}
