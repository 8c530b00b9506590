package io.gantry.runner.deploy;

import io.gantry.runner.action.JobDeploys;
import io.gantry.runner.aws.AwsFailures;
import io.gantry.runner.aws.AwsProblem;
import io.gantry.runner.store.DeployHistory;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Health checking, the deploy's judge: probes a URL until it has answered as expected {@code
 * consecutive-successes} times in a row, or fails when {@code timeout} has passed, with the last
 * probe's result. A deploy is healthy when what it put live answers, e.g. with the version just
 * built ({@code expect-json: $.version == ${{ github.sha }}}). {@code gantry/health-check} is this
 * as a workflow step; a rollback runs it again with a deployment's recorded settings ({@link
 * Rollbacks#recheck}).
 *
 * <p>Each probe is one request through the JDK's {@link HttpClient} (HTTP/1.1, redirects not
 * followed, {@code request-timeout} to connect and to answer), judged by {@link
 * HealthExpectations}, and logged as one line: {@code probe 3: 200 in 12 ms, body ok (2 of 3)} or
 * {@code probe 4: 503 in 4 ms: expected 200-399}. A failed probe starts the count of successes
 * again. Probes start {@code interval} apart (a slow answer eats into the wait). Header values are
 * never logged, and those of headers that carry credentials ({@code Authorization}, cookies, names
 * with token, key, secret, auth, password or session) are masked, in case an answer echoes them. A
 * check stops soon after a cancel: a request under way is abandoned.
 *
 * <p>After a deploy of the same job ({@link JobDeploys}): a check that passes is recorded on the
 * deployments made since the previous check ({@link #recordPassed}: {@link HealthCheckSettings} as
 * JSON in the deploy history; headers left out when they hold a masked value), so that a rollback
 * to one of them runs it again; a check that fails rolls those services back to their last known
 * good deployment ({@link ServiceRollback#afterFailedCheck}).
 */
public final class HealthCheck {

  /** How much of an answer is read: enough for any health document, bounded for a runaway one. */
  private static final int MAX_BODY = 1 << 20;

  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  private static final Pattern SENSITIVE =
      Pattern.compile("(?i).*(auth|token|key|secret|password|session|cookie).*");

  /** The result of one probe: the status (0 when no answer came) and its log text. */
  private record Probe(int status, boolean healthy, String text) {}

  /**
   * Where a check reports, and how it notices a cancel: the step's context, or a rollback
   * re-running a recorded check.
   */
  public interface Probing extends Progress {

    /** After each probe: the last status ({@code ""} when no answer came) and the count. */
    default void probed(String status, int probes) {}
  }

  /**
   * How a check ended.
   *
   * @param message why it was not healthy (one line, without the action's name), or null
   */
  public record Verdict(boolean healthy, String message) {}

  private HealthCheck() {}

  /**
   * Records a passing check on the deploys of this job it judged (those made since the previous
   * check), headers only when they hold no masked value.
   *
   * @param mask the text as the log would show it (to tell whether the headers hold a secret)
   */
  public static void recordPassed(
      JobDeploys deploys,
      DeployHistory history,
      HealthCheckSettings settings,
      UnaryOperator<String> mask,
      Consumer<String> log) {
    if (deploys == null || history == null) {
      return;
    }
    List<JobDeploys.Deploy> judged = deploys.takeUnchecked();
    if (judged.isEmpty()) {
      return;
    }
    HealthCheckSettings kept = settings;
    if (settings.headers() != null
        && (!mask.apply(settings.headers()).equals(settings.headers())
            || hasSensitiveHeader(settings.headers()))) {
      kept = settings.withoutHeaders();
      log.accept(
          "The headers hold a secret: the health check is recorded without them, so a rollback"
              + " re-runs it without headers");
    }
    String json = kept.toJson();
    for (JobDeploys.Deploy d : judged) {
      history.recordHealthCheck(d.deploymentId(), json);
      log.accept(
          "Recorded this health check on deployment "
              + d.deploymentId()
              + " of "
              + d.service().cluster()
              + "/"
              + d.service().service());
    }
  }

  private static boolean hasSensitiveHeader(String headers) {
    for (String line : headers.split("\\R")) {
      int colon = line.indexOf(':');
      if (colon > 0 && SENSITIVE.matcher(line.substring(0, colon).trim()).matches()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Runs a check: probes until it passes, fails or is cancelled.
   *
   * @throws AwsProblem when a setting cannot be read (one line naming the input)
   */
  public static Verdict check(HealthCheckSettings settings, Probing context)
      throws AwsProblem, InterruptedException {
    StepInputs in = new StepInputs(settings.inputs());
    Duration interval = in.duration("interval", Duration.ofSeconds(2));
    Duration requestTimeout = in.duration("request-timeout", Duration.ofSeconds(5));
    Duration timeout = in.duration("timeout", Duration.ofMinutes(2));
    int needed = in.integer("consecutive-successes", 3, 1, 1000);
    HealthExpectations expect = HealthExpectations.read(in);
    HttpRequest request = request(context, in, requestTimeout);
    context.log(
        "Probing "
            + request.method()
            + " "
            + request.uri()
            + " every "
            + StepInputs.show(interval)
            + " until "
            + needed
            + (needed == 1 ? " answer passes" : " answers in a row pass")
            + " (at most "
            + StepInputs.show(timeout)
            + "): "
            + expect.describe());

    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(requestTimeout)
            .build();
    long deadline = System.nanoTime() + timeout.toNanos();
    int probes = 0;
    int streak = 0;
    Probe last = null;
    while (!context.cancelled()) {
      long started = System.nanoTime();
      probes++;
      last = probe(client, request, expect, context);
      if (last == null) {
        break; // cancelled while waiting for the answer
      }
      streak = last.healthy() ? streak + 1 : 0;
      context.log(
          "probe "
              + probes
              + ": "
              + last.text()
              + (last.healthy() && needed > 1 ? " (" + streak + " of " + needed + ")" : ""));
      context.probed(last.status() == 0 ? "" : String.valueOf(last.status()), probes);
      if (streak >= needed) {
        context.log(
            "Healthy: "
                + request.uri()
                + " passed "
                + (needed == 1 ? "the probe" : needed + " probes in a row")
                + " after "
                + probes
                + (probes == 1 ? " probe" : " probes"));
        return new Verdict(true, null);
      }
      long next = started + interval.toNanos();
      if (next - deadline >= 0) {
        return new Verdict(
            false,
            request.uri()
                + " was not healthy within "
                + StepInputs.show(timeout)
                + " ("
                + probes
                + (probes == 1 ? " probe" : " probes")
                + "); last: "
                + last.text()
                + (last.healthy() ? " (" + streak + " of " + needed + " in a row)" : ""));
      }
      if (!sleepUntil(next, context)) {
        break;
      }
    }
    return new Verdict(false, "cancelled after " + probes + (probes == 1 ? " probe" : " probes"));
  }

  /** One probe; null when the step was cancelled before the answer came. */
  private static Probe probe(
      HttpClient client, HttpRequest request, HealthExpectations expect, Probing context)
      throws InterruptedException {
    long started = System.nanoTime();
    CompletableFuture<HttpResponse<InputStream>> sent =
        client.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
    HttpResponse<InputStream> response;
    try {
      response = await(sent, context);
      if (response == null) {
        return null;
      }
    } catch (ExecutionException e) {
      return new Probe(
          0, false, failure(e.getCause(), request) + " after " + millis(started) + " ms");
    }
    int status = response.statusCode();
    String body = "";
    try (InputStream stream = response.body()) {
      if (expect.checksBody()) {
        body = new String(stream.readNBytes(MAX_BODY), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      return new Probe(
          status,
          false,
          status + " in " + millis(started) + " ms: " + failure(e, request) + " in the body");
    }
    long took = millis(started);
    String problem = expect.problem(status, body);
    if (problem != null) {
      return new Probe(status, false, status + " in " + took + " ms: " + problem);
    }
    return new Probe(
        status, true, status + " in " + took + " ms" + (expect.checksBody() ? ", body ok" : ""));
  }

  /** The answer, waiting in short slices to notice a cancel; null when cancelled. */
  private static HttpResponse<InputStream> await(
      CompletableFuture<HttpResponse<InputStream>> sent, Probing context)
      throws ExecutionException, InterruptedException {
    while (true) {
      if (context.cancelled()) {
        sent.cancel(true);
        return null;
      }
      try {
        return sent.get(100, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        // keep waiting; the request's own timeout ends it
      }
    }
  }

  /** Sleeps until {@code next} (a nanoTime); false when the step was cancelled meanwhile. */
  private static boolean sleepUntil(long next, Probing context) throws InterruptedException {
    long left;
    while ((left = next - System.nanoTime()) > 0) {
      if (context.cancelled()) {
        return false;
      }
      TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
    }
    return !context.cancelled();
  }

  private static HttpRequest request(Probing context, StepInputs in, Duration timeout)
      throws AwsProblem {
    String url = in.text("url");
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new AwsProblem("input 'url': '" + url + "' is not a URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      throw new AwsProblem(
          "input 'url': '" + url + "' is not an http:// or https:// URL with a host");
    }
    if (uri.getUserInfo() != null) {
      throw new AwsProblem(
          "input 'url' holds credentials (user:password@); send them in 'headers' instead, e.g."
              + " Authorization: Bearer ${{ secrets.HEALTH_TOKEN }}");
    }
    String method = in.text("method").isEmpty() ? "GET" : in.text("method");
    if (!TOKEN.matcher(method).matches()) {
      throw new AwsProblem("input 'method': '" + method + "' is not an HTTP method, e.g. GET");
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .method(method.toUpperCase(Locale.ROOT), HttpRequest.BodyPublishers.noBody());
    String[] lines = in.raw("headers").split("\\R");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].trim();
      if (line.isEmpty()) {
        continue;
      }
      int colon = line.indexOf(':');
      String name = colon < 0 ? "" : line.substring(0, colon).trim();
      String value = colon < 0 ? "" : line.substring(colon + 1).trim();
      // Only the header's name and line number appear in messages: values may be credentials.
      if (!TOKEN.matcher(name).matches()) {
        throw new AwsProblem(
            "input 'headers', line " + (i + 1) + ": expected Name: value (one header per line)");
      }
      if (SENSITIVE.matcher(name).matches()) {
        context.addMask(value);
        int space = value.indexOf(' ');
        if (space > 0) {
          context.addMask(value.substring(space + 1).trim()); // the credential after "Bearer "
        }
      }
      try {
        request.header(name, value);
      } catch (IllegalArgumentException e) {
        throw new AwsProblem(
            "input 'headers', line "
                + (i + 1)
                + ": the header '"
                + name
                + "' cannot be set (the HTTP client sets it, or its value is not allowed)");
      }
    }
    return request.build();
  }

  /** A failed request in a few words: {@code connection refused}, {@code no answer within 5s}. */
  private static String failure(Throwable e, HttpRequest request) {
    Throwable cause = e;
    while (cause.getCause() != null
        && cause.getCause() != cause
        && !(cause instanceof HttpTimeoutException)
        && !(cause instanceof ConnectException)) {
      cause = cause.getCause();
    }
    String within = request.timeout().map(t -> " within " + StepInputs.show(t)).orElse("");
    if (cause instanceof HttpConnectTimeoutException) {
      return "could not connect" + within;
    }
    if (cause instanceof HttpTimeoutException) {
      return "no answer" + within;
    }
    String message = AwsFailures.oneLine(cause.getMessage());
    if (cause instanceof ConnectException) {
      return message.isEmpty() || message.toLowerCase(Locale.ROOT).contains("refused")
          ? "connection refused"
          : "could not connect: " + message;
    }
    return cause.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
  }

  private static long millis(long startedNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
  }
}
