package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.testing.TestPostgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Several real {@code gantry serve} processes sharing a database of the tests' PostgreSQL, {@code
 * gantry agent} processes (each with a work folder of its own), a bare repository whose commits the
 * test makes, a load balancer in front of the servers ({@link TcpBalancer}) and a forge that
 * records the commit statuses the servers post. Everything on 127.0.0.1; the processes are the real
 * executable's commands ({@link Gantry}) started from the test's classpath.
 */
final class ScaleOutCluster implements AutoCloseable {

  static final String TOKEN = "scale-out-api-token";
  private static final String SECRET = "scale-out-secret";

  private final Path dir;
  private final TestPostgres postgres = TestPostgres.shared();
  private final String database = postgres.newDatabase();
  final Path bare;
  private final HttpServer forge;
  private final List<String> statuses = new CopyOnWriteArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private final List<Server> servers = new ArrayList<>();
  private TcpBalancer balancer;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** One {@code gantry serve} process. */
  final class Server {
    final String name;
    final int port;
    final Process process;

    private Server(String name, int port, Process process) {
      this.name = name;
      this.port = port;
      this.process = process;
    }

    String base() {
      return "http://127.0.0.1:" + port;
    }

    /** Whether this server's process owns the lease of a run ({@code gantry-PID-…}). */
    boolean owns(String leaseOwner) {
      return leaseOwner != null && leaseOwner.startsWith("gantry-" + process.pid() + "-");
    }

    String output() throws IOException {
      Path log = dir.resolve(name + ".log");
      return Files.exists(log) ? Files.readString(log) : "";
    }
  }

