package io.clawgo.internal.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/**
 * Plain sockets with {@code TCP_NODELAY} set, for our OkHttp clients (the node agent, the gateway's HTTP relay).
 *
 * <p>OkHttp leaves Nagle's algorithm on. A WebSocket message or HTTP body larger than one TCP segment then ends with a
 * short segment that Nagle holds until the previous one is acknowledged, while the peer delays that acknowledgement (40 ms
 * on Linux): a sequential 64 KiB round trip took 4-50 ms instead of about 2 ms. Every message and request is written
 * whole and flushed at once, so there is nothing for Nagle to coalesce.
 */
public final class NoDelaySocketFactory extends SocketFactory {

    /** A factory of plain sockets with {@code TCP_NODELAY}. */
    public NoDelaySocketFactory() {
        // stateless apart from the default factory it wraps
    }

    private final SocketFactory delegate = SocketFactory.getDefault();

    @Override
    public Socket createSocket() throws IOException {
        return noDelay(delegate.createSocket());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return noDelay(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return noDelay(delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return noDelay(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return noDelay(delegate.createSocket(address, port, localAddress, localPort));
    }

    private static Socket noDelay(Socket s) throws IOException {
        s.setTcpNoDelay(true);
        return s;
    }
}
