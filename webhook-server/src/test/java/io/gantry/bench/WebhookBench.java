package io.gantry.bench;

import io.gantry.runner.expression.Expressions;
import io.gantry.server.GantryServer;
import io.gantry.server.config.ConfigLoader;
import io.gantry.server.config.ServerConfig;
import io.gantry.server.forge.GitHookPayload;
import io.gantry.server.forge.PostReceive;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The webhook server's benchmark (bench/webhook runs it):
 *
 * <ol>
 *   <li>push-to-first-step latency: a signed {@code /hooks/git} delivery for a new commit is sent
 *       to an idle server; the workflow's first step prints the clock ({@code date +%s%N}); the
 *       latency is that time minus the time the request was sent. One push at a time, N pushes;
 *   <li>ingestion: 50 concurrent senders post signed deliveries (distinct ids) for a branch no
 *       workflow runs on, so each is verified, parsed, checked against the pushed commit's
 *       workflows and stored, and no run competes for the CPU; deliveries per second accepted. The
 *       senders run in a process of their own ({@link IngestionLoad}, plain sockets, requests built
 *       and signed before the clock starts), so the CPU time of the server's process and of the
 *       senders' are reported apart. An untimed warm-up of the same kind comes first.
 * </ol>
 *
 * Arguments: a scratch folder, the number of timed latency pushes, the number of timed ingestion
 * deliveries, optionally the number of warm-up deliveries (default 2000) and the number of untimed
 * warm-up pushes before the timed ones (default 50), so that the first compilations of the push's
 * path (JIT) are not among the timed pushes. With the environment variable {@code
 * BENCH_SAMPLES_FILE} set, every timed push's latency (ms, one a line) is written there too, so
 * that runs can be pooled ({@code bench/side-by-side} does).
 */
public final class WebhookBench {

  private static final String SECRET = "bench-secret";
  private static final String TOKEN = "bench-token";
  private static final java.util.regex.Pattern FIRST_STEP =
      java.util.regex.Pattern.compile("first-step-at (\\d+)");

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int pushes = Integer.parseInt(args[1]);
    int deliveries = Integer.parseInt(args[2]);
    int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 2000;
    int pushWarmup = args.length > 4 ? Integer.parseInt(args[4]) : 50;
    Path bare = dir.resolve("origin.git");
    Path work = dir.resolve("work");
    git(dir, "init", "-q", "--bare", "-b", "main", bare.toString());
    git(dir, "init", "-q", "-b", "main", work.toString());
    git(work, "config", "user.email", "bench@example.com");
    git(work, "config", "user.name", "Bench");
    Files.createDirectories(work.resolve(".github/workflows"));
    Files.writeString(
        work.resolve(".github/workflows/ci.yml"),
        "name: bench\non:\n  push:\n    branches: [main]\njobs:\n  first:\n    runs-on: x\n"
            + "    steps:\n      - run: echo \"first-step-at $(date +%s%N)\"\n");
    List<String> shas = new ArrayList<>();
    git(work, "add", ".");
    git(work, "commit", "-q", "-m", "workflow");
    shas.add(git(work, "rev-parse", "HEAD").strip());
    // One commit for the first delivery (it creates the mirror), then one per warm-up and timed
    // push: push i sends the update from commit i to commit i + 1.
    for (int i = 1; i <= 1 + pushWarmup + pushes; i++) {
      git(work, "commit", "-q", "--allow-empty", "-m", "push " + i);
      shas.add(git(work, "rev-parse", "HEAD").strip());
    }
    git(work, "push", "-q", bare.toString(), "main");

