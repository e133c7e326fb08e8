package io.clawgo.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.clawgo.testing.TestHttp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web UI in a real headless Chromium against a real gateway with two real nodes over the WebSocket tunnel. The
 * steps run in order in one browser: wrong token, login, Dashboard, Nodes, Subagents (tooltip and dispatch form), phone
 * width, escaping, sign-out on 401, the Dashboard's charts, and paging and filtering a fleet of 63. Screenshots go to
 * {@code target/screenshots/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebUiBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private UiFixture fixture;
    private Browser browser;
    private org.openqa.selenium.chrome.ChromeDriver driver;
    private String base;
    private Map<String, Object> apiDispatch;

    @BeforeAll
    void start() throws Exception {
        String reason = Browser.unavailableReason();
        Assumptions.assumeTrue(reason == null, () -> "web UI browser tests skipped: " + reason);
        fixture = UiFixture.start(0);
        base = fixture.gateway.url();
        apiDispatch = fixture.dispatchViaApi("edge-1", "run", "uptime");
        browser = Browser.start(1280, 900);
        driver = browser.driver;
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    // ---------- helpers ----------

    private static By tid(String testid) {
        return By.cssSelector("[data-testid='" + testid + "']");
    }

    private <T> T until(Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT, Duration.ofMillis(50))
                .ignoring(StaleElementReferenceException.class)
                .until(condition);
    }

    private WebElement visible(By by) {
        return until(d -> {
            List<WebElement> found = d.findElements(by);
            return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
        });
    }

    private Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    private void login(String token) {
        WebElement input = visible(tid("login-token"));
        input.clear();
        input.sendKeys(token);
        driver.findElement(tid("login-submit")).click();
    }

    private void ensureLoggedIn() {
        if (driver.findElements(tid("app-shell")).stream().noneMatch(WebElement::isDisplayed)) {
            driver.get(base + "/");
            WebElement shown = visible(By.cssSelector("[data-testid='app-shell'], [data-testid='login-view']"));
            if ("login-view".equals(shown.getAttribute("data-testid"))) {
                login(UiFixture.TOKEN);
            }
            visible(tid("app-shell"));
        }
    }

    private void go(String nav, String page) {
        ensureLoggedIn();
        driver.findElement(tid(nav)).click();
        visible(tid(page));
    }

    private String text(WebElement root, String css) {
        return root.findElement(By.cssSelector(css)).getText().trim();
    }

    /** How often the mounted page has loaded its data (the page element's data-refreshes). */
    private int refreshes() {
        return Integer.parseInt(String.valueOf(js("return document.getElementById('page').dataset.refreshes || '0'")));
    }

    /** Runs {@code cause} (something that makes the gateway send an event) and waits until the page reloaded. */
    private void awaitReloadAfter(ThrowingRunnable cause) throws Exception {
        int before = refreshes();
        cause.run();
        until(d -> refreshes() > before ? true : null);
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private int intAttr(By by, String attribute) {
        return Integer.parseInt(driver.findElement(by).getAttribute(attribute));
    }

    private void assertNoHorizontalOverflow(String page) {
        Number scroll = (Number) js("return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);");
        Number width = (Number) js("return window.innerWidth;");
        assertThat(scroll.intValue()).as("page width of %s at %s px", page, width).isLessThanOrEqualTo(width.intValue());
    }

    // ---------- steps ----------

    @Test
    @Order(1)
    void wrongTokenIsRefusedClearly() {
        driver.get(base + "/");
        assertThat(visible(tid("login-view")).isDisplayed()).isTrue();
        assertThat(driver.findElement(tid("app-shell")).isDisplayed()).isFalse();
        login("not-the-token");
        WebElement error = visible(tid("login-error"));
        assertThat(error.getText()).contains("Wrong token").contains("401");
        assertThat(driver.findElement(tid("app-shell")).isDisplayed()).isFalse();
        assertThat(js("return sessionStorage.length")).isEqualTo(0L);
    }

    @Test
    @Order(2)
    void dashboardShowsSessionsAndTheApiDispatch() throws Exception {
        driver.get(base + "/");
        login(UiFixture.TOKEN);
        visible(tid("page-dashboard"));
        assertThat(js("return Object.values({...sessionStorage})")).isEqualTo(List.of(UiFixture.TOKEN));

        for (String node : List.of("edge-1", "edge-2")) {
            WebElement row = visible(By.cssSelector("[data-testid='session-row'][data-node='" + node + "']"));
            until(d -> "open".equals(row.findElement(By.cssSelector("[data-col='status'] .badge")).getText()) ? row : null);
            assertThat(text(row, "[data-col='retry_count']")).isEqualTo("0");
            assertThat(text(row, "[data-col='last_ready']")).isNotEqualTo("—");
        }
        assertThat(visible(tid("p2p-transport")).getText()).isEqualTo(UiFixture.TRANSPORT);
        assertThat(visible(tid("p2p-active-sessions")).getText()).isEqualTo("2");
        assertThat(visible(tid("stat-nodes-online-value")).getText()).isEqualTo("2");
        assertThat(visible(tid("stat-nodes-offline-value")).getText()).isEqualTo("0");
        assertThat(Integer.parseInt(visible(tid("stat-dispatches-hour-value")).getText())).isGreaterThanOrEqualTo(1);

        @SuppressWarnings("unchecked")
        Map<String, Object> response = (Map<String, Object>) apiDispatch.get("result");
        @SuppressWarnings("unchecked")
        Map<String, Object> payload = (Map<String, Object>) response.get("payload");
        assertThat(response.get("ok")).isEqualTo(true);
        assertThat(payload.get("used_transport")).isEqualTo(UiFixture.TRANSPORT);
        WebElement dispatch = visible(By.cssSelector("[data-testid='dispatch-row'][data-node='edge-1']"));
        assertThat(text(dispatch, "[data-col='used_transport']")).isEqualTo(UiFixture.TRANSPORT);
        assertThat(text(dispatch, "[data-col='result']")).isEqualTo("ok");
        assertThat(text(dispatch, "[data-col='fallback_from']")).isEqualTo("—");
        assertThat(dispatch.getText()).contains("run");
        assertThat(visible(tid("alerts-empty")).getText()).contains("No active alerts");
        assertThat(visible(tid("version")).getText()).contains("0.1.0").contains(UiFixture.TRANSPORT);
        // updates come from the gateway's event stream, not from polling
        until(d -> "events".equals(d.findElement(tid("live-status")).getAttribute("data-mode")) ? true : null);
        browser.screenshot("dashboard");
    }

    @Test
    @Order(3)
    void nodesPageListsBothNodesAndTheDetailShowsTheSession() throws Exception {
        go("nav-nodes", "page-nodes");
        for (String node : List.of("edge-1", "edge-2")) {
            WebElement card = visible(By.cssSelector("[data-testid='node-card'][data-node='" + node + "']"));
            assertThat(text(card, "[data-testid='node-status']")).isEqualTo("online");
            assertThat(text(card, "[data-testid='node-last-seen']")).matches("just now|\\d+ s ago");
        }
        WebElement edge1 = driver.findElement(By.cssSelector("[data-testid='node-card'][data-node='edge-1']"));
        assertThat(edge1.getText()).contains("Edge One", "linux / amd64", "v0.1.0", "http://127.0.0.1:1/edge-1",
                "agent_task", "llama3:8b", "gpu", "invoke", "coder");
        assertThat(text(edge1, "[data-field='transports'] dd")).isEqualTo(UiFixture.TRANSPORT);
        assertThat(driver.findElements(By.cssSelector("[data-testid='node-card'][data-node='local']"))).hasSize(1);
        browser.screenshot("nodes");

        edge1.findElement(tid("node-link")).click();
        WebElement detail = visible(tid("page-node-detail"));
        assertThat(driver.getCurrentUrl()).endsWith("/nodes?id=edge-1");
        assertThat(detail.getAttribute("data-node")).isEqualTo("edge-1");
        until(d -> "open".equals(d.findElement(tid("node-p2p-status")).getText()) ? true : null);
        assertThat(visible(tid("node-p2p-transport")).getText()).isEqualTo(UiFixture.TRANSPORT);
        assertThat(text(detail, "[data-field='transports'] dd")).isEqualTo(UiFixture.TRANSPORT);
        assertThat(visible(tid("node-p2p-retries")).getText()).isEqualTo("0");
        WebElement row = visible(tid("node-dispatch-row"));
        assertThat(text(row, "[data-col='used_transport']")).isEqualTo(UiFixture.TRANSPORT);
        browser.screenshot("node-detail");

        // a deep link works after a reload (the gateway serves the shell for /nodes)
        driver.navigate().refresh();
        until(d -> "open".equals(d.findElement(tid("node-p2p-status")).getText()) ? true : null);
        driver.findElement(tid("back-to-nodes")).click();
        visible(tid("node-list"));
    }

    @Test
    @Order(4)
    void subagentTooltipShowsTheSessionFieldsAndSurvivesPolling() throws Exception {
        go("nav-subagents", "page-subagents");
        By cardBy = By.cssSelector("[data-testid='node-branch-card'][data-agent-id='node.edge-1.main']");
        WebElement card = visible(cardBy);
        WebElement tooltip = card.findElement(tid("agent-tooltip"));
        assertThat(tooltip.isDisplayed()).isFalse();
        assertThat(driver.findElements(tid("node-branch-card"))).hasSizeGreaterThanOrEqualTo(3); // edge-1 main + coder, edge-2
        assertThat(driver.findElement(By.cssSelector("[data-testid='agent-card'][data-agent-id='researcher']")).isDisplayed()).isTrue();

        new Actions(driver).moveToElement(card).perform();
        until(d -> tooltip.isDisplayed() ? true : null);
        assertThat(tooltip.getAttribute("role")).isEqualTo("tooltip");
        assertThat(card.getAttribute("aria-describedby")).isEqualTo(tooltip.getAttribute("id"));
        Map<String, String> fields = Map.of(
                "transport", UiFixture.TRANSPORT,
                "status", "open",
                "retry_count", "0",
                "last_error", "—");
        fields.forEach((field, expected) -> assertThat(
                tooltip.findElement(By.cssSelector("[data-field='" + field + "'] dd")).getText()).as(field).isEqualTo(expected));
        WebElement ready = tooltip.findElement(By.cssSelector("[data-field='last_ready'] dd"));
        assertThat(ready.getText()).matches("just now|\\d+ s ago|\\d+ min ago");
        assertThat(Instant.parse(ready.getAttribute("data-value"))).isBefore(Instant.now().plusSeconds(1));
        assertThat(tooltip.findElement(By.cssSelector("[data-field='last_transport'] dd")).getText()).isEqualTo(UiFixture.TRANSPORT);
        assertThat(card.getAttribute("title")).contains("P2P transport: " + UiFixture.TRANSPORT, "Session status: open",
                "Retry count: 0", "Last ready: ", "Last error: -");
        browser.screenshot("subagents-tooltip", false);

        // a reload (here caused by a dispatch event) updates in place: the same elements stay, the tooltip stays open
        awaitReloadAfter(() -> fixture.dispatchViaApi("edge-1", "run", "while the tooltip is open"));
        assertThat(tooltip.isDisplayed()).isTrue();
        assertThat(driver.findElement(cardBy)).isEqualTo(card);

        // keyboard: focus opens the tooltip of another card, Escape hides it
        WebElement card2 = driver.findElement(By.cssSelector("[data-testid='node-branch-card'][data-agent-id='node.edge-2.main']"));
        new Actions(driver).moveToElement(driver.findElement(tid("topology-panel")), 0, -5).perform();
        js("arguments[0].focus()", card2);
        WebElement tooltip2 = card2.findElement(tid("agent-tooltip"));
        until(d -> tooltip2.isDisplayed() ? true : null);
        assertThat(tooltip2.findElement(By.cssSelector("[data-field='status'] dd")).getText()).isEqualTo("open");
        card2.sendKeys(Keys.ESCAPE);
        until(d -> tooltip2.isDisplayed() ? null : true);
        js("arguments[0].blur()", card2);
    }

    @Test
    @Order(5)
    void dispatchAndWaitFromTheFormCompletes() throws Exception {
        go("nav-subagents", "page-subagents");
        Select agent = new Select(visible(tid("dispatch-agent")));
        until(d -> agent.getOptions().stream().anyMatch(o -> "node.edge-2.main".equals(o.getAttribute("value"))) ? true : null);
        agent.selectByValue("node.edge-2.main");
        WebElement task = driver.findElement(tid("dispatch-task"));
        task.sendKeys("say hello");
        WebElement wait = driver.findElement(tid("dispatch-wait"));
        wait.clear();
        wait.sendKeys("20");
        driver.findElement(tid("dispatch-submit")).click();
        until(d -> "completed".equals(d.findElement(tid("dispatch-reply-status")).getText()) ? true : null);
        assertThat(visible(tid("dispatch-reply-transport")).getText()).isEqualTo(UiFixture.TRANSPORT);
        assertThat(visible(tid("dispatch-reply-fallback")).getText()).isEqualTo("—");
        assertThat(visible(tid("dispatch-reply-result")).getText()).isEqualTo("agent_task from edge-2: say hello");
        // the form keeps its inputs across reloads
        awaitReloadAfter(() -> fixture.dispatchViaApi("edge-1", "run", "while the form is filled"));
        assertThat(agent.getFirstSelectedOption().getAttribute("value")).isEqualTo("node.edge-2.main");
        assertThat(task.getAttribute("value")).isEqualTo("say hello");
        until(d -> d.findElements(tid("task-row")).isEmpty() ? null : true);
        assertThat(driver.findElement(tid("task-row")).getText()).contains("node.edge-2.main", "completed");
        browser.screenshot("subagents");
    }

    @Test
    @Order(6)
    void phoneWidthHasNoHorizontalOverflow() throws Exception {
        ensureLoggedIn();
        browser.viewport(390, 844, true);
        try {
            assertThat(js("return window.innerWidth")).isEqualTo(390L);
            go("nav-dashboard", "page-dashboard");
            visible(By.cssSelector("[data-testid='session-row'][data-node='edge-2']"));
            assertNoHorizontalOverflow("dashboard");
            assertThat(driver.findElement(tid("logout")).isDisplayed()).isTrue();
            // wide tables scroll inside their own box
            assertThat((Boolean) js("const w = document.querySelector('.table-wrap');"
                    + " return getComputedStyle(w).overflowX === 'auto' && w.clientWidth <= window.innerWidth;")).isTrue();
            browser.screenshot("mobile-dashboard");
            go("nav-nodes", "page-nodes");
            visible(By.cssSelector("[data-testid='node-card'][data-node='edge-1']"));
            assertNoHorizontalOverflow("nodes");
            browser.screenshot("mobile-nodes");
            go("nav-subagents", "page-subagents");
            WebElement card = visible(By.cssSelector("[data-testid='node-branch-card'][data-agent-id='node.edge-1.main']"));
            js("arguments[0].focus()", card);
            until(d -> card.findElement(tid("agent-tooltip")).isDisplayed() ? true : null);
            assertNoHorizontalOverflow("subagents with a tooltip open");
            js("arguments[0].blur()", card);
            browser.screenshot("mobile-subagents");
            assertThat(visible(tid("dispatch-submit")).getRect().getWidth()).isLessThanOrEqualTo(390);
        } finally {
            browser.clearViewport();
        }
    }

    @Test
    @Order(7)
    void stringsFromTheApiAreEscaped() throws Exception {
        String evil = "<img src=x onerror=\\\"window.__pwned=1\\\">";
        TestHttp.Reply r = TestHttp.post(base + "/nodes/register", UiFixture.TOKEN,
                "{\"id\":\"evil-1\",\"name\":\"" + evil + "\",\"tags\":[\"<b>bold</b>\"],\"version\":\"<script>1</script>\"}");
        assertThat(r.status()).isEqualTo(200);
        try {
            go("nav-nodes", "page-nodes");
            WebElement card = visible(By.cssSelector("[data-testid='node-card'][data-node='evil-1']"));
            assertThat(card.getText()).contains("<img src=x", "<b>bold</b>", "<script>1</script>");
            assertThat(card.findElements(By.tagName("img"))).isEmpty();
            assertThat(card.findElements(By.tagName("b"))).isEmpty();
            go("nav-subagents", "page-subagents");
            visible(By.cssSelector("[data-testid='node-branch-card'][data-agent-id='node.evil-1.main']"));
            assertThat(js("return window.__pwned === undefined")).isEqualTo(true);
        } finally {
            TestHttp.post(base + "/webui/api/nodes", UiFixture.TOKEN, "{\"action\":\"delete\",\"id\":\"evil-1\"}");
        }
    }

    @Test
    @Order(8)
    void anOfflineNodeAndFailedDispatchesShowUpLive() throws Exception {
        go("nav-dashboard", "page-dashboard");
        visible(By.cssSelector("[data-testid='session-row'][data-node='edge-2']"));
        fixture.nodes.get(1).close(); // edge-2 goes away
        fixture.dispatchViaApi("edge-2", "run", "are you there?");
        fixture.dispatchViaApi("edge-2", "run", "still there?");
        // no reload: the gateway's node and dispatch events bring the new state in
        until(d -> "1".equals(d.findElement(tid("stat-nodes-offline-value")).getText()) ? true : null);
        assertThat(Integer.parseInt(visible(tid("stat-failures-value")).getText())).isGreaterThanOrEqualTo(2);
        WebElement offline = visible(By.cssSelector("[data-testid='alert'][data-severity='critical']"));
        assertThat(offline.getText()).contains("Node offline", "edge-2", "node_offline");
        assertThat(visible(tid("alerts")).getText()).contains("Repeated dispatch failures");
        WebElement failed = visible(By.cssSelector("[data-testid='dispatch-row'][data-node='edge-2']"));
        assertThat(text(failed, "[data-col='result']")).isEqualTo("failed");
        assertThat(text(failed, "[data-col='code']")).isEqualTo("node_offline");
        browser.screenshot("dashboard-degraded");
        driver.executeCdpCommand("Emulation.setEmulatedMedia",
                Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", "dark"))));
        try {
            browser.screenshot("dashboard-dark");
        } finally {
            driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features", List.of()));
        }
        go("nav-nodes", "page-nodes");
        WebElement card = visible(By.cssSelector("[data-testid='node-card'][data-node='edge-2']"));
        until(d -> "offline".equals(text(card, "[data-testid='node-status']")) ? true : null);
    }

    @Test
    @Order(9)
    void aRefusedTokenReturnsToLoginAndLogoutForgetsIt() throws Exception {
        go("nav-dashboard", "page-dashboard");
        // the gateway stops accepting the tab's token: the next reload (here caused by a dispatch event) returns to
        // the login with the message
        js("sessionStorage.setItem('clawgo.gateway.token', 'rotated-away')");
        fixture.dispatchViaApi("edge-1", "run", "after the token changed");
        WebElement error = visible(tid("login-error"));
        assertThat(error.getText()).contains("Wrong token");
        assertThat(js("return sessionStorage.length")).isEqualTo(0L);

        login(UiFixture.TOKEN);
        visible(tid("page-dashboard"));
        driver.findElement(tid("logout")).click();
        visible(tid("login-view"));
        assertThat(visible(tid("login-info")).getText()).contains("Signed out");
        assertThat(js("return sessionStorage.length")).isEqualTo(0L);
        driver.navigate().refresh();
        assertThat(visible(tid("login-view")).isDisplayed()).isTrue();
    }

    @Test
    @Order(10)
    void dashboardChartsDrawTheLastHourAndMoveAfterDispatches() throws Exception {
        go("nav-dashboard", "page-dashboard");
        By rate = tid("chart-rate");
        visible(rate);
        int before = intAttr(rate, "data-total");
        assertThat(before).as("dispatches of the earlier steps").isGreaterThanOrEqualTo(3);
        assertThat(driver.findElement(rate).getAttribute("data-series")).contains(UiFixture.TRANSPORT);
        assertThat(driver.findElements(By.cssSelector("[data-testid='chart-rate'] polyline, "
                + "[data-testid='chart-rate'] circle"))).isNotEmpty();
        assertThat(intAttr(tid("chart-latency"), "data-points")).isGreaterThanOrEqualTo(1);
        assertThat(driver.findElement(tid("chart-fallbacks")).getText()).contains("No fallbacks");
        WebElement legend = visible(By.cssSelector("[data-testid='chart-legend-item'][data-transport='"
                + UiFixture.TRANSPORT + "']"));
        assertThat(legend.getText()).contains("p50", "p99");

        for (int i = 0; i < 3; i++) {
            fixture.dispatchViaApi("edge-1", "run", "chart " + i);
        }
        // the dispatch events reload the summary; the chart is redrawn with three more
        until(d -> intAttr(rate, "data-total") >= before + 3 ? true : null);
        browser.screenshot("dashboard-charts");
    }

    @Test
    @Order(11)
    void theNodesPagePagesThroughTheFleetAndTheGatewayFilters() throws Exception {
        int extra = 60; // with local, edge-1 and edge-2: 63 entries, two pages of 50
        for (int i = 0; i < extra; i++) {
            TestHttp.Reply r = TestHttp.post(base + "/nodes/register", UiFixture.TOKEN, String.format(
                    "{\"id\":\"bulk-%03d\",\"name\":\"Bulk %d\",\"tags\":[\"bulk\"]}", i, i));
            assertThat(r.status()).isEqualTo(200);
        }
        try {
            go("nav-nodes", "page-nodes");
            By cards = tid("node-card");
            until(d -> d.findElements(cards).size() == 50 ? true : null);
            assertThat(visible(tid("nodes-range")).getText()).isEqualTo("1–50 of 63");
            assertThat(driver.findElements(By.cssSelector("[data-testid='node-card'][data-node='bulk-059']"))).isEmpty();

            driver.findElement(tid("nodes-next")).click();
            visible(By.cssSelector("[data-testid='node-card'][data-node='bulk-059']"));
            until(d -> d.findElements(cards).size() == 13 ? true : null);
            assertThat(visible(tid("nodes-range")).getText()).isEqualTo("51–63 of 63");

            // the filter is applied by the gateway: a node of page 2 is found from the filter box
            driver.findElement(tid("nodes-prev")).click();
            until(d -> d.findElements(cards).size() == 50 ? true : null);
            driver.findElement(tid("nodes-filter")).sendKeys("bulk-05");
            until(d -> d.findElements(cards).size() == 10 ? true : null);
            assertThat(driver.findElements(cards)).allSatisfy(c -> assertThat(c.getAttribute("data-node"))
                    .startsWith("bulk-05"));
            assertThat((Boolean) js("return performance.getEntriesByType('resource').some(e => "
                    + "e.name.includes('/webui/api/nodes?') && e.name.includes('q=bulk-05'))")).isTrue();

            WebElement filter = driver.findElement(tid("nodes-filter"));
            filter.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
            new Select(driver.findElement(tid("nodes-online"))).selectByValue("false");
            visible(By.cssSelector("[data-testid='node-card'][data-node='edge-2']"));
            until(d -> d.findElements(cards).size() < 50 ? true : null);
            assertThat(driver.findElements(cards)).allSatisfy(c -> assertThat(c.getAttribute("data-online"))
                    .isEqualTo("false"));
            browser.screenshot("nodes-filtered");

            // Subagents pages the same way: one node branch per node of the page
            go("nav-subagents", "page-subagents");
            driver.findElement(tid("subagents-filter")).sendKeys("bulk-059");
            until(d -> d.findElements(tid("node-branch-card")).size() == 1 ? true : null);
            assertThat(driver.findElement(tid("node-branch-card")).getAttribute("data-agent-id"))
                    .isEqualTo("node.bulk-059.main");
        } finally {
            for (int i = 0; i < extra; i++) {
                TestHttp.post(base + "/webui/api/nodes", UiFixture.TOKEN,
                        String.format("{\"action\":\"delete\",\"id\":\"bulk-%03d\"}", i));
            }
        }
    }
}
