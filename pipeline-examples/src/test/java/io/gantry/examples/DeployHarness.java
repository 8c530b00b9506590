package io.gantry.examples;

import static io.gantry.runner.git.GitRepos.git;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.gantry.cli.Gantry;
import io.gantry.localecs.LocalEcs;
import io.gantry.server.GantryServer;
import io.gantry.server.config.ConfigLoader;
import io.gantry.server.config.ServerConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The example service's deploy pipeline as a user runs it: {@code gantry serve} with the embedded
 * local-ecs, a bare repository whose post-receive hook reports pushes, a working clone of {@code
 * java-service/} pushed with real {@code git push}es, the load balancer's target group, and a Java
 * base image in local-ecs's registry (ECR). The forge's status API is a local recording server.
 * Used by {@link JavaServiceDeployTest} and {@code io.gantry.bench.PushToHealthyBench}.
 */
public final class DeployHarness implements AutoCloseable {

  static final String TOKEN = "api-token-for-the-deploy-test";
  static final String HOOK_SECRET = "hook-secret-for-the-deploy-test";
  static final String SERVICE = "hello-service";
  static final String REPO = "acme/hello";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final Path work;
  private final Path bare;
  private final HttpServer forge;
  private final List<String> statusRequests = new CopyOnWriteArrayList<>();
  private final GantryServer server;
  private final int lbPort;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private DeployHarness(Path dir, Path example, Path gantry) throws Exception {
    this.dir = Files.createDirectories(dir);
    forge = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    forge.createContext(
        "/",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          statusRequests.add(
              exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " " + body);
          exchange.sendResponseHeaders(201, -1);
          exchange.close();
        });
    forge.start();

    bare = dir.resolve("hello.git");
    work = dir.resolve("work");
    git(dir, "init", "-q", "--bare", "-b", "main", bare.toString());
    copy(example, work);
    git(work, "init", "-q", "-b", "main");
    git(work, "config", "user.email", "dev@example.com");
    git(work, "config", "user.name", "Dev");
    git(work, "remote", "add", "origin", bare.toString());

    lbPort = freePort();
    Path config = dir.resolve("gantry.yml");
    Files.writeString(
        config,
        "server:\n  port: 0\n  data-dir: "
            + dir.resolve("data")
            + "\n  api-token: "
            + TOKEN
            + "\n  workers: 2\n"
            + "repositories:\n  - name: "
            + REPO
            + "\n    forge: git\n    clone-url: file://"
            + bare
            + "\n    webhook-secret: "
            + HOOK_SECRET
            + "\n"
            + "    status: { api-url: http://127.0.0.1:"
            + forge.getAddress().getPort()
            + ", token: status-token, forge: github }\n"
            + "    vars:\n      SERVICE_URL: http://127.0.0.1:"
            + lbPort
            + "\n"
            + "      TARGET_GROUP: "
            + SERVICE
            + "\n"
            + "local-ecs:\n  port: 0\n  stop-tasks-on-close: true\n");
    ServerConfig loaded = new ConfigLoader(Map.<String, String>of()::get).load(config);
    server = GantryServer.start(loaded);