    Path config = dir.resolve("gantry.yml");
    Files.writeString(
        config,
        "server:\n  port: 0\n  data-dir: "
            + dir.resolve("data")
            + "\n  api-token: "
            + TOKEN
            + "\n  workers: 2\nrepositories:\n  - name: bench/app\n    forge: git\n    clone-url: file://"
            + bare
            + "\n    webhook-secret: "
            + SECRET
            + "\n");
    ServerConfig loaded = new ConfigLoader(System::getenv).load(config);
    // Threads that live through the whole run, so that the bench's own CPU time can be told apart.
    HttpClient http =
        HttpClient.newBuilder()
            .executor(
                java.util.concurrent.Executors.newFixedThreadPool(
                    2,
                    r -> {
                      Thread t = new Thread(r, "HttpClient-bench-worker");
                      t.setDaemon(true);
                      return t;
                    }))
            .build();
    try (GantryServer server = GantryServer.start(loaded)) {
      String base = "http://127.0.0.1:" + server.port();
      // Warm-up: the first delivery creates the mirror and loads the classes.
      send(http, base, shas.get(0), shas.get(1), "refs/heads/main");
      awaitAllCompleted(http, base, 1);

      List<Double> latencies = new ArrayList<>();
      long cpuBefore = 0;
      long benchBefore = 0;
      for (int i = 1; i < shas.size() - 1; i++) {
        if (i == pushWarmup + 1) {
          cpuBefore = processCpuNanos();
          benchBefore = benchThreadsCpuNanos();
        }
        double latency = push(http, base, shas.get(i), shas.get(i + 1));
        if (i > pushWarmup) {
          latencies.add(latency);
        }
      }
      long benchCpu = benchThreadsCpuNanos() - benchBefore;
      double cpuPerPush = (processCpuNanos() - cpuBefore - benchCpu) / 1e6 / latencies.size();
      String samples = System.getenv("BENCH_SAMPLES_FILE");
      if (samples != null && !samples.isBlank()) {
        StringBuilder lines = new StringBuilder();
        latencies.forEach(l -> lines.append(String.format("%.3f%n", l)));
        Files.writeString(Path.of(samples), lines);
      }
      Collections.sort(latencies);
      System.out.printf(
          "latency: %d pushes (after %d warm-up ones), p50 %.1f ms, p90 %.1f ms, p99 %.1f ms,"
              + " max %.1f ms%n",
          latencies.size(),
          pushWarmup,
          pct(latencies, 50),
          pct(latencies, 90),
          pct(latencies, 99),
          latencies.get(latencies.size() - 1));
      System.out.printf(
          "latency CPU per push: server %.1f ms (this process but the bench's own threads, which"
              + " took %.1f ms)%n",
          cpuPerPush, benchCpu / 1e6 / latencies.size());

      int senders = 50;
      double rate = ingest(server.port(), shas.get(0), shas.get(1), senders, warmup, deliveries);
      // One line of name=value figures, for bench/side-by-side's medians of pairs.
      System.out.printf(
          "figures: latency_p50_ms=%.1f latency_p90_ms=%.1f latency_p99_ms=%.1f"
              + " latency_cpu_per_push_ms=%.1f ingestion_per_s=%.0f%n",
          pct(latencies, 50), pct(latencies, 90), pct(latencies, 99), cpuPerPush, rate);
    }
  }

  /**
   * One push: the delivery for {@code before..after} on main, then the time from sending it to its
   * run's first step printing the clock (ms). Returns once that run has completed, so that runs do
   * not overlap.
   */
  private static double push(HttpClient http, String base, String before, String after)
      throws Exception {
    long sentAt = epochNanos();
    HttpResponse<String> response = send(http, base, before, after, "refs/heads/main");
    if (response.statusCode() != 202) {
      throw new IllegalStateException(
          "push of " + after + ": " + response.statusCode() + " " + response.body());
    }
    long runId = firstRun(response.body());
    long startedAt = firstStepAt(http, base, runId);
    return (startedAt - sentAt) / 1e6;
  }

  /**
   * Ingestion, with the senders in a process of their own ({@link IngestionLoad}): this process
   * (the server) and the senders' each report their CPU time over the same timed interval.
   */
  /** Returns the deliveries accepted per second. */
  static double ingest(
      int port, String before, String after, int senders, int warmup, int deliveries)
      throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:+UseSerialGC");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(IngestionLoad.class.getName());
    Collections.addAll(
        command,
        String.valueOf(port),
        "bench/app",
        SECRET,
        before,
        after,
        String.valueOf(senders),
        String.valueOf(warmup),
        String.valueOf(deliveries));
    Process load =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    double rate;
    try (java.io.BufferedReader out =
            new java.io.BufferedReader(
                new java.io.InputStreamReader(load.getInputStream(), StandardCharsets.UTF_8));
        java.io.Writer in =
            new java.io.OutputStreamWriter(load.getOutputStream(), StandardCharsets.UTF_8)) {
      String ready = out.readLine();
      if (!"ready".equals(ready)) {
        throw new IllegalStateException("the load generator did not get ready: " + ready);
      }
      com.sun.management.OperatingSystemMXBean os =
          (com.sun.management.OperatingSystemMXBean)
              java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      long cpuBefore = os.getProcessCpuTime();
      in.write("go\n");
      in.flush();
      String done = out.readLine();
      long serverCpu = os.getProcessCpuTime() - cpuBefore;
      if (done == null || !done.startsWith("done ")) {
        throw new IllegalStateException("the load generator failed: " + done);
      }
      String[] fields = done.split(" ", 5);
      double seconds = Long.parseLong(fields[1]) / 1e9;
      int accepted = Integer.parseInt(fields[2]);
      double senderCpu = Long.parseLong(fields[3]) / 1e6;
      in.write("redeliver\n");
      in.flush();
      String redelivered = out.readLine();
      rate = accepted / seconds;
      System.out.printf(
          "ingestion: %d deliveries from %d senders (separate process, after %d warm-up deliveries)"
              + " in %.2f s: %.0f accepted and stored per second (%d accepted; statuses %s)%n",
          deliveries, senders, warmup, seconds, accepted / seconds, accepted, fields[4]);
      System.out.printf(
          "ingestion CPU per delivery: server process %.3f ms, senders' process %.3f ms; %d cores%n",
          serverCpu / 1e6 / deliveries,
          senderCpu / deliveries,
          Runtime.getRuntime().availableProcessors());
      System.out.println(
          "stored: of the first 50 deliveries sent again, "
              + redelivered.replace("redelivered ", "")
              + " were answered as already received");
    }
    if (!load.waitFor(30, TimeUnit.SECONDS)) {
      load.destroyForcibly();
      throw new IllegalStateException("the load generator did not exit");
    }
    if (load.exitValue() != 0) {
      throw new IllegalStateException("the load generator exited with " + load.exitValue());
    }
    return rate;
  }

  private static HttpResponse<String> send(
      HttpClient http, String base, String before, String after, String ref) throws Exception {
    GitHookPayload payload =
        GitHookPayload.of("bench/app", new PostReceive.RefUpdate(before, after, ref), "bench");
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(base + "/hooks/git"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(payload.body()));
    payload.headers(SECRET).forEach(builder::header);
    return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static long firstRun(String body) throws Exception {
    Map<?, ?> response = (Map<?, ?>) Expressions.fromJson(body);
    return ((Number) ((List<?>) response.get("runs")).get(0)).longValue();
  }

  /**
   * The clock the run's first step printed. Waits for the run to complete first (so runs do not
   * overlap), polling only its status, and reads its log once: the figure is the step's own clock,
   * so how often this polls changes only how much the bench itself competes with the server.
   */
  private static long firstStepAt(HttpClient http, String base, long runId) throws Exception {
    awaitCompleted(http, base, runId);
    String logs =
        http.send(
                HttpRequest.newBuilder(URI.create(base + "/api/runs/" + runId + "/logs"))
                    .header("Authorization", "Bearer " + TOKEN)
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    // The log shows the script too ("first-step-at $(date ...)"): take the printed number.
    java.util.regex.Matcher printed = FIRST_STEP.matcher(logs);
    if (!printed.find()) {
      throw new IllegalStateException("run " + runId + " never printed its first step: " + logs);
    }
    return Long.parseLong(printed.group(1));
  }

  private static void awaitCompleted(HttpClient http, String base, long runId) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      Map<?, ?> run =
          (Map<?, ?>)
              Expressions.fromJson(
                  http.send(
                          HttpRequest.newBuilder(URI.create(base + "/api/runs/" + runId))
                              .header("Authorization", "Bearer " + TOKEN)
                              .build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body());
      if ("COMPLETED".equals(run.get("status"))) {
        return;
      }
      // Not faster: each look costs the server a request while the next run may be starting.
      Thread.sleep(20);
    }
    throw new IllegalStateException("run " + runId + " did not complete");
  }

  private static void awaitAllCompleted(HttpClient http, String base, int count) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      Map<?, ?> runs =
          (Map<?, ?>)
              Expressions.fromJson(
                  http.send(
                          HttpRequest.newBuilder(URI.create(base + "/api/runs?status=COMPLETED"))
                              .header("Authorization", "Bearer " + TOKEN)
                              .build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body());
      if (((List<?>) runs.get("runs")).size() >= count) {
        return;
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("warm-up run did not complete");
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** The CPU time of the bench's own threads in this process: main and the HTTP client's. */
  private static long benchThreadsCpuNanos() {
    java.lang.management.ThreadMXBean threads =
        java.lang.management.ManagementFactory.getThreadMXBean();
    long total = 0;
    for (java.lang.management.ThreadInfo info :
        threads.getThreadInfo(threads.getAllThreadIds(), 0)) {
      if (info != null
          && (info.getThreadName().equals("main")
              || info.getThreadName().startsWith("HttpClient-"))) {
        total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
      }
    }
    return total;
  }

  private static long epochNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  private static double pct(List<Double> sorted, int p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  static String git(Path in, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add("git");
    Collections.addAll(command, args);
    Process p =
        new ProcessBuilder(command).directory(in.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("git " + String.join(" ", args) + ": " + out);
    }
    return out;
  }
}
