package io.gantry.runner.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gantry.runner.store.RunHistory.RunRecord;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.extensibility.Plugin;
import org.flywaydb.core.internal.database.h2.H2DatabaseType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoresTest {

  @TempDir Path tempDir;

  @Test
  void openingCreatesTheDatabaseUnderDbInAMissingDataDirectory() {
    Path dataDir = tempDir.resolve("home/.gantry");

    try (RunStore store = Stores.openEmbedded(dataDir)) {
      assertThat(store.listRuns(10)).isEmpty();
    }

    assertThat(dataDir.resolve("db/gantry.mv.db")).isRegularFile();
  }

  @Test
  void runsSurviveClosingAndReopeningTheDataDirectory() {
    RunRecord created;
    long job;
    try (RunStore store = Stores.openEmbedded(tempDir)) {
      created = store.createRun(StoreProcess.newRun("acme/shop", "ci.yml"));
      job = store.createJob(created.id(), "build", "build");
      store.runFinished(created.id(), Result.SUCCESS, Instant.parse("2024-01-02T03:04:05.678Z"));
    }

    try (RunStore store = Stores.openEmbedded(tempDir)) {
      RunRecord found = store.findRun(created.id()).orElseThrow();
      assertThat(found.status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(found.finishedAt()).isEqualTo(Instant.parse("2024-01-02T03:04:05.678Z"));
      assertThat(store.jobsOf(created.id()))
          .extracting(RunHistory.JobRecord::id)
          .containsExactly(job);
      assertThat(store.createRun(StoreProcess.newRun("acme/shop", "ci.yml")).runNumber())
          .isEqualTo(2);
    }
  }

  @Test
  void reopeningAppliesEachMigrationOnlyOnce() throws Exception {
    Stores.openEmbedded(tempDir).close();
    Stores.openEmbedded(tempDir).close();
    Stores.openEmbedded(tempDir).close();

    Path base = tempDir.toAbsolutePath().resolve(EmbeddedDatabase.RELATIVE_PATH);
    try (Connection connection = DriverManager.getConnection(EmbeddedDatabase.url(base), "sa", "");
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT \"version\", \"success\" FROM \"flyway_schema_history\""
                    + " WHERE \"version\" IS NOT NULL ORDER BY \"installed_rank\"")) {
      List<String> applied = new ArrayList<>();
      while (rows.next()) {
        applied.add(rows.getString(1) + ":" + rows.getBoolean(2));
      }
      assertThat(applied)
          .containsExactly(
              "1:true", "2:true", "3:true", "4:true", "5:true", "20:true", "40:true", "60:true",
              "66:true");
    }
  }

  @Test
  void aDatabaseOfTheFirstVersionIsBroughtUpToDateKeepingItsRuns() throws Exception {
    Path base = tempDir.toAbsolutePath().resolve(EmbeddedDatabase.RELATIVE_PATH);
    Files.createDirectories(base.getParent());
    Flyway.configure(StoresTest.class.getClassLoader())
        .dataSource(EmbeddedDatabase.url(base), "sa", "")
        .locations("classpath:db/migration")
        .target("1")
        .load()
        .migrate();
    try (Connection connection = DriverManager.getConnection(EmbeddedDatabase.url(base), "sa", "");
        Statement statement = connection.createStatement()) {
      statement.executeUpdate(
          "INSERT INTO run_counters (repository, workflow_file, last_number)"
              + " VALUES ('acme/shop', 'ci.yml', 2)");
      statement.executeUpdate(
          "INSERT INTO runs (id, repository, workflow_file, workflow_name, workflow_source, event,"
              + " ref, sha, inputs, trigger, run_number, status, conclusion, created_at,"
              + " started_at, finished_at) VALUES"
              + " (1, 'acme/shop', 'ci.yml', 'CI', 'on: push', 'push', 'refs/heads/main', 'abc',"
              + " '{\"level\":\"full\"}', 'push', 1, 'COMPLETED', 'success',"
              + " TIMESTAMP WITH TIME ZONE '2024-01-02 03:04:05.678Z',"
              + " TIMESTAMP WITH TIME ZONE '2024-01-02 03:04:06Z',"
              + " TIMESTAMP WITH TIME ZONE '2024-01-02 03:05:00Z'),"
              + " (2, 'acme/shop', 'ci.yml', 'CI', 'on: push', 'push', 'refs/heads/main', 'def',"
              + " '{}', 'push', 2, 'QUEUED', NULL,"
              + " TIMESTAMP WITH TIME ZONE '2024-01-02 03:06:00Z', NULL, NULL)");
      statement.executeUpdate(
          "INSERT INTO jobs (run_id, job_key, name, status, conclusion, outputs)"
              + " VALUES (1, 'build', 'build', 'COMPLETED', 'success', '{}')");
    }

    try (RunStore store = Stores.openEmbedded(tempDir)) {
      RunRecord old = store.findRun(1).orElseThrow();
      assertThat(old)
          .isEqualTo(
              new RunRecord(
                  1,
                  1,
                  1,
                  "acme/shop",
                  "ci.yml",
                  "CI",
                  "push",
                  "refs/heads/main",
                  "abc",
                  RunStatus.COMPLETED,
                  Result.SUCCESS,
                  Instant.parse("2024-01-02T03:04:05.678Z"),
                  Instant.parse("2024-01-02T03:04:06Z"),
                  Instant.parse("2024-01-02T03:05:00Z")));
      assertThat(store.jobsOf(1)).extracting(RunHistory.JobRecord::name).containsExactly("build");
      RunHistory.RunDetails details = store.details(1).orElseThrow();
      assertThat(details.inputs()).containsEntry("level", "full");
      assertThat(details.eventPayload()).isNull();
      assertThat(details.concurrencyGroup()).isNull();
      assertThat(details.cancelInProgress()).isFalse();
      assertThat(details.rerunOf()).isNull();
      assertThat(details.cancelRequested()).isFalse();
      assertThat(details.interrupted()).isFalse();

      // The queued run of the old version is picked up; numbering and reruns carry on.
      Instant now = Instant.parse("2024-01-02T04:00:00Z");
      assertThat(store.claimNext("w", now, java.time.Duration.ofSeconds(30)))
          .map(RunRecord::id)
          .contains(2L);
      RunRecord next = store.createRun(StoreProcess.newRun("acme/shop", "ci.yml"));
      assertThat(next.runNumber()).isEqualTo(3);
      assertThat(next.id()).isGreaterThan(2);
      assertThat(store.createRerun(1, "rerun", now).attempt()).isEqualTo(2);
    }
  }

  @Test
  void twoStoresOpenOnOneDataDirectorySeeEachOthersRuns() {
    try (RunStore first = Stores.openEmbedded(tempDir);
        RunStore second = Stores.openEmbedded(tempDir)) {
      RunRecord one = first.createRun(StoreProcess.newRun("acme/shop", "ci.yml"));
      RunRecord two = second.createRun(StoreProcess.newRun("acme/shop", "ci.yml"));
      second.runStarted(one.id(), Instant.EPOCH);

      assertThat(two.runNumber()).isEqualTo(2);
      assertThat(first.findRun(two.id())).contains(two);
      assertThat(first.findRun(one.id()).orElseThrow().status()).isEqualTo(RunStatus.IN_PROGRESS);
    }
  }

  @Test
  void anotherProcessCanUseTheDataDirectoryWhileThisOneHasItOpen() throws Exception {
    try (RunStore store = Stores.openEmbedded(tempDir)) {
      RunRecord mine = store.createRun(StoreProcess.newRun("acme/shop", "ci.yml"));

      StoreProcess.Output output =
          StoreProcess.run(
              tempDir.resolve("stderr.txt"), "create", tempDir.toString(), "acme/shop", "ci.yml");
      String[] printed = output.out().split(" ");
      long otherId = Long.parseLong(printed[0]);

      assertThat(Long.parseLong(printed[1])).isEqualTo(2);
      assertThat(store.findRun(otherId).orElseThrow().runNumber()).isEqualTo(2);
      assertThat(store.createRun(StoreProcess.newRun("acme/shop", "ci.yml")).runNumber())
          .isEqualTo(3);
      assertThat(store.listRuns(10)).extracting(RunRecord::id).contains(mine.id(), otherId);
      // With Flyway's logger at warn, as the CLI sets it, opening a store prints nothing.
      assertThat(output.err()).isEmpty();
    }
  }

  @Test
  void processesStartingAndStoppingTogetherOnANewDataDirectoryAllRecordTheirRuns()
      throws Exception {
    // The first of them creates the database and serves it to the others until it exits, when
    // another takes over; every one must still open it, and its run must count.
    int processes = 3;
    List<Process> started = new ArrayList<>();
    for (int i = 0; i < processes; i++) {
      started.add(
          StoreProcess.start(
              ProcessBuilder.Redirect.to(tempDir.resolve("stderr" + i + ".txt").toFile()),
              "create",
              tempDir.resolve("data").toString(),
              "acme/shop",
              "ci.yml"));
    }
    List<Long> numbers = new ArrayList<>();
    for (int i = 0; i < processes; i++) {
      Process process = started.get(i);
      process.getOutputStream().close();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(Files.readString(tempDir.resolve("stderr" + i + ".txt"))).isEmpty();
      assertThat(process.exitValue()).isZero();
      numbers.add(Long.parseLong(out.strip().split(" ")[1]));
    }

    assertThat(numbers).containsExactlyInAnyOrder(1L, 2L, 3L);
    try (RunStore store = Stores.openEmbedded(tempDir.resolve("data"))) {
      assertThat(store.listRuns(10)).hasSize(processes);
    }
  }

  @Test
  void aDataDirectoryThatIsAFileFailsNamingThePath() throws Exception {
    Path notADirectory = Files.writeString(tempDir.resolve("data"), "x");

    assertThatThrownBy(() -> Stores.openEmbedded(notADirectory))
        .isInstanceOf(StoreException.class)
        .hasMessageStartingWith(
            "Cannot open the run store at " + notADirectory.resolve("db/gantry") + ": ")
        .hasMessageContaining("FileSystemException")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void aDatabaseHeldByAProcessThatDoesNotShareItFailsNamingThePath() throws Exception {
    Process holder =
        StoreProcess.start(
            ProcessBuilder.Redirect.INHERIT, "hold-without-auto-server", tempDir.toString());
    try {
      BufferedReader output =
          new BufferedReader(
              new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      assertThat(output.readLine()).isEqualTo("holding");

      assertThatThrownBy(() -> Stores.openEmbedded(tempDir))
          .isInstanceOf(StoreException.class)
          .hasMessageStartingWith(
              "Cannot open the run store at "
                  + tempDir.toAbsolutePath().resolve("db/gantry")
                  + ": ")
          .hasMessageContaining("already in use")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    } finally {
      holder.getOutputStream().close();
      if (!holder.waitFor(30, TimeUnit.SECONDS)) {
        holder.destroyForcibly();
      }
    }
  }

  @Test
  void flywayFindsItsH2SupportThroughTheServiceFilesAShadedJarKeeps() {
    // The shaded CLI jar finds Flyway's database types only through
    // META-INF/services/org.flywaydb.core.extensibility.Plugin, merged by the
    // ServicesResourceTransformer; this is the lookup Flyway does.
    List<Class<?>> plugins = new ArrayList<>();
    ServiceLoader.load(Plugin.class, StoresTest.class.getClassLoader()).stream()
        .forEach(provider -> plugins.add(provider.type()));

    assertThat(plugins).contains(H2DatabaseType.class);
  }
}
