package io.gantry.server;

import static io.gantry.runner.git.GitRepos.git;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.testing.TestPostgres;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Real {@code gantry serve} processes, each with a data directory of its own, sharing one database
 * of a PostgreSQL server of the fixture's own (so a test may stop and start it), over a bare
 * repository whose workflows the test writes, reporting commit statuses to a forge that records
 * them. For the tests of faults: the database going away, a server killed with {@code kill -9}.
 */
final class PostgresServersFixture implements AutoCloseable {

  static final String TOKEN = TestServer.TOKEN;

  final TestPostgres postgres;
  private final Path dir;
  private final Path bare;
  private final String database;
  private final HttpServer forge;
  private final List<String> statuses = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<Server> servers = new ArrayList<>();

  /** A server process: its base URL, its output file and the process once launched. */
  final class Server {
    final int port;
    final Path log;
    final Path config;
    Process process;

    private Server(int port, Path log, Path config) {
      this.port = port;
      this.log = log;
      this.config = config;
    }

    String base() {
      return "http://127.0.0.1:" + port;
    }

    /** Launches the process without waiting for it to answer. */
    void launch() throws Exception {
      process = ServerProcess.launch(config, log, List.of("-Xmx256m"));
    }

    /** Launches it and waits until it answers (at most 60 s). */
    void start() throws Exception {
      launch();
      if (!ServerProcess.awaitHealthy(base(), http, 60_000)) {
        throw new AssertionError("the server did not start: " + output());
      }
    }

    String output() throws Exception {
      return Files.exists(log) ? Files.readString(log) : "";
    }

    /** SIGKILL: no shutdown hook runs. */
    void killNine() throws Exception {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    long dispatch(String workflow) throws Exception {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(base() + "/api/runs"))
                  .header("Authorization", "Bearer " + TOKEN)
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"repo\":\"acme/web\",\"ref\":\"main\",\"workflow\":\""
                              + workflow
                              + "\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
      return ((Number) ((Map<?, ?>) Expressions.fromJson(response.body())).get("id")).longValue();
    }

    Map<?, ?> run(long id) throws Exception {
      return (Map<?, ?>) Expressions.fromJson(get("/api/runs/" + id));
    }

    Map<?, ?> awaitStatus(long id, String status, long millis) throws Exception {
      long deadline = System.currentTimeMillis() + millis;
      Map<?, ?> run = null;
      while (System.currentTimeMillis() < deadline) {
        try {
          run = run(id);
          if (status.equals(run.get("status"))) {
            return run;
          }
        } catch (java.io.IOException | RuntimeException notNow) {
          // The server answers again once its database is back.
        }
        Thread.sleep(200);
      }
      throw new AssertionError("run " + id + " never became " + status + ": " + run);
    }

    String get(String path) throws Exception {
      return http.send(
              HttpRequest.newBuilder(URI.create(base() + path))
                  .header("Authorization", "Bearer " + TOKEN)
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    }
  }

  /** Each workflow as file name and text, in {@code .github/workflows}. */
  PostgresServersFixture(Path dir, Map<String, String> workflows) throws Exception {
    this.dir = dir;
    this.postgres =
        TestPostgres.start(List.of("fsync=off", "synchronous_commit=off", "full_page_writes=off"));
    this.database = postgres.newDatabase();
    bare = dir.resolve("origin.git");
    Path work = dir.resolve("work");
    git(dir, "init", "-q", "--bare", "-b", "main", bare.toString());
    git(dir, "init", "-q", "-b", "main", work.toString());
    git(work, "config", "user.email", "dev@example.com");
    git(work, "config", "user.name", "Dev");
    Files.createDirectories(work.resolve(".github/workflows"));
    for (Map.Entry<String, String> workflow : workflows.entrySet()) {
      Files.writeString(
          work.resolve(".github/workflows/" + workflow.getKey()), workflow.getValue());
    }
    git(work, "add", ".");
    git(work, "commit", "-q", "-m", "workflows");
    git(work, "push", "-q", bare.toString(), "main");
    forge =
        HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    forge.createContext(
        "/",
        exchange -> {
          statuses.add(
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(201, -1);
          exchange.close();
        });
    forge.start();
  }

  /** A new server's configuration (not launched yet): {@code workers} workers, a 3 s lease. */
  Server server(int workers) throws Exception {
    return server(workers, 3);
  }

  /** A new server's configuration (not launched yet), with a run lease of {@code leaseSeconds}. */
  Server server(int workers, int leaseSeconds) throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    String name = "server" + (servers.size() + 1);
    Path passwordFile = dir.resolve(name + "-db-password");
    Files.writeString(passwordFile, postgres.password() + "\n");
    Path config = dir.resolve(name + ".yml");
    Files.writeString(
        config,
        "server:\n  port: "
            + port
            + "\n  data-dir: "
            + dir.resolve(name + "-data")
            + "\n  api-token: "
            + TOKEN
            + "\n  workers: "
            + workers
            + "\n  lease-seconds: "
            + leaseSeconds
            + "\n  database: "
            + postgres.url(database)
            + "\n  database-user: "
            + postgres.user()
            + "\n  database-password-file: "
            + passwordFile
            + "\nrepositories:\n  - name: acme/web\n    forge: github\n"
            + "    clone-url: file://"
            + bare
            + "\n    webhook-secret: s3cret\n"
            + "    status: { api-url: http://127.0.0.1:"
            + forge.getAddress().getPort()
            + ", token: t0ken }\n");
    Server server = new Server(port, dir.resolve(name + ".log"), config);
    servers.add(server);
    return server;
  }

  /** The servers' store, opened by the test itself. */
  io.gantry.runner.store.RunStore openStore() {
    return io.gantry.runner.store.Stores.openPostgres(
        io.gantry.runner.store.DatabaseSettings.of(
            postgres.url(database), postgres.user(), postgres.password()));
  }

  /** The bodies of the status requests the forge received, in order. */
  List<String> statuses() {
    return List.copyOf(statuses);
  }

  /** Waits (at most {@code millis}) until {@code count} statuses match, and returns them. */
  List<String> awaitStatuses(java.util.function.Predicate<String> match, int count, long millis)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (statuses.stream().filter(match).count() < count
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    return statuses.stream().filter(match).toList();
  }

  @Override
  public void close() {
    for (Server server : servers) {
      if (server.process != null) {
        server.process.destroyForcibly();
        try {
          server.process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    forge.stop(0);
    postgres.stop();
  }
}
