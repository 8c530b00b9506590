package io.gantry.runner.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL server of the tests' own: {@code initdb} into a temporary folder, {@code
 * pg_ctl start} on 127.0.0.1 and a free port, password authentication for the user {@value #USER},
 * stopped by its PID (read from {@code postmaster.pid}) when the JVM exits. One server per test JVM
 * ({@link #shared}); each test takes a fresh database of it ({@link #newDatabase}).
 *
 * <p>Debian's {@code postgresql} package provides the binaries ({@code scripts/setup} installs it);
 * without them a test is skipped, or fails when {@code CI=true} (see {@link Tools#require}). {@code
 * initdb} refuses to run as root: as root, the cluster is made and run as the {@code postgres} user
 * the package creates.
 */
public final class TestPostgres {

  public static final String USER = "gantry";

  private static TestPostgres shared;

  private final Path folder;
  private final int port;
  private final String password;
  private final List<String> startCommand;
  private volatile long pid;
  private final AtomicInteger databases = new AtomicInteger();

  private TestPostgres(
      Path folder, int port, String password, List<String> startCommand, long pid) {
    this.folder = folder;
    this.port = port;
    this.password = password;
    this.startCommand = startCommand;
    this.pid = pid;
  }

  /** The JVM's server, started on first use (the test is skipped or fails without PostgreSQL). */
  public static synchronized TestPostgres shared() {
    if (shared == null) {
      shared = start(List.of("fsync=off", "synchronous_commit=off", "full_page_writes=off"));
      TestPostgres server = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "test-postgres-stop"));
    }
    return shared;
  }

  /**
   * Starts a server of its own with these {@code name=value} settings (the benchmarks start one
   * with PostgreSQL's durable defaults); the caller stops it.
   */
  public static TestPostgres start(List<String> settings) {
    Path bin = binaries();
    try {
      Path folder = Files.createTempDirectory("gantry-postgres");
      boolean root = "root".equals(System.getProperty("user.name"));
      String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
      Path passwordFile = folder.resolve("password");
      Files.writeString(passwordFile, password + "\n", StandardCharsets.UTF_8);
      if (root) {
        run(List.of("chown", "-R", "postgres:postgres", folder.toString()));
      }
      Path data = folder.resolve("data");
      run(
          as(
              root,
              bin.resolve("initdb").toString(),
              "-D",
              data.toString(),
              "-U",
              USER,
              "--pwfile=" + passwordFile,
              "--auth-local=trust",
              "--auth-host=scram-sha-256",
              "-E",
              "UTF8",
              "--no-locale",
              "--no-sync"));
      IOException last = null;
      for (int attempt = 0; attempt < 3; attempt++) {
        int port = freePort();
        StringBuilder options =
            new StringBuilder(
                "-c listen_addresses=127.0.0.1 -c max_connections=300 -k "
                    + folder
                    + " -p "
                    + port);
        for (String setting : settings) {
          options.append(" -c ").append(setting);
        }
        List<String> startCommand =
            as(
                root,
                bin.resolve("pg_ctl").toString(),
                "-D",
                data.toString(),
                "-l",
                folder.resolve("server.log").toString(),
                "-o",
                options.toString(),
                "-w",
                "-t",
                "60",
                "start");
        try {
          run(startCommand);
          long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0));
          return new TestPostgres(folder, port, password, startCommand, pid);
        } catch (IOException e) {
          // Most likely the port was taken between finding it free and binding it.
          last = e;
        }
      }
      throw new IllegalStateException("PostgreSQL did not start: " + last.getMessage(), last);
    } catch (IOException e) {
      throw new IllegalStateException("PostgreSQL could not be set up: " + e.getMessage(), e);
    }
  }

  /** The folder of the PostgreSQL binaries, or a skip (a failure with CI=true) without them. */
  private static Path binaries() {
    Path onPath = Tools.find("initdb");
    if (onPath != null && Tools.find("pg_ctl") != null) {
      return onPath.getParent();
    }
    Path versions = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(versions)) {
      try (Stream<Path> list = Files.list(versions)) {
        List<Path> found =
            list.map(v -> v.resolve("bin"))
                .filter(b -> Files.isExecutable(b.resolve("initdb")))
                .sorted(Comparator.comparing(TestPostgres::major).reversed())
                .toList();
        if (!found.isEmpty()) {
          return found.get(0);
        }
      } catch (IOException e) {
        // Reported below as missing.
      }
    }
    Tools.missing("PostgreSQL's initdb and pg_ctl (Debian package postgresql)");
    throw new IllegalStateException("unreachable");
  }

  private static int major(Path bin) {
    try {
      return Integer.parseInt(bin.getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static List<String> as(boolean root, String... command) {
    List<String> out = new ArrayList<>();
    if (root) {
      out.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    out.addAll(List.of(command));
    return out;
  }

  private static void run(List<String> command) throws IOException {
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectInput(nullFile()).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (process.exitValue() != 0) {
      throw new IOException(
          command.get(command.size() - 1)
              + " failed ("
              + process.exitValue()
              + "): "
              + output.strip());
    }
  }

  private static java.io.File nullFile() {
    return new java.io.File("/dev/null");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** The server's process (its postmaster; the backends are its children). */
  public long pid() {
    return pid;
  }

  public String host() {
    return "127.0.0.1";
  }

  public int port() {
    return port;
  }

  public String user() {
    return USER;
  }

  public String password() {
    return password;
  }

  /** {@code postgresql://127.0.0.1:PORT/NAME}: the form {@code server.database} takes. */
  public String url(String database) {
    return "postgresql://" + host() + ":" + port + "/" + database;
  }

  /** Creates an empty database and returns its name. */
  public String newDatabase() {
    String name = "gantry_" + databases.incrementAndGet();
    execute("postgres", "CREATE DATABASE " + name);
    return name;
  }

  /** Runs one statement in a database as the superuser. */
  public void execute(String database, String sql) {
    try (Connection connection =
            DriverManager.getConnection(
                "jdbc:postgresql://" + host() + ":" + port + "/" + database, USER, password);
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /**
   * Stops the server as an outage would (fast shutdown: open connections are cut), keeping its data
   * for {@link #resume}.
   */
  public void pause() {
    shutDown();
  }

  /** Starts the paused server again on the same port with the same data. */
  public void resume() {
    try {
      run(startCommand);
      pid = Long.parseLong(Files.readAllLines(folder.resolve("data/postmaster.pid")).get(0));
    } catch (IOException e) {
      throw new IllegalStateException("PostgreSQL did not start again: " + e.getMessage(), e);
    }
  }

  /** Stops the server (fast shutdown: SIGINT to its PID) and deletes its folder. */
  public void stop() {
    shutDown();
    try (Stream<Path> walk = Files.walk(folder)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A temporary folder left behind is harmless.
    }
  }

  private void shutDown() {
    try {
      // SIGINT is PostgreSQL's fast shutdown; ProcessHandle only sends TERM and KILL.
      new ProcessBuilder("kill", "-INT", Long.toString(pid)).start().waitFor();
      for (int i = 0;
          i < 600 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
          i++) {
        Thread.sleep(50);
      }
    } catch (IOException e) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "PostgreSQL on 127.0.0.1:%d (pid %d)", port, pid);
  }
}
