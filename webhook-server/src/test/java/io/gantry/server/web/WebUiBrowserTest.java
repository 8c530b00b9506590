package io.gantry.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.expression.Expressions;
import io.gantry.runner.git.GitRepos;
import io.gantry.server.GantryServer;
import io.gantry.server.config.ConfigLoader;
import io.gantry.server.forge.GitHookPayload;
import io.gantry.server.forge.PostReceive;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The web UI in a real browser (Debian's headless Chromium) against a real server on 127.0.0.1, a
 * real bare repository and real runs: sign-in, live runs and logs, groups, line links, escaping,
 * rerun, dispatch, cancel, a viewer's limits and CSRF. Screenshots go to target/screenshots.
 */
@Tag("browser")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebUiBrowserTest {

  static final String TOKEN = "api-token-of-the-ui-test";
  static final String ALICE = "alice-operator-token-0123456789";
  static final String VICTOR = "victor-viewer-token-0123456789";
  static final String SECRET = "hook-secret-of-the-ui-test";

  @TempDir static Path dir;
  private Path bare;
  private Path work;
  private String head = "0".repeat(40);
  private GantryServer server;
  private Browser browser;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void start() throws Exception {
    browser = Browser.start();
    bare = dir.resolve("origin.git");
    work = dir.resolve("work");
    GitRepos.git(dir, "init", "-q", "--bare", "-b", "main", bare.toString());
    GitRepos.git(dir, "init", "-q", "-b", "main", work.toString());
    GitRepos.git(work, "remote", "add", "origin", bare.toString());
    Files.createDirectories(work.resolve(".github/workflows"));
    Files.writeString(
        work.resolve(".github/workflows/ci.yml"),
        """
        name: ci
        on:
          push:
            branches: [main]
          workflow_dispatch:
            inputs:
              greeting:
                description: who to greet
                required: true
                default: world
              loud:
                type: boolean
                default: false
              flavour:
                type: choice
                options: [plain, fancy]
                default: plain
              wait:
                default: "1"
        jobs:
          build:
            runs-on: x
            steps:
              - name: Say hello
                env:
                  GREETING: ${{ inputs.greeting }}
                  LOUD: ${{ inputs.loud }}
                  FLAVOUR: ${{ inputs.flavour }}
                run: |
                  echo "::group::Details"
                  echo "inside the group"
                  echo "::endgroup::"
                  printf '\\033[32mgreen text\\033[0m\\n'
                  echo '<script>window.pwned=1</script><b>bold?</b>'
                  echo "greeting $GREETING loud $LOUD flavour $FLAVOUR"
                  for i in $(seq 1 30); do echo "line $i"; done
              - name: Tick
                env:
                  WAIT: ${{ inputs.wait || '3' }}
                run: |
                  for i in 1 2 3 4 5; do echo "tick $i"; sleep "$WAIT"; done
                  echo all-done-marker
        """);
    Files.writeString(
        work.resolve(".github/workflows/flaky.yml"),
        """
        name: flaky
        on: push
        jobs:
          good:
            runs-on: x
            steps:
              - run: echo good
          bad:
            runs-on: x
            needs: good
            steps:
              - run: echo failing on purpose; exit 3
        """);
    Path config = dir.resolve("gantry.yml");
    Files.writeString(
        config,
        "server:\n  port: 0\n  bind: 127.0.0.1\n  data-dir: "
            + dir.resolve("data")
            + "\n"
            + "  api-token: ${TOKEN}\n  workers: 3\n"
            + "users:\n"
            + "  - { name: alice, role: operator, token-hash: sha256:"
            + Access.sha256(ALICE)
            + " }\n"
            + "  - { name: victor, role: viewer, token-hash: sha256:"
            + Access.sha256(VICTOR)
            + " }\n"
            + "repositories:\n  - name: acme/web\n    forge: git\n    clone-url: file://"
            + bare
            + "\n"
            + "    webhook-secret: ${SECRET}\n");
    seedDeployments(dir.resolve("data"));
    server =
        GantryServer.start(
            new ConfigLoader(Map.of("TOKEN", TOKEN, "SECRET", SECRET)::get).load(config));
  }

  @AfterAll
  void stop() {
    if (browser != null) {
      browser.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aSignedInOperatorSeesAPushAppearLiveAndItsLogStreamToTheEnd() throws Exception {
    browser.driver.manage().deleteAllCookies();
    browser.driver.get(base() + "/");
    assertThat(browser.driver.getCurrentUrl()).contains("/signin");
    browser.screenshot("signin");
    signIn(ALICE);
    assertThat(browser.driver.getCurrentUrl()).isEqualTo(base() + "/");
    browser.driver.executeScript("window.notReloaded = true");

    Map<String, Long> runs = push("a streaming <b>commit</b>\n\nwith a body");
    long id = runs.get("ci");

    WebElement row = browser.await(d -> d.findElement(By.id("run-" + id)));
    assertThat(browser.driver.executeScript("return window.notReloaded === true")).isEqualTo(true);
    assertThat(row.getText())
        .contains("a streaming <b>commit</b>")
        .contains("push")
        .contains("dev")
        .contains("main");
    assertThat(row.getText()).doesNotContain("with a body");
    browser.screenshot("runs");

    row.findElement(By.cssSelector("a[href='/runs/" + id + "']")).click();
    browser.await(ExpectedConditions.urlToBe(base() + "/runs/" + id));
    browser.driver.executeScript("window.stayed = true");
    browser.await(d -> logText("build-2").contains("tick 1"));
    browser.await(d -> logText("build-2").contains("all-done-marker"));
    browser.await(d -> "success".equals(headerStatus()));
    assertThat(browser.driver.executeScript("return window.stayed === true")).isEqualTo(true);
    assertThat(logText("build-2")).contains("tick 5");
    browser.screenshot("run");
  }

  @Test
  void aGroupFoldsALineLinkOpensItsLineAndHtmlInALogIsShownAsText() throws Exception {
    signInFresh(ALICE);
    long id = push("groups and links").get("ci");
    awaitCompleted(id);
    browser.driver.get(base() + "/runs/" + id);
    WebElement step = browser.driver.findElement(By.id("step-build-1"));
    step.findElement(By.tagName("summary")).click();
    WebElement inside = browser.await(d -> lineWith("build-1", "inside the group"));
    assertThat(inside.isDisplayed()).isFalse();
    WebElement group = step.findElement(By.cssSelector("details.group > summary"));
    assertThat(group.getText()).contains("Details");
    group.click();
    assertThat(inside.isDisplayed()).isTrue();
    group.click();
    assertThat(inside.isDisplayed()).isFalse();

    WebElement html = lineWith("build-1", "<script>");
    assertThat(html.findElement(By.className("tx")).getText())
        .isEqualTo("<script>window.pwned=1</script><b>bold?</b>");
    assertThat(browser.driver.executeScript("return window.pwned === undefined")).isEqualTo(true);
    assertThat(browser.driver.findElements(By.cssSelector(".log b"))).isEmpty();
    assertThat(step.findElement(By.cssSelector(".log span.f32")).getText()).isEqualTo("green text");

    browser.driver.findElement(By.id("ts")).click();
    assertThat(lineWith("build-1", "line 7").findElement(By.className("ts")).getText())
        .matches("\\d{4}-.*Z");
    browser.driver.findElement(By.id("search")).sendKeys("line 17");
    browser.await(d -> d.findElement(By.id("hits")).getText().equals("1 matching lines"));

    String anchor = lineWith("build-1", "line 7").getDomAttribute("id");
    assertThat(anchor).matches("build-1-L\\d+");
    browser.driver.get(base() + "/");
    browser.driver.get(base() + "/runs/" + id + "#" + anchor);
    WebElement target = browser.await(d -> d.findElement(By.cssSelector(".line.target")));
    assertThat(target.getDomAttribute("id")).isEqualTo(anchor);
    assertThat(target.getText()).contains("line 7");
    assertThat(target.isDisplayed()).isTrue();
  }

  @Test
  void rerunningTheFailedJobsStartsTheNextAttemptOfThatRun() throws Exception {
    signInFresh(ALICE);
    long id = push("a failing job").get("flaky");
    awaitCompleted(id);
    browser.driver.get(base() + "/runs/" + id);
    assertThat(headerStatus()).isEqualTo("failure");
    assertThat(browser.driver.findElements(By.cssSelector(".graph .col"))).hasSize(2);
    browser.driver.findElement(By.cssSelector("button[data-action='rerun-failed']")).click();
    browser.await(d -> !d.getCurrentUrl().equals(base() + "/runs/" + id));
    long rerun = Long.parseLong(browser.driver.getCurrentUrl().replaceAll(".*/runs/", ""));
    assertThat(browser.driver.findElement(By.tagName("h1")).getText()).contains("attempt 2");
    Map<?, ?> details = awaitCompleted(rerun);
    assertThat(details.get("trigger")).isEqualTo("rerun of failed jobs by alice of run " + id);
    assertThat(((Number) details.get("attempt")).intValue()).isEqualTo(2);
  }

  @Test
  void theDispatchFormStartsARunWithTheGivenInputs() throws Exception {
    signInFresh(ALICE);
    long id = push("to dispatch from").get("ci");
    browser.driver.get(base() + "/runs/" + id);
    WebElement form = browser.driver.findElement(By.id("dispatch"));
    WebElement greeting = form.findElement(By.name("input.greeting"));
    assertThat(greeting.getDomProperty("value")).isEqualTo("world");
    greeting.clear();
    greeting.sendKeys("the browser");
    form.findElement(By.name("input.loud")).click();
    new Select(form.findElement(By.name("input.flavour"))).selectByVisibleText("fancy");
    WebElement wait = form.findElement(By.name("input.wait"));
    wait.clear();
    wait.sendKeys("0");
    browser.screenshot("dispatch-form");
    form.findElement(By.cssSelector("button[type=submit]")).click();
    browser.await(d -> !d.getCurrentUrl().equals(base() + "/runs/" + id));
    long dispatched = Long.parseLong(browser.driver.getCurrentUrl().replaceAll(".*/runs/", ""));
    Map<?, ?> details = awaitCompleted(dispatched);
    assertThat(details.get("event")).isEqualTo("workflow_dispatch");
    assertThat(details.get("trigger")).isEqualTo("dispatched by alice");
    browser.driver.navigate().refresh();
    browser.driver.findElement(By.cssSelector("#step-build-1 > summary")).click();
    browser.await(d -> lineWith("build-1", "greeting the browser loud true flavour fancy"));
  }

  @Test
  void theCancelButtonStopsARunningRun() throws Exception {
    signInFresh(ALICE);
    push("to cancel");
    HttpResponse<String> started =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/api/runs"))
                .header("Authorization", "Bearer " + ALICE)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"repo\":\"acme/web\",\"ref\":\"main\",\"workflow\":\"ci.yml\",\"inputs\":{\"wait\":\"30\"}}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
    long id = ((Number) ((Map<?, ?>) Expressions.fromJson(started.body())).get("id")).longValue();
    browser.driver.get(base() + "/runs/" + id);
    browser.await(d -> logText("build-2").contains("tick 1"));
    browser.driver.findElement(By.cssSelector("button[data-action='cancel']")).click();
    browser.await(ExpectedConditions.alertIsPresent()).accept();
    browser.await(d -> "cancelled".equals(headerStatus()));
    assertThat(awaitCompleted(id).get("conclusion")).isEqualTo("cancelled");
    assertThat(logText("build-2")).doesNotContain("all-done-marker");
  }

  @Test
  void aViewerSeesNoButtonsAndTheApiRefusesItsCalls() throws Exception {
    long id = push("for the viewer").get("ci");
    signInFresh(VICTOR);
    browser.driver.get(base() + "/runs/" + id);
    assertThat(browser.driver.findElement(By.cssSelector(".who")).getText())
        .contains("victor (viewer)");
    assertThat(browser.driver.findElements(By.cssSelector("button[data-action]"))).isEmpty();
    assertThat(browser.driver.findElements(By.id("dispatch"))).isEmpty();
    browser.screenshot("run-as-viewer");
    Object status =
        fetch(
            "/api/runs/" + id + "/cancel",
            "return document.querySelector('meta[name=csrf-token]').content");
    assertThat(status).isEqualTo(403L);
    HttpResponse<String> bearer = post("/api/runs/" + id + "/cancel", VICTOR);
    assertThat(bearer.statusCode()).isEqualTo(403);
    assertThat(bearer.body()).contains("victor is a viewer");
    assertThat(post("/api/runs/" + id + "/cancel", "not-a-token").statusCode()).isEqualTo(401);

    browser.driver.manage().deleteAllCookies();
    browser.driver.get(base() + "/runs/" + id);
    assertThat(browser.driver.getCurrentUrl()).contains("/signin?next=");
  }

  @Test
  void aMutatingCallWithoutTheSessionsCsrfTokenIsRefused() throws Exception {
    long id = push("for csrf").get("ci");
    signInFresh(ALICE);
    browser.driver.get(base() + "/runs/" + id);
    assertThat(fetch("/api/runs/" + id + "/cancel", "return 'forged-token'")).isEqualTo(403L);
    assertThat(fetch("/api/runs/" + id + "/cancel", "return null")).isEqualTo(403L);
    Map<?, ?> run = json(get("/api/runs/" + id));
    assertThat(run.get("cancelRequested")).isEqualTo(false);
    // A sign-in form posted from elsewhere (without the form's own token) signs nobody in.
    HttpResponse<String> signIn =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/signin"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + ALICE + "&_csrf=guess"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(signIn.statusCode()).isEqualTo(403);
    assertThat(signIn.headers().allValues("Set-Cookie"))
        .noneMatch(c -> c.startsWith(Access.COOKIE + "=") && !c.startsWith(Access.COOKIE + "=;"));
  }

  @Test
  void aServicesDeploymentsShowItsHistoryWithTheLastKnownGoodMarked() {
    signInFresh(ALICE);
    browser.driver.get(base() + "/");
    WebElement service = browser.driver.findElement(By.cssSelector("table.services"));
    assertThat(service.getText())
        .contains("default/hello-service")
        .contains("deploy rolled_back")
        .contains("hello-service:3");
    service.findElement(By.linkText("default/hello-service")).click();
    WebElement good = browser.await(d -> d.findElement(By.cssSelector("tr.good")));
    assertThat(good.getDomAttribute("id")).isEqualTo("deployment-" + goodDeployment);
    assertThat(good.getText())
        .contains("last known good")
        .contains("hello-service:2")
        .contains("registry.test/hello@sha256:");
    assertThat(browser.driver.findElements(By.cssSelector("table.deployments tbody tr")))
        .extracting(r -> r.getDomAttribute("id"))
        .containsExactly(
            "deployment-" + (goodDeployment + 1),
            "deployment-" + goodDeployment,
            "deployment-" + (goodDeployment - 1));
    assertThat(browser.driver.findElement(By.id("deployment-" + (goodDeployment + 1))).getText())
        .contains("rolled_back")
        .contains("health check failed: /health answered 500")
        .contains("push by dev");
    // Rollback is offered on the server's own ECS endpoint only (the one its API rolls back on).
    assertThat(browser.driver.findElements(By.cssSelector("button[data-rollback]"))).isEmpty();
    browser.screenshot("deployments");

    signInFresh(VICTOR);
    browser.driver.get(base() + "/services/default/hello-service?endpoint=" + ENDPOINT);
    assertThat(browser.driver.findElement(By.cssSelector("tr.good")).getText())
        .contains("last known good");
    assertThat(browser.driver.findElements(By.cssSelector("button[data-rollback]"))).isEmpty();
  }

  private long goodDeployment;
  private static final String ENDPOINT = "http://127.0.0.1:4566";

  /** A service's history as deploys record it: two good deploys, then a failed one rolled back. */
  private void seedDeployments(Path data) {
    io.gantry.runner.store.DeployHistory.ServiceKey key =
        new io.gantry.runner.store.DeployHistory.ServiceKey(ENDPOINT, "default", "hello-service");
    try (io.gantry.runner.store.RunStore store = io.gantry.runner.store.Stores.openEmbedded(data)) {
      io.gantry.runner.store.DeployHistory history = store.deployHistory();
      java.time.Instant at = java.time.Instant.now().minusSeconds(3600);
      io.gantry.runner.store.DeployHistory.Outcome[] outcomes = {
        io.gantry.runner.store.DeployHistory.Outcome.SUCCEEDED,
        io.gantry.runner.store.DeployHistory.Outcome.SUCCEEDED,
        io.gantry.runner.store.DeployHistory.Outcome.ROLLED_BACK
      };
      for (int i = 0; i < 3; i++) {
        long id =
            history.started(
                new io.gantry.runner.store.DeployHistory.NewDeployment(
                    key,
                    "hello-service:" + (i + 1),
                    List.of("registry.test/hello@sha256:" + String.valueOf(i + 1).repeat(64)),
                    null,
                    String.valueOf((char) ('a' + i)).repeat(40),
                    "push by dev",
                    io.gantry.runner.store.DeployHistory.Kind.DEPLOY,
                    null,
                    null,
                    at.plusSeconds(600L * i)));
        history.finished(
            id,
            outcomes[i],
            i == 2 ? "health check failed: /health answered 500" : null,
            at.plusSeconds(600L * i + 90));
        if (i == 1) {
          goodDeployment = id;
        }
      }
    }
  }

  // ---- helpers ----

  private Object fetch(String path, String csrfScript) {
    return browser.driver.executeAsyncScript(
        "const done = arguments[arguments.length - 1];"
            + "const token = (function () { "
            + csrfScript
            + " })();"
            + "const headers = { 'Content-Type': 'application/json' };"
            + "if (token !== null) headers['X-CSRF-Token'] = token;"
            + "fetch(arguments[0], { method: 'POST', headers: headers, body: '{}' }).then(r => done(r.status));",
        path);
  }

  private void signInFresh(String token) {
    browser.driver.manage().deleteAllCookies();
    browser.driver.get(base() + "/signin");
    signIn(token);
  }

  private void signIn(String token) {
    browser.driver.findElement(By.id("token")).sendKeys(token);
    browser.driver.findElement(By.cssSelector(".signin button[type=submit]")).click();
    browser.await(d -> !d.getCurrentUrl().contains("/signin"));
    assertThat(browser.driver.manage().getCookieNamed(Access.COOKIE).isHttpOnly()).isTrue();
    assertThat(browser.driver.manage().getCookieNamed(Access.COOKIE).getSameSite())
        .isEqualTo("Strict");
  }

  private String headerStatus() {
    return fresh(
        () ->
            browser
                .driver
                .findElement(By.cssSelector("#live h1 .st"))
                .getDomAttribute("aria-label"));
  }

  /**
   * Reads the page again when the live part was re-rendered between finding an element and reading
   * it (the page replaces it as the run changes).
   */
  private static String fresh(java.util.function.Supplier<String> read) {
    for (int tries = 1; ; tries++) {
      try {
        return read.get();
      } catch (org.openqa.selenium.StaleElementReferenceException e) {
        if (tries == 5) {
          throw e;
        }
      }
    }
  }

  private String logText(String step) {
    return fresh(() -> logTextOnce(step));
  }

  private String logTextOnce(String step) {
    List<WebElement> logs = browser.driver.findElements(By.cssSelector("#step-" + step + " .log"));
    return logs.isEmpty() ? "" : logs.get(0).getDomProperty("textContent");
  }

  private WebElement lineWith(String step, String text) {
    for (WebElement line :
        browser.driver.findElements(By.cssSelector("#step-" + step + " .line"))) {
      if (line.getDomProperty("textContent").contains(text)) {
        return line;
      }
    }
    return null;
  }

  /**
   * Commits, pushes to the bare repository and delivers the hook's signed push; runs by workflow.
   */
  private synchronized Map<String, Long> push(String message) throws Exception {
    Files.writeString(work.resolve("change.txt"), message + System.nanoTime());
    GitRepos.git(work, "add", ".");
    GitRepos.git(work, "commit", "-q", "-m", message);
    String sha = GitRepos.git(work, "rev-parse", "HEAD").strip();
    GitRepos.git(work, "push", "-q", "origin", "main");
    GitHookPayload payload =
        GitHookPayload.of(
            "acme/web", new PostReceive.RefUpdate(head, sha, "refs/heads/main"), "dev");
    head = sha;
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(base() + "/hooks/git"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(payload.body()));
    payload.headers(SECRET).forEach(builder::header);
    HttpResponse<String> response =
        http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    Map<String, Long> runs = new java.util.HashMap<>();
    for (Object run : (List<?>) json(response.body()).get("runs")) {
      long id = ((Number) run).longValue();
      runs.put((String) json(get("/api/runs/" + id)).get("workflow"), id);
    }
    assertThat(runs).containsKeys("ci", "flaky");
    return runs;
  }

  private Map<?, ?> awaitCompleted(long id) throws Exception {
    return browser.await(
        d -> {
          try {
            Map<?, ?> run = json(get("/api/runs/" + id));
            return "COMPLETED".equals(run.get("status")) ? run : null;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  private String get(String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(base() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private HttpResponse<String> post(String path, String bearer) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base() + path))
            .header("Authorization", "Bearer " + bearer)
            .POST(HttpRequest.BodyPublishers.ofString(""))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static Map<?, ?> json(String body) throws Exception {
    return (Map<?, ?>) Expressions.fromJson(body);
  }

  private String base() {
    return "http://127.0.0.1:" + server.port();
  }
}
