package io.clawgo.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * {@code gateway.tls}: the gateway serves {@code https://} and {@code wss://} with the key and certificate of a
 * key store (PKCS12 or JKS).
 *
 * @param keyStore         the key store file
 * @param keyStorePassword its password (never printed)
 */
public record ServerTls(Path keyStore, String keyStorePassword) {

    public ServerTls {
        Objects.requireNonNull(keyStore, "keyStore");
        keyStorePassword = keyStorePassword == null ? "" : keyStorePassword;
    }

    /** Rejects a missing or unreadable key store, naming the field. */
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
