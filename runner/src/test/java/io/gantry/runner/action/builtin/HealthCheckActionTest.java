package io.gantry.runner.action.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.gantry.runner.action.ActionResult;
import io.gantry.runner.action.RecordingContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gantry/health-check against a real HTTP server on 127.0.0.1 that answers as each test says. */
class HealthCheckActionTest {

  /** One answer of the server: status, body, and how long to hold it back. */
  private record Answer(int status, String body, long delayMillis) {
    static Answer of(int status, String body) {
      return new Answer(status, body, 0);
    }
  }

  /** A request the server received. */
  private record Received(String method, String path, Map<String, List<String>> headers) {}

  @TempDir Path workspace;
  private HttpServer server;
  private ExecutorService threads;
  private final AtomicInteger requests = new AtomicInteger();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final CountDownLatch released = new CountDownLatch(1);
  private volatile IntFunction<Answer> answers = n -> Answer.of(200, "ok");
  private final HealthCheckAction action = new HealthCheckAction();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    threads = Executors.newCachedThreadPool();
    server.setExecutor(threads);
    server.createContext(
        "/",
        exchange -> {
          int n = requests.incrementAndGet();
          received.add(
              new Received(
                  exchange.getRequestMethod(),
                  exchange.getRequestURI().toString(),
                  Map.copyOf(exchange.getRequestHeaders())));
          Answer answer = answers.apply(n);
          try {
            if (answer.delayMillis() > 0) {
              released.await(answer.delayMillis(), TimeUnit.MILLISECONDS);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
          boolean head = exchange.getRequestMethod().equals("HEAD");
          exchange.sendResponseHeaders(
              answer.status(), head || body.length == 0 ? -1 : body.length);
          if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          }
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    released.countDown();
    server.stop(0);
    threads.shutdownNow();
  }

  private String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/health";
  }

  /** Inputs with fast timings; later pairs override. */
  private Map<String, String> inputs(String... pairs) {
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("url", url());
    inputs.put("interval", "10ms");
    inputs.put("request-timeout", "2s");
    inputs.put("timeout", "20s");
    for (int i = 0; i < pairs.length; i += 2) {
      inputs.put(pairs[i], pairs[i + 1]);
    }
    return inputs;
  }

  private RecordingContext context(Map<String, String> inputs) {
    return RecordingContext.first(action, inputs, Map.of(), workspace);
  }

  /** The probe lines of the log, with their durations blanked. */
  private static List<String> probes(RecordingContext context) {
    return context.lines.stream()
        .filter(l -> l.startsWith("probe "))
        .map(l -> l.replaceAll("in \\d+ ms", "in _ ms").replaceAll("after \\d+ ms", "after _ ms"))
        .toList();
  }

  @Test
  void passesAfterTheConsecutiveSuccessesAndAFailureStartsTheCountAgain() throws Exception {
    int[] script = {503, 503, 200, 200, 500, 200, 200, 200, 500};
    answers = n -> Answer.of(script[n - 1], "status " + script[n - 1]);
    RecordingContext context = context(inputs());

    ActionResult result = action.run(context);

    assertThat(result.succeeded()).as(result.message()).isTrue();
    assertThat(requests.get()).isEqualTo(8);
    assertThat(probes(context))
        .containsExactly(
            "probe 1: 503 in _ ms: expected 200-399",
            "probe 2: 503 in _ ms: expected 200-399",
            "probe 3: 200 in _ ms (1 of 3)",
            "probe 4: 200 in _ ms (2 of 3)",
            "probe 5: 500 in _ ms: expected 200-399",
            "probe 6: 200 in _ ms (1 of 3)",
            "probe 7: 200 in _ ms (2 of 3)",
            "probe 8: 200 in _ ms (3 of 3)");
    assertThat(context.lines.get(0))
        .isEqualTo(
            "Probing GET "
                + url()
                + " every 10ms until 3 answers in a row pass (at most 20s):"
                + " status 200-399");
    assertThat(context.lines.get(context.lines.size() - 1))
        .isEqualTo("Healthy: " + url() + " passed 3 probes in a row after 8 probes");
    assertThat(context.outputs).containsEntry("status", "200").containsEntry("probes", "8");
    assertThat(received).allMatch(r -> r.method().equals("GET") && r.path().equals("/health"));
  }

  @Test
  void aRegularExpressionMustMatchTheBody() throws Exception {
    answers = n -> Answer.of(200, n == 1 ? "{\"version\": \"0.9\"}" : "{\"version\": \"1.12\"}");
    RecordingContext context =
        context(
            inputs("expect-body", "/\"version\":\\s*\"1\\.\\d+\"/", "consecutive-successes", "1"));

    ActionResult result = action.run(context);

    assertThat(result.succeeded()).as(result.message()).isTrue();
    assertThat(probes(context))
        .containsExactly(
            "probe 1: 200 in _ ms: body does not match /\"version\":\\s*\"1\\.\\d+\"/",
            "probe 2: 200 in _ ms, body ok");
  }

  @Test
  void aPlainExpectedBodyIsASubstring() throws Exception {
    answers = n -> Answer.of(200, n < 3 ? "starting" : "status: ready, db: up");
    RecordingContext context =
        context(inputs("expect-body", "ready, db: up\n", "consecutive-successes", "2"));

    assertThat(action.run(context).succeeded()).isTrue();
    assertThat(probes(context))
        .containsExactly(
            "probe 1: 200 in _ ms: body does not contain \"ready, db: up\"",
            "probe 2: 200 in _ ms: body does not contain \"ready, db: up\"",
            "probe 3: 200 in _ ms, body ok (1 of 2)",
            "probe 4: 200 in _ ms, body ok (2 of 2)");
  }

  @Test
  void jsonAssertionsCompareTheAnswersValues() throws Exception {
    String sha = "0123456789abcdef0123456789abcdef01234567";
    String old =
        "{\"version\": \"fedcba\", \"replicas\": 4, \"checks\": [{\"ok\": true}],"
            + " \"build\": {\"name.full\": \"web\"}}";
    String current = old.replace("fedcba", sha);
    answers =
        n ->
            n == 1
                ? Answer.of(200, "<html>starting</html>")
                : Answer.of(200, n == 2 ? old : current);
    RecordingContext context =
        context(
            inputs(
                "expect-json",
                "$.version == "
                    + sha
                    + "\n"
                    + "$.replicas == 4.0\n"
                    + "$.checks[0].ok == true\n"
                    + "$.build[\"name.full\"] == \"web\"\n"
                    + "$.version != \"\"",
                "consecutive-successes",
                "2"));

    ActionResult result = action.run(context);

    assertThat(result.succeeded()).as(result.message()).isTrue();
    assertThat(probes(context))
        .containsExactly(
            "probe 1: 200 in _ ms: body is not JSON",
            "probe 2: 200 in _ ms: $.version is \"fedcba\", expected " + sha,
            "probe 3: 200 in _ ms, body ok (1 of 2)",
            "probe 4: 200 in _ ms, body ok (2 of 2)");
  }

  @Test
  void aMissingJsonValueIsNamed() throws Exception {
    answers = n -> Answer.of(200, "{\"status\": \"UP\"}");
    RecordingContext context =
        context(
            inputs("expect-json", "$.build.version == 1", "timeout", "100ms", "interval", "60ms"));

    ActionResult result = action.run(context);

    assertThat(result.succeeded()).isFalse();
    assertThat(probes(context))
        .first()
        .isEqualTo("probe 1: 200 in _ ms: $.build.version is missing");
  }

  @Test
  void aListOfStatusesAcceptsOnlyThose() throws Exception {
    answers = n -> Answer.of(n == 1 ? 201 : 204, "");
    RecordingContext context =
        context(inputs("expect-status", "200, 204", "consecutive-successes", "1"));

    assertThat(action.run(context).succeeded()).isTrue();
    assertThat(probes(context))
        .containsExactly("probe 1: 201 in _ ms: expected 200,204", "probe 2: 204 in _ ms");
    assertThat(context.outputs).containsEntry("status", "204").containsEntry("probes", "2");
  }

  @Test
  void onTimeoutTheStepFailsWithTheLastProbesResult() throws Exception {
    answers = n -> Answer.of(503, "down");
    RecordingContext context = context(inputs("timeout", "300ms", "interval", "50ms"));

    ActionResult result = action.run(context);

    assertThat(result.succeeded()).isFalse();
    int probes = requests.get();
    assertThat(probes).isGreaterThan(1);
    assertThat(result.message())
        .matches(
            "gantry/health-check: "
                + java.util.regex.Pattern.quote(url())
                + " was not healthy within 300ms \\("
                + probes
                + " probes\\); last: 503 in \\d+ ms: expected 200-399");
    assertThat(context.outputs)
        .containsEntry("status", "503")
        .containsEntry("probes", String.valueOf(probes));
  }

  @Test
  void aTimeoutDuringARunOfSuccessesSaysHowFarItGot() throws Exception {
    answers = n -> Answer.of(n == 1 ? 500 : 200, "");
    RecordingContext context =
        context(inputs("timeout", "100ms", "interval", "60ms", "consecutive-successes", "5"));

    ActionResult result = action.run(context);

    assertThat(result.succeeded()).isFalse();
    assertThat(result.message())
        .matches(
            ".* was not healthy within 100ms \\(2 probes\\); last: 200 in \\d+ ms \\(1 of 5"
                + " in a row\\)");
  }

  @Test
  void aRefusedConnectionIsAFailedProbe() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    RecordingContext context =
        context(
            inputs(
                "url",
                "http://127.0.0.1:" + closed + "/health",
                "timeout",
                "100ms",
                "interval",
                "60ms"));

    ActionResult result = action.run(context);

    assertThat(result.succeeded()).isFalse();
    assertThat(probes(context)).first().isEqualTo("probe 1: connection refused after _ ms");
    assertThat(result.message()).contains("; last: connection refused after ");
    assertThat(context.outputs).containsEntry("status", "");
  }