  /** A repository with the workflow {@code workflow} as {@code .github/workflows/ci.yml}. */
  ScaleOutCluster(Path dir, String workflow) throws Exception {
    this.dir = dir;
    this.bare = dir.resolve("origin.git");
    run(dir, null, "git", "init", "-q", "--bare", "-b", "main", bare.toString());
    commits(workflow, 1);
    forge = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    forge.createContext(
        "/",
        exchange -> {
          statuses.add(
              exchange.getRequestURI().getPath()
                  + " "
                  + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(201, -1);
          exchange.close();
        });
    forge.start();
  }

  /**
   * Adds {@code count} commits on main (the workflow, and a file changed by each) in one {@code git
   * fast-import}, and returns their SHAs, oldest first.
   */
  List<String> commits(String workflow, int count) throws Exception {
    StringBuilder stream = new StringBuilder();
    // Empty before the first commit.
    String before =
        run(bare, null, "git", "for-each-ref", "--format=%(objectname)", "refs/heads/main").strip();
    for (int i = 1; i <= count; i++) {
      String message = "change " + UUID.randomUUID();
      stream
          .append("commit refs/heads/main\n")
          .append("committer Dev <dev@example.com> ")
          .append(1_700_000_000L + i)
          .append(" +0000\n")
          .append(data(message));
      if (i == 1 && !before.isEmpty()) {
        stream.append("from ").append(before).append('\n');
      }
      stream.append("M 100644 inline .github/workflows/ci.yml\n").append(data(workflow));
      stream.append("M 100644 inline change.txt\n").append(data(message + "\n"));
    }
    run(bare, stream.toString(), "git", "fast-import", "--quiet");
    List<String> all =
        List.of(run(bare, null, "git", "rev-list", "--reverse", "main").strip().split("\n"));
    int from = before.isEmpty() ? 0 : all.indexOf(before) + 1;
    return all.subList(from, all.size());
  }

  /** The SHA of main's newest commit. */
  String tip() throws Exception {
    return run(bare, null, "git", "rev-parse", "main").strip();
  }

  private static String data(String text) {
    return "data " + text.getBytes(StandardCharsets.UTF_8).length + "\n" + text + "\n";
  }

  /**
   * Starts a server ({@code workers: 0}: it only orchestrates runs), and waits until it answers.
   */
  Server server(int leaseSeconds) throws Exception {
    return server(leaseSeconds, "");
  }

  /** As {@link #server(int)}, with more {@code server:} keys ({@code " key: value\n"} lines). */
  Server server(int leaseSeconds, String serverKeys) throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
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
            + "\n  bind: 127.0.0.1\n  data-dir: "
            + dir.resolve(name + "-data")
            + "\n  api-token: "
            + TOKEN
            + "\n  workers: 0\n  lease-seconds: "
            + leaseSeconds
            + "\n  database: "
            + postgres.url(database)
            + "\n  database-user: "
            + postgres.user()
            + "\n  database-password-file: "
            + passwordFile
            + "\n"
            + serverKeys
            + "repositories:\n  - name: acme/web\n    forge: github\n"
            + "    clone-url: file://"
            + bare
            + "\n    webhook-secret: "
            + SECRET
            + "\n    status: { api-url: http://127.0.0.1:"
            + forge.getAddress().getPort()
            + ", token: t0ken }\n");
    Process process =
        java(name, List.of("-Xmx256m"), Map.of(), "serve", "--config", config.toString());
    Server server = new Server(name, port, process);
    servers.add(server);
    long deadline = System.currentTimeMillis() + 90_000;
    while (!healthy(server.base())) {
      if (!process.isAlive() || System.currentTimeMillis() > deadline) {
        throw new AssertionError(name + " did not start: " + server.output());
      }
      Thread.sleep(200);
    }
    return server;
  }

  /** A load balancer in front of every server started so far (round robin, skipping dead ones). */
  String balancer() throws IOException {
    if (balancer == null) {
      balancer = new TcpBalancer(servers.stream().map(s -> s.port).toList());
    }
    return "http://127.0.0.1:" + balancer.port();
  }

  /** Registers an agent through {@code server}'s API and returns its token. */
  String addAgent(Server server, String name) throws Exception {
    Map<?, ?> added =
        (Map<?, ?>)
            Expressions.fromJson(
                send(server, "POST", "/api/agents", "{\"name\":\"" + name + "\",\"labels\":[]}"));
    return String.valueOf(added.get("token"));
  }

  /** Starts {@code gantry agent} on its own work folder, with {@code AGENT_MARK=mark}. */
  Process agent(String name, String token, String server, int workers, String mark)
      throws Exception {
    return java(
        name,
        List.of("-Xmx192m"),
        Map.of("AGENT_MARK", mark),
        "agent",
        "--server",
        server,
        "--token",
        token,
        "--workers",
        String.valueOf(workers),
        "--data-dir",
        dir.resolve(name).toString());
  }

  private Process java(String name, List<String> jvm, Map<String, String> env, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvm);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.gantry.cli.Gantry"));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile());
    builder.environment().putAll(env);
    builder.environment().remove("GANTRY_SERVER");
    Process p = builder.start();
    processes.add(p);
    return p;
  }

  /**
   * A signed GitHub push webhook of {@code after} (on main, from {@code before}) to {@code server};
   * returns the HTTP status, or -1 when the server cannot be reached.
   */
  int push(Server server, String before, String after) throws Exception {
    String body =
        "{\"ref\":\"refs/heads/main\",\"before\":\""
            + before
            + "\",\"after\":\""
            + after
            + "\",\"created\":false,\"deleted\":false,\"forced\":false,\"base_ref\":null,"
            + "\"commits\":[],\"head_commit\":null,"
            + "\"repository\":{\"id\":1,\"name\":\"web\",\"full_name\":\"acme/web\","
            + "\"clone_url\":\"file://"
            + bare
            + "\",\"default_branch\":\"main\",\"owner\":{\"login\":\"acme\"}},"
            + "\"pusher\":{\"name\":\"dev\",\"email\":\"dev@example.com\"},"
            + "\"sender\":{\"login\":\"dev\"}}";
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    String signature = HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(server.base() + "/hooks/github"))
                  .header("Content-Type", "application/json")
                  .header("X-GitHub-Event", "push")
                  .header("X-GitHub-Delivery", UUID.randomUUID().toString())
                  .header("X-Hub-Signature-256", "sha256=" + signature)
                  .timeout(Duration.ofSeconds(60))
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .statusCode();
    } catch (IOException unreachable) {
      return -1;
    }
  }

  /** An authenticated API call; fails unless it answers 2xx. */
  String send(Server server, String method, String path, String body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(server.base() + path))
            .header("Authorization", "Bearer " + TOKEN)
            .timeout(Duration.ofSeconds(60));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    request.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode())
        .as(method + " " + path + ": " + answer.body())
        .isBetween(200, 299);
    return answer.body();
  }

  private boolean healthy(String base) {
    try {
      return http.send(
                  HttpRequest.newBuilder(URI.create(base + "/health"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .statusCode()
          == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** A connection to the servers' database, for the test's own queries. */
  Connection sql() throws Exception {
    java.util.Properties login = new java.util.Properties();
    login.setProperty("user", postgres.user());
    login.setProperty("password", postgres.password());
    return DriverManager.getConnection(
        postgres.url(database).replace("postgresql://", "jdbc:postgresql://"), login);
  }

  /** The status requests the forge received: {@code PATH BODY}, in order. */
  List<String> statuses() {
    return List.copyOf(statuses);
  }

  /** The agent's or server's output so far. */
  String output(String name) throws IOException {
    Path log = dir.resolve(name + ".log");
    return Files.exists(log) ? Files.readString(log) : "";
  }

  private static String run(Path in, String input, String... command) throws Exception {
    Process p =
        new ProcessBuilder(command).directory(in.toFile()).redirectErrorStream(true).start();
    if (input != null) {
      try (var stdin = p.getOutputStream()) {
        stdin.write(input.getBytes(StandardCharsets.UTF_8));
      }
    } else {
      p.getOutputStream().close();
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    if (p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }

  static void until(Duration limit, String what, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long end = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + limit + ": " + what);
      }
      Thread.sleep(250);
    }
  }

  @Override
  public void close() {
    for (Process p : processes) {
      p.destroyForcibly();
    }
    for (Process p : processes) {
      try {
        p.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (balancer != null) {
      balancer.close();
    }
    forge.stop(0);
  }
}
