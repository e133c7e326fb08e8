package io.clawgo.it;

import io.clawgo.testing.TempDirs;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium from the system packages ({@code /usr/bin/chromium} and {@code /usr/bin/chromedriver}), started so
 * that nothing is downloaded: the driver is given explicitly, so Selenium Manager never runs. Public for the benches in
 * sub-packages ({@code scale.WebUiBench}).
 */
public final class Browser implements AutoCloseable {
    static final File CHROMIUM = new File("/usr/bin/chromium");
    static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

    /** The driver of this browser. */
    public final ChromeDriver driver;
    private final ChromeDriverService service;
    private final Path profile;

    private Browser(ChromeDriver driver, ChromeDriverService service, Path profile) {
        this.driver = driver;
        this.service = service;
        this.profile = profile;
    }

    /** Why the browser cannot run here, or {@code null} when it can. */
    public static String unavailableReason() {
        if (!CHROMIUM.canExecute()) {
            return CHROMIUM + " is missing: install Debian's chromium (apt-get install -y chromium chromium-driver)";
        }
        if (!CHROMEDRIVER.canExecute()) {
            return CHROMEDRIVER + " is missing: install Debian's chromium-driver (apt-get install -y chromium-driver)";
        }
        return null;
    }

    /** Starts a headless Chromium with a window of {@code width} x {@code height} and a fresh profile. */
    public static Browser start(int width, int height) throws IOException {
        Path profile = Files.createTempDirectory("clawgo-it-chrome");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments(
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-extensions", "--hide-scrollbars", "--force-color-profile=srgb", "--lang=en-US",
                "--user-data-dir=" + profile, "--window-size=" + width + "," + height);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER)
                .usingAnyFreePort()
                .withSilent(true)
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
        return new Browser(driver, service, profile);
    }

    /** Emulates a viewport of {@code width} x {@code height} CSS pixels (below the minimum window width too). */
    void viewport(int width, int height, boolean mobile) {
        driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of(
                "width", width, "height", height, "deviceScaleFactor", 1, "mobile", mobile));
    }

    void clearViewport() {
        driver.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
    }

    /** A PNG of the whole page (not only the viewport) into {@code target/screenshots/<name>.png}. */
    Path screenshot(String name) throws IOException {
        return screenshot(name, true);
    }

    /** As {@link #screenshot(String)}; {@code scrollTop} first scrolls to the top (so the sticky bar sits there). */
    @SuppressWarnings("unchecked")
    Path screenshot(String name, boolean scrollTop) throws IOException {
        if (scrollTop) {
            driver.executeScript("window.scrollTo(0, 0)");
        }
        Map<String, Object> metrics = driver.executeCdpCommand("Page.getLayoutMetrics", Map.of());
        Map<String, Object> size = (Map<String, Object>) metrics.get("cssContentSize");
        Map<String, Object> viewport = (Map<String, Object>) metrics.get("cssLayoutViewport");
        double width = ((Number) viewport.get("clientWidth")).doubleValue();
        double height = Math.max(((Number) size.get("height")).doubleValue(),
                ((Number) viewport.get("clientHeight")).doubleValue());
        Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot", Map.of(
                "format", "png",
                "captureBeyondViewport", true,
                "clip", Map.of("x", 0, "y", 0, "width", width, "height", Math.min(height, 6000), "scale", 1)));
        Path dir = Path.of("target", "screenshots");
        Files.createDirectories(dir);
        Path file = dir.resolve(name + ".png");
        Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
        return file;
    }

    /** Quits the browser and its driver and deletes the profile. */
    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            TempDirs.deleteQuietly(profile);
        }
    }
}
