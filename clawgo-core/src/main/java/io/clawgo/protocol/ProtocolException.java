package io.clawgo.protocol;

/** A frame or body that cannot be decoded: malformed JSON, a wrong type, a missing field, or too large. */
public final class ProtocolException extends Exception {
    private final String code;

    public ProtocolException(String code, String message) {
        super(message);
        this.code = code;
    }

    public ProtocolException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** {@link ErrorCodes#INVALID_REQUEST} or {@link ErrorCodes#PAYLOAD_TOO_LARGE}. */
    public String code() {
        return code;
    }
}
