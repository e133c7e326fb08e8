package io.clawgo.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.config.ClusterConfig;
import io.clawgo.protocol.Response;
import io.clawgo.testing.NatsServer;
import io.clawgo.testing.TestHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web UI of one gateway of a cluster, in a real headless Chromium: the Nodes page shows a node connected to the
 * other gateway, with the gateway that holds it, and the list of gateways.
 */
class WebUiClusterBrowserTest {
    private static final String TOKEN = "ui-cluster-token";

    @TempDir
    Path dir;

    @Test
    void theNodesPageOfAnyGatewayShowsTheWholeFleetAndWhoHoldsEachNode() throws Exception {
        String reason = Browser.unavailableReason();
        Assumptions.assumeTrue(reason == null, () -> "web UI browser tests skipped: " + reason);
        NatsServer.assumeInstalled();
        ClusterConfig cluster = ClusterConfig.builder().provider("nats").name("ui").build();
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"));
             Gateway a = gateway(dir.resolve("a"), cluster.toBuilder().servers(List.of(nats.url())).build());
             Gateway b = gateway(dir.resolve("b"), cluster.toBuilder().servers(List.of(nats.url())).build());
             NodeAgent node = NodeAgent.builder().gateway(a.url()).token(TOKEN).id("held-by-a").name("Held by A")
                     .actions(List.of("run")).handler(req -> Response.ok(Map.of("result", "ok"))).build();
             Browser browser = Browser.start(1280, 900)) {
            node.start();
            assertThat(node.awaitConnected(Duration.ofSeconds(10))).isTrue();
            assertThat(TestHttp.await(Duration.ofSeconds(10),
                    () -> b.status().cluster() != null && b.status().cluster().owners().containsKey("held-by-a")))
                    .isTrue();

            var driver = browser.driver;
            WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(10), Duration.ofMillis(50));
            wait.ignoring(StaleElementReferenceException.class);
            driver.get(b.url() + "/");
            wait.until(d -> visible(d.findElements(By.cssSelector("[data-testid='login-token']"))));
            driver.findElement(By.cssSelector("[data-testid='login-token']")).sendKeys(TOKEN);
            driver.findElement(By.cssSelector("[data-testid='login-submit']")).click();
            wait.until(d -> visible(d.findElements(By.cssSelector("[data-testid='app-shell']"))));
            driver.findElement(By.cssSelector("[data-testid='nav-nodes']")).click();

            WebElement card = wait.until(d -> first(d.findElements(
                    By.cssSelector("[data-testid='node-card'][data-node='held-by-a']"))));
            wait.until(d -> card.getAttribute("data-online").equals("true") ? true : null);
            assertThat(card.findElement(By.cssSelector("[data-testid='node-gateway']")).getText())
                    .isEqualTo(a.memberId());
            WebElement gateways = driver.findElement(By.cssSelector("[data-testid='cluster-gateways']"));
            wait.until(d -> gateways.findElements(By.cssSelector("[data-testid='cluster-gateway']")).size() == 2
                    ? true : null);
            assertThat(gateways.getText()).contains(a.memberId(), b.memberId() + " (this one)");
            browser.screenshot("cluster-nodes");
        }
    }

    private static Gateway gateway(Path dir, ClusterConfig cluster) {
        return Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir).transport("websocket_tunnel")
                .cluster(cluster.toBuilder().options(Map.of("heartbeat_ms", "200")).build()).start();
    }

    private static Boolean visible(List<WebElement> found) {
        return !found.isEmpty() && found.get(0).isDisplayed() ? true : null;
    }

    private static WebElement first(List<WebElement> found) {
        return found.isEmpty() ? null : found.get(0);
    }
}
