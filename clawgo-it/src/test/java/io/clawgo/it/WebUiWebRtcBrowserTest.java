package io.clawgo.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.clawgo.Gateway;
import io.clawgo.NodeAgent;
import io.clawgo.config.P2pConfig;
import io.clawgo.protocol.Response;
import io.clawgo.testing.TempDirs;
import io.clawgo.testing.TestHttp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web UI with one node over webrtc and one over the websocket tunnel: the gateway's transport is webrtc; node
 * {@code edge-ws} has no webrtc on its class path, so its dispatches fall back to the tunnel. Runs in a private network
 * namespace (see the pom): libwebrtc needs a non-loopback interface.
 */
class WebUiWebRtcBrowserTest {
    private static final String TOKEN = "ui-webrtc-token";
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static Gateway gateway;
    private static Path dir;
    private static NodeAgent rtcNode;
    private static NodeAgent wsNode;
    private static Browser browser;
    private static Map<String, Object> rtcPayload;
    private static Map<String, Object> wsPayload;

    /** A node with every transport found, or only those named. */
    private static NodeAgent node(String id, List<String> transports) {
        return NodeAgent.builder().gateway(gateway.url()).token(TOKEN).id(id).name(id)
                .actions(List.of("run", "agent_task"))
                .heartbeatInterval(Duration.ofSeconds(2))
                .handler(req -> Response.ok(Map.of("result", req.action() + " from " + id)))
                .transports(transports)
                .build();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> dispatch(String node) throws IOException {
        TestHttp.Reply r = TestHttp.post(gateway.url() + "/webui/api/node_dispatches/replay", TOKEN,
                "{\"node\":\"" + node + "\",\"action\":\"run\",\"mode\":\"auto\",\"timeout_sec\":30}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return (Map<String, Object>) ((Map<String, Object>) r.json().get("result")).get("payload");
    }

    @BeforeAll
    static void start() throws Exception {
        String browserMissing = Browser.unavailableReason();
        assumeTrue(browserMissing == null, browserMissing);
        String netnsSkip = System.getenv("CLAWGO_WEBRTC_NETNS_SKIP");
        assumeTrue(netnsSkip == null, "real WebRTC peers need a network namespace: " + netnsSkip);
        assumeTrue(System.getenv("CLAWGO_WEBRTC_NETNS") != null,
                "not running inside the test network namespace (run through Maven, see the pom)");

        dir = Files.createTempDirectory("clawgo-it-webrtc-ui");
        gateway = Gateway.builder().host("127.0.0.1").port(0).token(TOKEN).dataDir(dir)
                .p2p(P2pConfig.of("webrtc").withReadyTimeout(Duration.ofSeconds(3)))
                .start();
        assumeTrue(gateway.p2pTransport().orElse("").equals("webrtc"), "the webrtc transport is not available here");
        rtcNode = node("edge-rtc", null);
        wsNode = node("edge-ws", List.of("websocket_tunnel"));
        rtcNode.start();
        wsNode.start();
        assertThat(rtcNode.awaitConnected(WAIT)).isTrue();
        assertThat(wsNode.awaitConnected(WAIT)).isTrue();
        rtcPayload = dispatch("edge-rtc");
        wsPayload = dispatch("edge-ws");
        browser = Browser.start(1280, 900);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        for (NodeAgent n : new NodeAgent[] {rtcNode, wsNode}) {
            if (n != null) {
                n.close();
            }
        }
        if (gateway != null) {
            gateway.close();
        }
        TempDirs.deleteQuietly(dir);
    }

    private WebElement visible(By by) {
        return new WebDriverWait(browser.driver, WAIT, Duration.ofMillis(50))
                .ignoring(StaleElementReferenceException.class)
                .until(d -> {
                    List<WebElement> found = d.findElements(by);
                    return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
                });
    }

    private static By tid(String id) {
        return By.cssSelector("[data-testid='" + id + "']");
    }

    private static String cell(WebElement row, String col) {
        return row.findElement(By.cssSelector("[data-col='" + col + "']")).getText().trim();
    }

    @Test
    void dashboardAndSubagentsShowBothTransportsAndTheFallback() throws Exception {
        assertThat(rtcPayload).containsEntry("used_transport", "webrtc").doesNotContainKey("fallback_from");
        assertThat(wsPayload).containsEntry("used_transport", "websocket_tunnel").containsEntry("fallback_from", "webrtc");

        browser.driver.get(gateway.url() + "/");
        visible(tid("login-token")).sendKeys(TOKEN);
        browser.driver.findElement(tid("login-submit")).click();
        visible(tid("page-dashboard"));
        assertThat(visible(tid("p2p-transport")).getText()).isEqualTo("webrtc");
        WebElement session = visible(By.cssSelector("[data-testid='session-row'][data-node='edge-rtc']"));
        new WebDriverWait(browser.driver, WAIT).until(d -> cell(session, "status").equals("open"));
        assertThat(cell(session, "last_ready")).isNotEqualTo("—");

        WebElement rtcRow = visible(By.cssSelector("[data-testid='dispatch-row'][data-node='edge-rtc']"));
        assertThat(cell(rtcRow, "used_transport")).isEqualTo("webrtc");
        assertThat(cell(rtcRow, "fallback_from")).isEqualTo("—");
        WebElement wsRow = visible(By.cssSelector("[data-testid='dispatch-row'][data-node='edge-ws']"));
        assertThat(cell(wsRow, "used_transport")).isEqualTo("websocket_tunnel");
        assertThat(cell(wsRow, "fallback_from")).endsWith("webrtc");
        // the fallback is in the Dashboard's chart of the last hour, with its route
        assertThat(Integer.parseInt(visible(tid("chart-fallbacks")).getAttribute("data-total"))).isGreaterThanOrEqualTo(1);
        assertThat(visible(tid("chart-routes")).getText()).contains("webrtc → websocket_tunnel");
        browser.screenshot("webrtc-dashboard");

        browser.driver.findElement(tid("nav-subagents")).click();
        visible(tid("page-subagents"));
        WebElement card = visible(By.cssSelector("[data-testid='node-branch-card'][data-agent-id='node.edge-rtc.main']"));
        new Actions(browser.driver).moveToElement(card).perform();
        WebElement tooltip = card.findElement(tid("agent-tooltip"));
        new WebDriverWait(browser.driver, WAIT).until(d -> tooltip.isDisplayed());
        assertThat(tooltip.findElement(By.cssSelector("[data-field='transport'] dd")).getText()).isEqualTo("webrtc");
        assertThat(tooltip.findElement(By.cssSelector("[data-field='status'] dd")).getText()).isEqualTo("open");
        assertThat(tooltip.findElement(By.cssSelector("[data-field='last_ready'] dd")).getText()).isNotEqualTo("—");
        browser.screenshot("webrtc-subagents-tooltip", false);
    }
}
