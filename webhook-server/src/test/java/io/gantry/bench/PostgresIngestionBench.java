package io.gantry.bench;

import static io.gantry.bench.WebhookBench.git;

import io.gantry.runner.store.DatabaseSettings;
import io.gantry.runner.store.Result;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.testing.TestPostgres;
import io.gantry.server.GantryServer;
import io.gantry.server.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Issue 16's benchmark (1), side by side in one run (bench/pg-ingestion runs it): signed deliveries
 * per second accepted and stored by one {@code GantryServer} on the embedded H2 store and on a
 * PostgreSQL server of its own (PostgreSQL's durable defaults: fsync and synchronous commit on),
 * alternating, ROUNDS times each, with {@link WebhookBench}'s ingestion (50 senders in a process of
 * their own). The PostgreSQL server's CPU time (postmaster and backends) is reported per delivery.
 * Then the store's cost of dispatching a run: RUNS runs created, then claimed and concluded by 3
 * threads through the store's API, on both stores, with PostgreSQL's CPU time per run.
 *
 * <p>Arguments: a scratch folder, timed deliveries, warm-up deliveries, rounds, runs.
 */
public final class PostgresIngestionBench {

  private static final String SECRET = "bench-secret";

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int deliveries = Integer.parseInt(args[1]);
    int warmup = Integer.parseInt(args[2]);
    int rounds = Integer.parseInt(args[3]);
    int runs = Integer.parseInt(args[4]);
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
            + "    steps:\n      - run: echo hi\n");
    git(work, "add", ".");
    git(work, "commit", "-q", "-m", "workflow");
    String before = git(work, "rev-parse", "HEAD").strip();
    git(work, "commit", "-q", "--allow-empty", "-m", "push");
    String after = git(work, "rev-parse", "HEAD").strip();
    git(work, "push", "-q", bare.toString(), "main");

    TestPostgres postgres = TestPostgres.start(List.of());
    try {
      Path passwordFile = dir.resolve("db-password");
      Files.writeString(passwordFile, postgres.password() + "\n");
      Map<String, List<Double>> rates = new java.util.LinkedHashMap<>();
      for (int round = 1; round <= rounds; round++) {
        for (String kind : List.of("embedded", "postgresql")) {
          String database =
              kind.equals("embedded")
                  ? ""
                  : "  database: "
                      + postgres.url(postgres.newDatabase())
                      + "\n  database-user: "
                      + postgres.user()
                      + "\n  database-password-file: "
                      + passwordFile
                      + "\n";
          Path config = dir.resolve(kind + round + ".yml");
          Files.writeString(
              config,
              "server:\n  port: 0\n  data-dir: "
                  + dir.resolve(kind + round)
                  + "\n  api-token: bench-token\n  workers: 2\n"
                  + database
                  + "repositories:\n  - name: bench/app\n    forge: git\n    clone-url: file://"
                  + bare
                  + "\n    webhook-secret: "
                  + SECRET
                  + "\n");
          System.out.println("-- round " + round + ", " + kind + " store");
          try (GantryServer server =
              GantryServer.start(new ConfigLoader(System::getenv).load(config))) {
            long pgBefore = cpuNanos(postgres.pid());
            double rate = WebhookBench.ingest(server.port(), before, after, 50, warmup, deliveries);
            long pgCpu = cpuNanos(postgres.pid()) - pgBefore;
            rates.computeIfAbsent(kind, k -> new ArrayList<>()).add(rate);
            if (kind.equals("postgresql")) {
              // Over everything sent meanwhile: warm-up, timed and the 50 sent again.
              System.out.printf(
                  "PostgreSQL server CPU per delivery: %.3f ms (over %d deliveries)%n",
                  pgCpu / 1e6 / (warmup + deliveries + 50), warmup + deliveries + 50);
            }
          }
        }
      }
      for (Map.Entry<String, List<Double>> entry : rates.entrySet()) {
        System.out.printf(
            "%s: %s deliveries/s, mean %.0f%n",
            entry.getKey(),
            entry.getValue().stream().map(r -> String.format("%.0f", r)).toList(),
            entry.getValue().stream().mapToDouble(Double::doubleValue).average().orElse(0));
      }
      System.out.printf(
          "postgresql / embedded: %.0f %%%n",
          100
              * rates.get("postgresql").stream().mapToDouble(Double::doubleValue).sum()
              / rates.get("embedded").stream().mapToDouble(Double::doubleValue).sum());

      try (RunStore embedded = Stores.openEmbedded(dir.resolve("dispatch-embedded"))) {
        dispatch("embedded", embedded, runs, postgres, false);
      }
      try (RunStore shared =
          Stores.openPostgres(
              DatabaseSettings.of(
                  postgres.url(postgres.newDatabase()), postgres.user(), postgres.password()))) {
        dispatch("postgresql", shared, runs, postgres, true);
      }
    } finally {
      postgres.stop();
    }
  }

  /** Creates {@code runs} runs, then 3 threads claim and conclude them all; prints runs/s. */
  private static void dispatch(
      String kind, RunStore store, int runs, TestPostgres postgres, boolean countPostgres)
      throws Exception {
    for (int i = 0; i < runs; i++) {
      store.createRun(
          new RunHistory.NewRun(
              "bench/app",
              "ci.yml",
              "bench",
              "on: push\njobs: {}\n",
              "push",
              "refs/heads/main",
              "0123456789abcdef0123456789abcdef01234567",
              Map.of(),
              "bench",
              "{}",
              null,
              false));
    }
    AtomicInteger done = new AtomicInteger();
    long pgBefore = cpuNanos(postgres.pid());
    long start = System.nanoTime();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      String owner = "agent-" + t;
      Thread thread =
          new Thread(
              () -> {
                while (true) {
                  var claimed = store.claimNext(owner, Instant.now(), Duration.ofSeconds(30));
                  if (claimed.isEmpty()) {
                    return;
                  }
                  store.runFinished(claimed.get().id(), Result.SUCCESS, Instant.now());
                  done.incrementAndGet();
                }
              });
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long pgCpu = cpuNanos(postgres.pid()) - pgBefore;
    System.out.printf(
        "dispatch on the %s store: %d runs claimed and concluded by 3 claimers in %.2f s: %.0f/s%s%n",
        kind,
        done.get(),
        seconds,
        done.get() / seconds,
        countPostgres
            ? String.format(", PostgreSQL server CPU %.3f ms per run", pgCpu / 1e6 / done.get())
            : "");
  }

  /** CPU time of a process and its live descendants (PostgreSQL's backends). */
  private static long cpuNanos(long pid) {
    long total = 0;
    ProcessHandle root = ProcessHandle.of(pid).orElse(null);
    if (root == null) {
      return 0;
    }
    List<ProcessHandle> all = new ArrayList<>();
    all.add(root);
    root.descendants().forEach(all::add);
    for (ProcessHandle p : all) {
      total += p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }
    return total;
  }
}
