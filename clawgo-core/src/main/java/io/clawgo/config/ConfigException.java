package io.clawgo.config;

/** Invalid configuration. The message names the offending field, for example {@code gateway.port must be in 0..65535}. */
public final class ConfigException extends RuntimeException {
    /**
     * Creates an exception without a cause.
     *
     * @param message what is wrong, naming the field
     */
    public ConfigException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a cause.
     *
     * @param message what is wrong, naming the field or file
     * @param cause   the underlying failure, for example an {@link java.io.IOException}
     */
    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