  @Test
  void aSlowAnswerIsCutOffAtTheRequestTimeout() throws Exception {
    answers = n -> new Answer(200, "late", 30_000);
    RecordingContext context =
        context(inputs("request-timeout", "200ms", "timeout", "300ms", "interval", "300ms"));

    ActionResult result = action.run(context);

    assertThat(result.succeeded()).isFalse();
    assertThat(probes(context)).containsExactly("probe 1: no answer within 200ms after _ ms");
  }

  @Test
  void aCancelStopsTheProbeUnderWay() throws Exception {
    answers = n -> new Answer(200, "late", 30_000);
    RecordingContext context = context(inputs("request-timeout", "30s"));
    Thread canceller =
        new Thread(
            () -> {
              while (requests.get() == 0) {
                Thread.onSpinWait();
              }
              context.cancel();
            });
    canceller.start();

    ActionResult result = action.run(context);
    canceller.join();

    assertThat(result.succeeded()).isFalse();
    assertThat(result.message()).isEqualTo("gantry/health-check: cancelled after 1 probe");
    assertThat(probes(context)).as("the probe under way was abandoned, not waited for").isEmpty();
  }

  @Test
  void headersAreSentButTheirValuesNeverLoggedAndCredentialsMasked() throws Exception {
    RecordingContext context =
        context(
            inputs(
                "method",
                "head",
                "headers",
                "Authorization: Bearer s3cr3t-t0ken\nX-Environment: staging-blue\n\nAccept: */*",
                "consecutive-successes",
                "1"));

    ActionResult result = action.run(context);

    assertThat(result.succeeded()).as(result.message()).isTrue();
    Received request = received.get(0);
    assertThat(request.method()).isEqualTo("HEAD");
    assertThat(request.headers())
        .containsEntry("Authorization", List.of("Bearer s3cr3t-t0ken"))
        .containsEntry("X-environment", List.of("staging-blue"))
        .containsEntry("Accept", List.of("*/*"));
    String log = String.join("\n", context.lines);
    assertThat(log).doesNotContain("s3cr3t").doesNotContain("staging-blue");
    assertThat(context.masks).containsExactly("Bearer s3cr3t-t0ken", "s3cr3t-t0ken");
  }

