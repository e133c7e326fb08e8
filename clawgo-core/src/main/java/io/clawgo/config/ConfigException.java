package io.clawgo.config;

/** Invalid configuration. The message names the offending field, for example {@code gateway.port must be in 0..65535}. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
