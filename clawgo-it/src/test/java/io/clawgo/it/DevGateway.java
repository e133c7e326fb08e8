package io.clawgo.it;

/**
 * Starts the UI test fixture for manual checks: {@code java -cp <test classpath> io.clawgo.it.DevGateway [port]}, then
 * open {@code http://127.0.0.1:<port>/} and sign in with {@value UiFixture#TOKEN}. Stops on Ctrl-C.
 */
public final class DevGateway {
    private DevGateway() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 18790;
        UiFixture f = UiFixture.start(port);
        f.dispatchViaApi("edge-1", "run", "uptime");
        Runtime.getRuntime().addShutdownHook(new Thread(f::close));
        System.out.println("gateway " + f.gateway.url() + " token " + UiFixture.TOKEN);
        Thread.currentThread().join();
    }
}
