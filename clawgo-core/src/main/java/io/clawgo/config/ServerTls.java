package io.clawgo.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * {@code gateway.tls}: the gateway serves {@code https://} and {@code wss://} with the key and certificate of a
 * key store (PKCS12 or JKS).
 *
 * @param keyStore         the key store file
 * @param keyStorePassword its password (never printed); also used as the key's password
 */
public record ServerTls(Path keyStore, String keyStorePassword) {

    /**
     * Creates the settings.
     *
     * @param keyStore         the key store file
     * @param keyStorePassword its password; {@code null} becomes empty
     * @throws NullPointerException when {@code keyStore} is {@code null}
     */
    public ServerTls {
        Objects.requireNonNull(keyStore, "keyStore");
        keyStorePassword = keyStorePassword == null ? "" : keyStorePassword;
    }

    /**
     * Rejects a missing or unreadable key store, naming the field. Whether the file is a valid key store with the
     * given password shows only when the gateway starts.
     *
     * @throws ConfigException when the file is not readable
     */
    public void validate() {
        if (!Files.isReadable(keyStore)) {
            throw new ConfigException("gateway.tls.keystore: cannot read " + keyStore);
        }
    }

    @Override
    public String toString() {
        return "ServerTls[keyStore=" + keyStore + "]";
    }
}
