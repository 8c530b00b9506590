package io.gantry.runner.store;

import io.gantry.runner.testing.TestPostgres;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A second JVM using a data directory, for tests of what several gantry processes do to one
 * database; threads of the test JVM would share its in-process database instead.
 */
final class StoreProcess {

  private StoreProcess() {}

  /**
   * {@code create <dataDir> <repository> <workflowFile>}: creates a run and prints its id and
   * number. {@code hold-without-auto-server <dataDir>}: opens the database as a process that does
   * not share it would, prints "holding", and keeps it until its input closes. {@code claim
   * <dataDir or postgresql://…> <owner>}: opens the store, prints "ready", waits for a line on its
   * input, then claims runs as {@code owner} until none is left, printing the id of each, and
   * finally "done".
   */
  public static void main(String[] args) throws IOException, SQLException {
    Path dataDir = Path.of(args[1]);
    switch (args[0]) {
      case "claim" -> {
        try (RunStore store = PostgresStores.openLocation(args[1])) {
          System.out.println("ready");
          System.out.flush();
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
          Optional<RunHistory.RunRecord> claimed;
          while ((claimed = store.claimNext(args[2], Instant.now(), Duration.ofMinutes(5)))
              .isPresent()) {
            System.out.println(claimed.get().id());
          }
          System.out.println("done");
        }
      }
      case "create" -> {
        try (RunStore store = Stores.openEmbedded(dataDir)) {
          RunHistory.RunRecord run = store.createRun(newRun(args[2], args[3]));
          System.out.println(run.id() + " " + run.runNumber());
        }
      }
      case "hold-without-auto-server" -> {
        Path base = dataDir.toAbsolutePath().resolve(EmbeddedDatabase.RELATIVE_PATH);
        try (Connection connection =
            DriverManager.getConnection("jdbc:h2:file:" + base, "sa", "")) {
          connection.isValid(0);
          System.out.println("holding");
          System.out.flush();
          System.in.readAllBytes();
        }
      }
      default -> throw new IllegalArgumentException("Unknown command " + args[0]);
    }
  }

  static RunHistory.NewRun newRun(String repository, String workflowFile) {
    return new RunHistory.NewRun(
        repository,
        workflowFile,
        "Build",
        "on: push\njobs: {}\n",
        "push",
        "refs/heads/main",
        "0123456789abcdef0123456789abcdef01234567",
        Map.of(),
        "test",
        "{}",
        null,
        false);
  }

  /**
   * Starts this class's main in a new JVM with the test class path and the logging configuration
   * the CLI uses, so that a test can check that opening a store prints nothing.
   */
  static Process start(ProcessBuilder.Redirect errors, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Dorg.slf4j.simpleLogger.log.org.flywaydb=warn");
    command.add("-Dorg.slf4j.simpleLogger.log.com.zaxxer.hikari=warn");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(StoreProcess.class.getName());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(errors);
    if (args.length > 1 && args[1].startsWith("postgresql://")) {
      TestPostgres server = TestPostgres.shared();
      builder.environment().put("GANTRY_TEST_DB_USER", server.user());
      builder.environment().put("GANTRY_TEST_DB_PASSWORD", server.password());
    }
    return builder.start();
  }

  /** Runs this class's main in a new JVM; returns what it printed on stdout and stderr. */
  static Output run(Path errorFile, String... args) throws IOException, InterruptedException {
    Process process = start(ProcessBuilder.Redirect.to(errorFile.toFile()), args);
    process.getOutputStream().close();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("The store process did not finish");
    }
    String err = Files.readString(errorFile);
    if (process.exitValue() != 0) {
      throw new AssertionError("The store process failed with " + process.exitValue() + ": " + err);
    }
    return new Output(out.strip(), err);
  }

  record Output(String out, String err) {}
}