    Path hook = bare.resolve("hooks/post-receive");
    // As a user installs it (bin/gantry, the executable jar), or from the test's classpath.
    String command =
        gantry != null
            ? "'" + gantry + "'"
            : "'"
                + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' -cp '"
                + System.getProperty("java.class.path")
                + "' io.gantry.cli.Gantry";
    // The hook notes when git started it (for the bench: git's own part of a push ends there).
    Files.writeString(
        hook,
        "#!/bin/sh\ndate +%s%N >> \"$GIT_DIR/hook-started\"\nexec "
            + command
            + " hook post-receive --server http://127.0.0.1:"
            + server.port()
            + " --repo "
            + REPO
            + "\n");
    Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));

    createTargetGroup();
    pushJavaBase();
  }

  /**
   * Starts it all in {@code dir}, with the example copied from {@code example}; the bare
   * repository's hook runs Gantry from the test's classpath.
   */
  public static DeployHarness start(Path dir, Path example) throws Exception {
    return new DeployHarness(dir, example, null);
  }

  /** The same, with the hook running {@code gantry} (e.g. the repository's {@code bin/gantry}). */
  public static DeployHarness start(Path dir, Path example, Path gantry) throws Exception {
    return new DeployHarness(dir, example, gantry);
  }

  /** When the post-receive hook of the last push started. */
  public Instant lastHookStart() throws IOException {
    List<String> lines = Files.readAllLines(bare.resolve("hook-started"));
    long nanos = Long.parseLong(lines.get(lines.size() - 1).strip());
    return Instant.ofEpochSecond(nanos / 1_000_000_000L, nanos % 1_000_000_000L);
  }

  public Path work() {
    return work;
  }

  public LocalEcs localEcs() {
    return server.localEcs().orElseThrow();
  }

  public GantryServer server() {
    return server;
  }

  /** The load balancer in front of the service. */
  public String serviceUrl() {
    return "http://127.0.0.1:" + lbPort;
  }

  public List<String> statusRequests() {
    return statusRequests;
  }

  /** The load balancer's target group with ALB's health check on {@code /}, every 5 s. */
  private void createTargetGroup() throws Exception {
    String endpoint = localEcs().endpoint().toString();
    String created =
        post(
            endpoint,
            "Action=CreateTargetGroup&Version=2015-12-01&Name="
                + SERVICE
                + "&Protocol=HTTP&Port="
                + lbPort
                + "&VpcId=vpc-local&TargetType=ip&HealthCheckPath=/"
                + "&HealthCheckIntervalSeconds=5&HealthyThresholdCount=2&Matcher.HttpCode=200");
    Matcher arn = Pattern.compile("<TargetGroupArn>([^<]+)</TargetGroupArn>").matcher(created);
    if (!arn.find()) {
      throw new IllegalStateException("CreateTargetGroup answered " + created);
    }
    post(
        endpoint,
        "Action=ModifyTargetGroupAttributes&Version=2015-12-01&TargetGroupArn="
            + arn.group(1)
            + "&Attributes.member.1.Key=deregistration_delay.timeout_seconds"
            + "&Attributes.member.1.Value=5");
  }

  /** {@code gantry base-image REGISTRY/java-base} with ECR's token for local-ecs's registry. */
  private void pushJavaBase() throws Exception {
    HttpResponse<String> token =
        http.send(
            HttpRequest.newBuilder(localEcs().endpoint())
                .header("Content-Type", "application/x-amz-json-1.1")
                .header(
                    "X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    String encoded =
        JSON.readTree(token.body())
            .path("authorizationData")
            .path(0)
            .path("authorizationToken")
            .asText();
    String password =
        new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8).substring(4);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    InputStream stdin = System.in;
    int exit;
    try {
      System.setIn(new ByteArrayInputStream(password.getBytes(StandardCharsets.UTF_8)));
      exit =
          Gantry.execute(
              new PrintWriter(out, true),
              new PrintWriter(err, true),
              "base-image",
              localEcs().registry() + "/java-base",
              "--username",
              "AWS",
              "--password-stdin",
              "--data-dir",
              dir.resolve("data").toString());
    } finally {
      System.setIn(stdin);
    }
    if (exit != 0) {
      throw new IllegalStateException("gantry base-image failed: " + out + err);
    }
  }

  /** Commits everything in the working clone and pushes it to main; returns the commit. */
  public String commitAndPush(String message) throws Exception {
    git(work, "add", "-A");
    git(work, "commit", "-q", "--allow-empty", "-m", message);
    String sha = git(work, "rev-parse", "HEAD").strip();
    ProcessBuilder builder =
        new ProcessBuilder("git", "push", "-q", "origin", "main")
            .directory(work.toFile())
            .redirectErrorStream(true);
    builder.environment().put("GANTRY_HOOK_SECRET", HOOK_SECRET);
    Process push = builder.start();
    push.getOutputStream().close();
    String output = new String(push.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (push.waitFor() != 0) {
      throw new IllegalStateException("git push failed: " + output);
    }
    return sha;
  }

  /** Rewrites a file of the working clone. */
  public void edit(String file, String from, String to) throws IOException {
    Path path = work.resolve(file);
    String text = Files.readString(path);
    if (!text.contains(from)) {
      throw new IllegalStateException(file + " does not contain " + from);
    }
    Files.writeString(path, text.replace(from, to));
  }

  /** The deploy run of a commit, once it completed (waits up to {@code timeout}). */
  public JsonNode awaitRun(String sha, Duration timeout) throws Exception {
    Instant end = Instant.now().plus(timeout);
    while (Instant.now().isBefore(end)) {
      for (JsonNode run : api("/api/runs?limit=50").path("runs")) {
        if (sha.equals(run.path("sha").asText())
            && "COMPLETED".equals(run.path("status").asText())) {
          return api("/api/runs/" + run.path("id").asLong());
        }
      }
      Thread.sleep(250);
    }
    throw new AssertionError(
        "no completed run of " + sha + " after " + timeout + ": " + api("/api/runs?limit=50"));
  }

  public String logs(long run) throws Exception {
    return get("/api/runs/" + run + "/logs");
  }

  public JsonNode api(String path) throws Exception {
    return JSON.readTree(get(path));
  }

  private String get(String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** An ECS API call to local-ecs, e.g. {@code ecs("DescribeServices", "{...}")}. */
  public JsonNode ecs(String action, String body) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(localEcs().endpoint())
                .header("Content-Type", "application/x-amz-json-1.1")
                .header("X-Amz-Target", "AmazonEC2ContainerServiceV20141113." + action)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          action + " answered " + response.statusCode() + ": " + response.body());
    }
    return JSON.readTree(response.body());
  }

  private String post(String endpoint, String form) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(endpoint))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          form + " answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  /** What the load balancer answers on {@code path}, or the failure. */
  public String serviceGet(String path) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(serviceUrl() + path))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() + " " + response.body();
    } catch (IOException e) {
      return "error " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** Requests through the load balancer, one after the other, until closed. */
  public Traffic traffic(String path) {
    return new Traffic(path);
  }

  /** Continuous requests through the load balancer; what failed is kept. */
  public final class Traffic implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final Thread thread;

    private Traffic(String path) {
      thread =
          new Thread(
              () -> {
                while (running.get()) {
                  String answer = serviceGet(path);
                  requests.incrementAndGet();
                  if (!answer.startsWith("200 ")) {
                    failures.add(Instant.now() + " " + answer);
                  }
                  try {
                    Thread.sleep(20);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "traffic");
      thread.setDaemon(true);
      thread.start();
    }

    public int requests() {
      return requests.get();
    }

    public List<String> failures() {
      return List.copyOf(failures);
    }

    @Override
    public void close() {
      running.set(false);
      try {
        thread.join(TimeUnit.SECONDS.toMillis(15));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    server.close();
    forge.stop(0);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** The example without its build output. */
  private static void copy(Path from, Path to) throws IOException {
    Files.walkFileTree(
        from,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs)
              throws IOException {
            if (d.getFileName().toString().equals("target")) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            Files.createDirectories(to.resolve(from.relativize(d)));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
            Files.copy(f, to.resolve(from.relativize(f)));
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
