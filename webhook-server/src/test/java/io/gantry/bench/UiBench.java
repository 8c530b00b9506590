package io.gantry.bench;

import io.gantry.runner.log.LogStore;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.server.GantryServer;
import io.gantry.server.config.ConfigLoader;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The web UI's benchmark (issue #14), in one run: with RUNS runs in the store, the runs page's time
 * to first byte (p50/p95/p99 over REQUESTS requests, one at a time on a kept-alive connection,
 * after warm-up) beside {@code /health} and the JSON API's list of the same 50 runs; the page's
 * weight (HTML and its assets); and in headless Chromium the time from navigation to the first log
 * lines on screen of a 200,000-line step beside a 100-line one.
 *
 * <p>Usage: {@code UiBench DIR [RUNS] [REQUESTS] [LOG_LINES]}.
 */
public final class UiBench {

  private UiBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    int requests = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    int logLines = args.length > 3 ? Integer.parseInt(args[3]) : 200_000;
    Path data = dir.resolve("data");
    long[] logRuns = seed(data, runs, logLines);
    Path config = dir.resolve("gantry.yml");
    Files.writeString(
        config,
        "server:\n  port: 0\n  data-dir: "
            + data
            + "\n  api-token: bench-token\n  public-read: true\n"
            + "repositories:\n  - name: acme/web\n    forge: git\n    clone-url: file:///nonexistent\n"
            + "    webhook-secret: s\n");
    try (GantryServer server = GantryServer.start(new ConfigLoader(name -> null).load(config))) {
      int port = server.port();
      System.out.printf(
          "%,d runs in the store; %d timed requests each, one at a time%n", runs, requests);
      System.out.println("| request | p50 ms | p95 ms | p99 ms | bytes |");
      System.out.println("|---|---|---|---|---|");
      long older = logRuns[2];
      for (String path :
          List.of(
              "/health",
              "/api/runs?limit=50",
              "/",
              "/?before=" + older,
              "/?workflow=deploy&status=failure")) {
        firstByte(port, path, requests / 5);
        Result r = firstByte(port, path, requests);
        System.out.printf(
            "| `GET %s` | %.2f | %.2f | %.2f | %,d |%n", path, r.p(50), r.p(95), r.p(99), r.bytes);
      }
      long weight = 0;
      for (String path :
          List.of("/", "/ui/assets/app.css", "/ui/assets/app.js", "/ui/assets/runs.js")) {
        weight += firstByte(port, path, 1).bytes;
      }
      System.out.printf(
          "runs page weight (HTML + app.css + app.js + runs.js, uncompressed): %,d bytes%n",
          weight);
      browser(port, logRuns[0], logRuns[1], logLines);
    }
  }

  /**
   * RUNS runs (a few kinds), and two finished runs whose failed step logged LOG_LINES and 100
   * lines.
   */
  private static long[] seed(Path data, int runs, int logLines) throws Exception {
    try (RunStore store = Stores.openEmbedded(data)) {
      LogStore logs = new LogStore(data);
      Instant start = Instant.now().minusSeconds(runs * 60L);
      long older = 0;
      for (int i = 0; i < runs; i++) {
        boolean deploy = i % 4 == 0;
        String payload =
            "{\"ref\":\"refs/heads/main\",\"after\":\""
                + sha(i)
                + "\",\"head_commit\":{\"id\":\""
                + sha(i)
                + "\",\"message\":\"Change number "
                + i
                + ": make the service answer faster\\n\\nA longer body"
                + " that the list does not show.\",\"author\":{\"name\":\"Dev\",\"email\":\"dev@example.com\"}},"
                + "\"pusher\":{\"name\":\"dev\"},\"repository\":{\"full_name\":\"acme/web\"}}";
        RunHistory.RunRecord run =
            store.createRun(
                new RunHistory.NewRun(
                    "acme/web",
                    deploy ? ".github/workflows/deploy.yml" : ".github/workflows/ci.yml",
                    deploy ? "deploy" : "ci",
                    "on: push\njobs: {}\n",
                    "push",
                    "refs/heads/main",
                    sha(i),
                    Map.of(),
                    "push by dev (delivery " + i + ")",
                    payload,
                    null,
                    false));
        store.runStarted(run.id(), start.plusSeconds(i * 60L));
        store.runFinished(
            run.id(),
            i % 7 == 0
                ? io.gantry.runner.store.Result.FAILURE
                : io.gantry.runner.store.Result.SUCCESS,
            start.plusSeconds(i * 60L + 42));
        if (i == runs / 2) {
          older = run.id();
        }
      }
      long big = logRun(store, logs, logLines);
      long small = logRun(store, logs, 100);
      return new long[] {big, small, older};
    }
  }

  private static long logRun(RunStore store, LogStore logs, int lines) {
    RunHistory.RunRecord run =
        store.createRun(
            new RunHistory.NewRun(
                "acme/web",
                ".github/workflows/ci.yml",
                "ci",
                "on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n      - run: x\n",
                "push",
                "refs/heads/main",
                sha(1),
                Map.of(),
                "push by dev",
                "{}",
                null,
                false));
    Instant at = Instant.now();
    store.runStarted(run.id(), at);
    long job = store.createJob(run.id(), "build", "build");
    store.jobStarted(job, at);
    long step = store.stepStarted(job, 1, "Test", at);
    try (LogStore.StepLogFile file = logs.open(run.id(), "build", 1)) {
      for (int i = 0; i < lines; i++) {
        file.append(
            at.plusMillis(i)
                + " [build / Test] [INFO] Running example.Test"
                + i
                + (i % 10 == 0
                    ? " \u001b[32mPASSED\u001b[0m in 0.0" + (i % 97) + " s"
                    : " ... ok"));
      }
    }
    store.stepFinished(
        step,
        io.gantry.runner.store.Result.FAILURE,
        io.gantry.runner.store.Result.FAILURE,
        Map.of(),
        at.plusSeconds(30));
    store.jobFinished(job, io.gantry.runner.store.Result.FAILURE, Map.of(), at.plusSeconds(30));
    store.runFinished(run.id(), io.gantry.runner.store.Result.FAILURE, at.plusSeconds(31));
    return run.id();
  }

  private static String sha(int i) {
    return String.format("%040x", i * 2654435761L);
  }

  record Result(List<Double> millis, long bytes) {
    double p(int percentile) {
      List<Double> sorted = new ArrayList<>(millis);
      Collections.sort(sorted);
      return sorted.get(
          Math.min(sorted.size() - 1, (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1));
    }
  }

  /** Time to the first byte of the answer, one request at a time on one connection. */
  private static Result firstByte(int port, String path, int count) throws Exception {
    List<Double> times = new ArrayList<>();
    long bytes = 0;
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setTcpNoDelay(true);
      OutputStream out = socket.getOutputStream();
      InputStream in = new java.io.BufferedInputStream(socket.getInputStream(), 1 << 16);
      byte[] request =
          ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < count; i++) {
        long t0 = System.nanoTime();
        out.write(request);
        out.flush();
        int first = in.read();
        times.add((System.nanoTime() - t0) / 1e6);
        bytes = readRest(in, first);
      }
    }
    return new Result(times, bytes);
  }

  /** Reads one response (Content-Length or chunked); returns the body's length. */
  private static long readRest(InputStream in, int first) throws Exception {
    StringBuilder head = new StringBuilder().append((char) first);
    while (!head.toString().endsWith("\r\n\r\n")) {
      head.append((char) in.read());
    }
    String headers = head.toString().toLowerCase(java.util.Locale.ROOT);
    int at = headers.indexOf("content-length:");
    if (at >= 0) {
      long length = Long.parseLong(headers.substring(at + 15, headers.indexOf("\r\n", at)).strip());
      in.readNBytes((int) length);
      return length;
    }
    long total = 0;
    while (true) {
      StringBuilder size = new StringBuilder();
      int c;
      while ((c = in.read()) != '\n') {
        size.append((char) c);
      }
      int n = Integer.parseInt(size.toString().strip(), 16);
      in.readNBytes(n + 2);
      total += n;
      if (n == 0) {
        return total;
      }
    }
  }

  private static void browser(int port, long big, long small, int logLines) {
    String chromium = which("chromium");
    String chromedriver = which("chromedriver");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(new java.io.File(chromium));
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000");
    ChromeDriver driver =
        new ChromeDriver(
            new ChromeDriverService.Builder()
                .usingDriverExecutable(new java.io.File(chromedriver))
                .usingAnyFreePort()
                .build(),
            options);
    driver.manage().timeouts().scriptTimeout(java.time.Duration.ofMinutes(2));
    try {
      System.out.println("| step log | navigation → first lines, median of 5 (ms) | runs |");
      System.out.println("|---|---|---|");
      for (long[] c : new long[][] {{small, 100}, {big, logLines}}) {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          driver.get("http://127.0.0.1:" + port + "/");
          driver.get("http://127.0.0.1:" + port + "/runs/" + c[0]);
          Object at =
              new org.openqa.selenium.support.ui.WebDriverWait(
                      driver, java.time.Duration.ofSeconds(60))
                  .until(
                      d ->
                          ((ChromeDriver) d)
                              .executeScript("return window.gantryFirstLinesAt || null"));
          if (i > 0) {
            times.add(((Number) at).doubleValue());
          }
        }
        Collections.sort(times);
        System.out.printf("| %,d lines | %.0f | %s |%n", c[1], times.get(2), times);
      }
    } finally {
      driver.quit();
    }
  }

  private static String which(String command) {
    for (String d : System.getenv("PATH").split(":")) {
      if (Files.isExecutable(Path.of(d, command))) {
        return Path.of(d, command).toString();
      }
    }
    throw new IllegalStateException(command + " is not installed (scripts/setup installs it)");
  }
}
