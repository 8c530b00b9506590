package io.gantry.cli;

import io.gantry.runner.expression.Expressions;
import io.gantry.runner.store.JobQueue;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.server.GantryServer;
import io.gantry.server.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench/agents}: a server that runs no job itself ({@code workers: 0}, embedded store) and
 * AGENTS {@code gantry agent} processes with WORKERS workers each. (2) Throughput: one run of a
 * matrix of JOBS empty jobs (one step, {@code if: false}), jobs per second from the first queued to
 * the last finished, from the job queue's own times, after one unmeasured run of the same matrix
 * (JIT warm-up); with the CPU time per job of the server and of the agents and the SQL statements
 * per job ({@link CpuAndSql}), and with {@code BENCH_COUNT_HTTP=1} the agents' HTTP requests per
 * job ({@link HttpCounter}). {@code BENCH_AGENT_JAVA_OPTS} adds JVM options to the agents ({@code
 * %i}: the agent's number), e.g. a JFR recording each. (3) Claim latency: ROUNDS one-job runs one
 * after another on idle agents, queued → claimed per job from the job queue's times; p50 and p99.
 * Arguments: WORK_DIR [AGENTS] [WORKERS] [JOBS] [ROUNDS].
 */
public final class AgentDispatchBench {

  private static final String TOKEN = "bench-api-token";

  private AgentDispatchBench() {}

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    int agentCount = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int workers = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    int jobs = args.length > 3 ? Integer.parseInt(args[3]) : 200;
    int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 100;
    Path bare = work.resolve("origin.git");
    Path src = work.resolve("src");
    git(work, "init", "-q", "--bare", "-b", "main", bare.toString());
    git(work, "init", "-q", "-b", "main", src.toString());
    Files.createDirectories(src.resolve(".github/workflows"));
    StringJoiner values = new StringJoiner(", ", "[", "]");
    for (int i = 1; i <= jobs; i++) {
      values.add(Integer.toString(i));
    }
    Files.writeString(
        src.resolve(".github/workflows/many.yml"),
        "name: many\non: workflow_dispatch\njobs:\n  e:\n    runs-on: self-hosted\n"
            + "    strategy:\n      matrix:\n        n: "
            + values
            + "\n    steps:\n      - if: false\n        run: true\n");
    Files.writeString(
        src.resolve(".github/workflows/many-here.yml"),
        "name: many-here\non: workflow_dispatch\njobs:\n  e:\n    runs-on: ubuntu-latest\n"
            + "    strategy:\n      matrix:\n        n: "
            + values
            + "\n    steps:\n      - if: false\n        run: true\n");
    Files.writeString(
        src.resolve(".github/workflows/one.yml"),
        "name: one\non: workflow_dispatch\njobs:\n  e:\n    runs-on: self-hosted\n"
            + "    steps:\n      - if: false\n        run: true\n");
    git(src, "-c", "user.email=b@example.com", "-c", "user.name=b", "add", "-A");
    git(src, "-c", "user.email=b@example.com", "-c", "user.name=b", "commit", "-q", "-m", "w");
    git(src, "push", "-q", bare.toString(), "main");
    Path config = work.resolve("gantry.yml");
    Files.writeString(
        config,
        "server:\n  port: 0\n  data-dir: "
            + work.resolve("server")
            + "\n  api-token: "
            + TOKEN
            + "\n  workers: 0\nlimits:\n  matrix-jobs: "
            + Math.max(256, jobs)
            + "\nrepositories:\n  - name: acme/bench\n    forge: git\n    clone-url: file://"
            + bare
            + "\n    webhook-secret: s\n");
    baseline(work, config);
    List<Process> agents = new ArrayList<>();
    try (GantryServer server =
        GantryServer.start(new ConfigLoader(Map.<String, String>of()::get).load(config))) {
      String base = "http://127.0.0.1:" + server.port();
      String agentBase = base;
      HttpCounter counter = null;
      if (System.getenv("BENCH_COUNT_HTTP") != null) {
        counter = HttpCounter.start(server.port());
        agentBase = "http://127.0.0.1:" + counter.port();
      }
      String agentOptions = System.getenv().getOrDefault("BENCH_AGENT_JAVA_OPTS", "");
      for (int i = 1; i <= agentCount; i++) {
        Map<?, ?> added = post(base, "/api/agents", Map.of("name", "bench-" + i));
        List<String> command =
            new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String option : agentOptions.split(" ")) {
          if (!option.isBlank()) {
            command.add(option.replace("%i", Integer.toString(i)));
          }
        }
        command.addAll(
            List.of(
                "-cp",
                System.getProperty("java.class.path"),
                "io.gantry.cli.Gantry",
                "agent",
                "--server",
                agentBase,
                "--token",
                String.valueOf(added.get("token")),
                "--workers",
                Integer.toString(workers),
                "--data-dir",
                work.resolve("agent-" + i).toString()));
        agents.add(
            new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("agent-" + i + ".log").toFile())
                .start());
      }
      try (RunStore store = Stores.openEmbedded(work.resolve("server"))) {
        // Warm-up: every agent JVM up and claiming.
        awaitRun(store, dispatch(base, "one.yml"));
        Thread.sleep(3000);
        JobQueue queue = JobQueue.in(store);
        // Warm-up: the same matrix once, unmeasured, so the JIT compilers' work on the agents'
        // and the server's code paths (most of the CPU of a first run) is not counted as
        // dispatch. The baseline gets the same.
        awaitRun(store, dispatch(base, "many.yml"));
        CpuAndSql cost = CpuAndSql.start(work.resolve("server"), agents, counter);
        long run = dispatch(base, "many.yml");
        String conclusion = awaitRun(store, run);
        cost.print(jobs);
        List<JobQueue.QueuedJob> done = queue.ofRun(run);
        long first = done.stream().mapToLong(j -> j.queuedAt().toEpochMilli()).min().orElse(0);
        long last = done.stream().mapToLong(j -> j.finishedAt().toEpochMilli()).max().orElse(0);
        System.out.printf(
            "(2) %d empty jobs, %d agents x %d workers: %s, %d ms from first queued to last"
                + " finished = %.1f jobs/s%n",
            done.size(),
            agentCount,
            workers,
            conclusion,
            last - first,
            done.size() * 1000.0 / Math.max(1, last - first));
        Thread.sleep(2000);
        List<Long> latencies = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
          long one = dispatch(base, "one.yml");
          awaitRun(store, one);
          for (JobQueue.QueuedJob j : queue.ofRun(one)) {
            latencies.add(j.startedAt().toEpochMilli() - j.queuedAt().toEpochMilli());
          }
        }
        latencies.sort(null);
        System.out.printf(
            "(3) claim latency queued -> claimed on idle agents, %d jobs: p50 %d ms, p99 %d ms,"
                + " max %d ms%n",
            latencies.size(),
            latencies.get(latencies.size() / 2),
            latencies.get(
                Math.min(latencies.size() - 1, (int) Math.ceil(latencies.size() * 0.99) - 1)),
            latencies.get(latencies.size() - 1));
      }
      if (counter != null) {
        counter.close();
      }
    } finally {
      for (Process p : agents) {
        p.destroy();
        p.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * The baseline: the same matrix of empty jobs run by a server itself (workers: 4, so 8 job
   * threads), no agent; from the first job started to the last finished, from the API's times.
   */
  private static void baseline(Path work, Path agentsConfig) throws Exception {
    Path config = work.resolve("gantry-here.yml");
    Files.writeString(
        config,
        Files.readString(agentsConfig)
            .replace("workers: 0", "workers: 4")
            .replace(work.resolve("server").toString(), work.resolve("server-here").toString()));
    try (GantryServer server =
            GantryServer.start(new ConfigLoader(Map.<String, String>of()::get).load(config));
        RunStore store = Stores.openEmbedded(work.resolve("server-here"))) {
      String base = "http://127.0.0.1:" + server.port();
      awaitRun(store, dispatch(base, "many-here.yml"));
      CpuAndSql cost = CpuAndSql.start(work.resolve("server-here"), List.of(), null);
      long run = dispatch(base, "many-here.yml");
      String conclusion = awaitRun(store, run);
      long first = Long.MAX_VALUE;
      long last = 0;
      int count = 0;
      for (Object o : (List<?>) get(base, "/api/runs/" + run).get("jobs")) {
        Map<?, ?> j = (Map<?, ?>) o;
        first =
            Math.min(
                first, java.time.Instant.parse(String.valueOf(j.get("startedAt"))).toEpochMilli());
        last =
            Math.max(
                last, java.time.Instant.parse(String.valueOf(j.get("finishedAt"))).toEpochMilli());
        count++;
      }
      System.out.printf(
          "baseline: %d empty jobs run by the server itself (workers: 4): %s, %d ms = %.1f jobs/s%n",
          count, conclusion, last - first, count * 1000.0 / Math.max(1, last - first));
      cost.print(count);
    }
  }

  private static long dispatch(String base, String workflow) throws Exception {
    Map<?, ?> answer =
        post(base, "/api/runs", Map.of("repo", "acme/bench", "ref", "main", "workflow", workflow));
    return ((Number) answer.get("id")).longValue();
  }

  /**
   * Waits for a run to end, reading its row in the store (one small SELECT; the API's run details
   * would read every job and step of a 200-job run on each poll, costing the server as much CPU as
   * the jobs themselves).
   */
  private static String awaitRun(RunStore store, long run) throws Exception {
    long end = System.nanoTime() + Duration.ofMinutes(4).toNanos();
    while (System.nanoTime() < end) {
      RunHistory.RunRecord r = store.findRun(run).orElseThrow();
      if (r.status() == io.gantry.runner.store.RunStatus.COMPLETED) {
        return r.conclusion() == null ? "null" : r.conclusion().label();
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("run " + run + " did not end");
  }

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static Map<?, ?> get(String base, String path) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return (Map<?, ?>) Expressions.fromJson(r.body());
  }

  private static Map<?, ?> post(String base, String path, Map<String, Object> body)
      throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Expressions.toJson(body)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() >= 300) {
      throw new IllegalStateException(path + ": " + r.statusCode() + " " + r.body());
    }
    return (Map<?, ?>) Expressions.fromJson(r.body());
  }

  private static void git(Path in, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(in.toFile()).inheritIO().start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("git " + String.join(" ", args) + " failed");
    }
  }
}