  @Test
  void badInputsAreOneLineErrorsAndNothingIsSent() {
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put(
        "interval=2 seconds",
        "input 'interval' must be a duration like 500ms, 2s, 1m or 1m30s, got '2 seconds'");
    bad.put(
        "timeout=0s", "input 'timeout' must be a duration like 500ms, 2s, 1m or 1m30s, got '0s'");
    bad.put(
        "request-timeout=5",
        "input 'request-timeout' must be a duration like 500ms, 2s, 1m or 1m30s, got '5'");
    bad.put(
        "consecutive-successes=0",
        "input 'consecutive-successes' must be a whole number from 1 to 1000, got '0'");
    bad.put(
        "expect-status=20x",
        "input 'expect-status': '20x' is not a status code or range; write e.g. 200, 200-399 or"
            + " 200,204");
    bad.put(
        "expect-status=200-600",
        "input 'expect-status': '200-600' is not a status code or range; write e.g. 200,"
            + " 200-399 or 200,204");
    bad.put(
        "expect-status=300-200",
        "input 'expect-status': '300-200' is not a status code or range; write e.g. 200,"
            + " 200-399 or 200,204");
    bad.put(
        "expect-body=/[a-/",
        "input 'expect-body': /[a-/ is not a valid regular expression: Illegal character range"
            + " at index 3");
    bad.put(
        "expect-json=version == 1",
        "input 'expect-json': cannot read 'version == 1'; write one assertion per line as"
            + " $.path == value, e.g. $.version == 1.2.3");
    bad.put(
        "expect-json=$.a..b == 1",
        "input 'expect-json': '$.a..b' is not a path; write $ followed by .name, [0] or"
            + " [\"name\"] steps, e.g. $.build.version or $.items[0].id");
    bad.put(
        "url=ftp://127.0.0.1/x",
        "input 'url': 'ftp://127.0.0.1/x' is not an http:// or https:// URL with a host");
    bad.put(
        "url=http://user:pw@127.0.0.1/",
        "input 'url' holds credentials (user:password@); send them in 'headers' instead, e.g."
            + " Authorization: Bearer ${{ secrets.HEALTH_TOKEN }}");
    bad.put("method=G ET", "input 'method': 'G ET' is not an HTTP method, e.g. GET");
    bad.put(
        "headers=Accept: */*\nX-Token s3cr3t",
        "input 'headers', line 2: expected Name: value (one header per line)");
    bad.put(
        "headers=Host: example.com",
        "input 'headers', line 1: the header 'Host' cannot be set (the HTTP client sets it, or"
            + " its value is not allowed)");
    bad.forEach(
        (input, message) -> {
          int eq = input.indexOf('=');
          RecordingContext context =
              context(inputs(input.substring(0, eq), input.substring(eq + 1)));
          ActionResult result;
          try {
            result = action.run(context);
          } catch (InterruptedException e) {
            throw new AssertionError(e);
          }
          assertThat(result.succeeded()).as(input).isFalse();
          assertThat(result.message()).as(input).isEqualTo("gantry/health-check: " + message);
        });
    assertThat(requests.get()).isZero();
  }
}
