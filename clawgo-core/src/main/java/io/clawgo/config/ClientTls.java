package io.clawgo.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * What a node or client trusts when it talks to an {@code https://} gateway, for example a self-signed
 * certificate. Without it, the JVM's default trust store applies.
 */
public final class ClientTls {
    private final SSLSocketFactory socketFactory;
    private final X509TrustManager trustManager;

    private ClientTls(SSLSocketFactory socketFactory, X509TrustManager trustManager) {
        this.socketFactory = socketFactory;
        this.trustManager = trustManager;
    }

    /**
     * Trusts the certificates of a trust store file (PKCS12 or JKS, told apart by the file), and nothing else.
     *
     * @param file     the trust store file
     * @param password the store's password, or {@code null} to skip the store's integrity check
     * @return the trust settings
     * @throws NullPointerException when {@code file} is {@code null}
     * @throws ConfigException      when the file cannot be read or loaded, or yields no X.509 trust manager
     */
    public static ClientTls trustStore(Path file, char[] password) {
        Objects.requireNonNull(file, "file");
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            try {
                ks.load(in, password);
            } catch (IOException e) {
                try (InputStream again = Files.newInputStream(file)) {
                    ks = KeyStore.getInstance("JKS");
                    ks.load(again, password);
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x509) {
                    return of(x509);
                }
            }
            throw new ConfigException("trust store " + file + " yields no X.509 trust manager");
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException("cannot load trust store " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Trusts what {@code trustManager} trusts.
     *
     * @param trustManager decides which server certificates are trusted
     * @return the trust settings
     * @throws NullPointerException when {@code trustManager} is {@code null}
     * @throws ConfigException      when the JVM cannot create a TLS context
     */
    public static ClientTls of(X509TrustManager trustManager) {
        Objects.requireNonNull(trustManager, "trustManager");
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {trustManager}, null);
            return new ClientTls(ctx.getSocketFactory(), trustManager);
        } catch (GeneralSecurityException e) {
            throw new ConfigException("cannot create a TLS context: " + e.getMessage(), e);
        }
    }

    /**
     * The socket factory of a TLS context that uses {@link #trustManager()}.
     *
     * @return the socket factory
     */
    public SSLSocketFactory socketFactory() {
        return socketFactory;
    }

    /**
     * The trust manager.
     *
     * @return the trust manager
     */
    public X509TrustManager trustManager() {
        return trustManager;
    }
}
