package io.gantry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.remote.ActionRepos;
import io.gantry.runner.expression.Expressions;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Java project's ordinary CI workflow, unchanged: {@code actions/checkout@v5}, the real {@code
 * actions/setup-java@v5} (from the offline bundle, as a {@code file://} action source) with {@code
 * cache: maven}, {@code mvn -B verify} of a project with a unit test, and {@code
 * actions/upload-artifact@v4} of the jar. Run twice with {@code gantry run}, and twice through a
 * live {@code gantry serve} process fed by real pushes to a bare repository whose post-receive hook
 * sends signed deliveries. Each time the second run restores the Maven repository the first one
 * saved (Maven then copies nothing), the cache entry is listed, and the jar is downloadable.
 *
 * <p>Tagged {@code slow}: four Maven builds.
 */
@Tag("slow")
class OrdinaryCiWorkflowTest {

  static final String WORKFLOW =
      """
      name: Java CI with Maven
      on:
        push:
          branches: [main]
      jobs:
        build:
          runs-on: ubuntu-latest
          steps:
            - uses: actions/checkout@v5
            - name: Set up JDK 17
              id: java
              uses: actions/setup-java@v5
              with:
                java-version: '17'
                distribution: 'temurin'
                cache: maven
            - name: Build with Maven
              run: mvn -B verify --file pom.xml
            - run: echo "cache-hit=[${{ steps.java.outputs.cache-hit }}]"
            - uses: actions/upload-artifact@v4
              with:
                name: app
                path: target/*.jar
      """;

  private static final String TOKEN = "ordinary-ci-api-token";
  private static final String SECRET = "ordinary-ci-hook-secret";
  private static final Pattern RESTORED =
      Pattern.compile("Cache restored from key: (setup-java-Linux-(?:\\w+-)?maven-[0-9a-f]+)");

  @TempDir Path dir;
  private Path home;
  private String source;
  private Process serve;
  private int dropped;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void setUp() throws Exception {
    home = Files.createDirectories(dir.resolve("home"));
    source = ActionRepos.serve(dir.resolve("source"));
  }

  @AfterEach
  void stop() throws Exception {
    if (serve != null) {
      serve.destroy();
      if (!serve.waitFor(30, TimeUnit.SECONDS)) {
        serve.destroyForcibly();
      }
    }
  }

  @Test
  void gantryRunBuildsTheJarAndTheSecondRunRestoresTheMavenCache() throws Exception {
    Path repo = Files.createDirectories(dir.resolve("repo/.github/workflows")).getParent();
    repo = repo.getParent();
    Files.writeString(repo.resolve(".github/workflows/ci.yml"), WORKFLOW);
    MavenProject.write(repo);
    String data = dir.resolve("data").toString();
    String[] run = {
      "run",
      repo.toString(),
      "--data-dir",
      data,
      "--action-source",
      source,
      "--repo",
      "acme/web",
      "-e",
      "HOME=" + home
    };

    Cli first = gantry(run);
    assertThat(first.exit()).as(first.output()).isZero();
    assertThat(first.output())
        .contains("maven cache is not found")
        .contains("Tests run: 1, Failures: 0")
        .contains("Downloading from local")
        .contains("Building jar:")
        .contains("cache-hit=[false]")
        .contains("Cache saved with the key: setup-java-Linux-");

    // Another job on this runner: nothing in ~/.m2 until setup-java restores it.
    delete(home.resolve(".m2"));
    Cli second = gantry(run);
    assertThat(second.exit()).as(second.output()).isZero();
    String key = matching(second.output(), RESTORED);
    assertThat(second.output())
        .contains("cache-hit=[true]")
        .contains("Tests run: 1, Failures: 0")
        .doesNotContain("Downloading from local");

    Cli caches = gantry("caches", "--local", "--data-dir", data, "--repo", "acme/web");
    assertThat(caches.exit()).as(caches.output()).isZero();
    assertThat(caches.output().split("\n")).hasSize(2);
    assertThat(caches.output().split("\n")[1].split(" +")[2]).isEqualTo(key);

    Path saved = Files.createDirectories(dir.resolve("saved"));
    Cli download =
        gantry(
            "artifacts",
            "2",
            "--local",
            "--data-dir",
            data,
            "--download",
            "app",
            "--dir",
            saved.toString());
    assertThat(download.exit()).as(download.output()).isZero();
    assertTheJar(Files.readAllBytes(saved.resolve("app.zip")));
  }

  @Test
  void aSignedPushThroughGantryServeRunsItAndTheNextPushRestoresTheMavenCache() throws Exception {
    Path bare = dir.resolve("origin.git");
    Path work = dir.resolve("work");
    command(Map.of(), dir, "git", "init", "-q", "--bare", "-b", "main", bare.toString());
    command(Map.of(), dir, "git", "init", "-q", "-b", "main", work.toString());
    command(Map.of(), work, "git", "config", "user.email", "dev@example.com");
    command(Map.of(), work, "git", "config", "user.name", "Dev");
    command(Map.of(), work, "git", "remote", "add", "origin", bare.toString());
    Files.createDirectories(work.resolve(".github/workflows"));
    Files.writeString(work.resolve(".github/workflows/ci.yml"), WORKFLOW);
    MavenProject.write(work);
    Files.writeString(work.resolve("README.md"), "one\n");

    String base = startServe(bare);
    Path hook = bare.resolve("hooks/post-receive");
    Files.writeString(
        hook,
        "#!/bin/sh\nexec '"
            + java()
            + "' -cp '"
            + System.getProperty("java.class.path")
            + "' io.gantry.cli.Gantry hook post-receive --server "
            + base
            + " --repo acme/web\n");
    Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));

    push(work, "first");
    Map<?, ?> first = awaitRun(base, 1);
    long firstId = ((Number) first.get("id")).longValue();
    String firstLog = get(base, "/api/runs/" + firstId + "/logs").body();
    assertThat(first.get("conclusion")).as(firstLog).isEqualTo("success");
    assertThat(firstLog)
        .contains("maven cache is not found")
        .contains("Downloading from local")
        .contains("cache-hit=[false]")
        .contains("Cache saved with the key: setup-java-Linux-");

    delete(home.resolve(".m2"));
    Files.writeString(work.resolve("README.md"), "two\n");
    push(work, "second");
    Map<?, ?> second = awaitRun(base, 2);
    long id = ((Number) second.get("id")).longValue();
    String secondLog = get(base, "/api/runs/" + id + "/logs").body();
    assertThat(second.get("conclusion")).as(secondLog).isEqualTo("success");
    String key = matching(secondLog, RESTORED);
    assertThat(secondLog)
        .contains("cache-hit=[true]")
        .contains("Tests run: 1, Failures: 0")
        .doesNotContain("Downloading from local");

    Map<?, ?> caches = json(get(base, "/api/caches?repo=acme/web").body());
    assertThat(String.valueOf(caches)).contains("key=" + key);

    String artifacts = get(base, "/api/runs/" + id + "/artifacts").body();
    assertThat(artifacts).contains("\"name\":\"app\"");
    HttpResponse<byte[]> zip =
        HTTP.send(
            request(base, "/api/runs/" + id + "/artifacts/app/zip").build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(zip.statusCode()).isEqualTo(200);
    assertTheJar(zip.body());
  }

  /** The zip holds the one jar, with the compiled class in it. */
  private static void assertTheJar(byte[] zip) throws IOException {
    Map<String, byte[]> entries = unzip(new ByteArrayInputStream(zip));
    assertThat(entries).containsOnlyKeys(MavenProject.JAR);
    assertThat(unzip(new ByteArrayInputStream(entries.get(MavenProject.JAR))))
        .containsKey("demo/Hello.class")
        .doesNotContainKey("demo/HelloTest.class");
  }

  private static Map<String, byte[]> unzip(InputStream bytes) throws IOException {
    Map<String, byte[]> entries = new TreeMap<>();
    try (ZipInputStream in = new ZipInputStream(bytes)) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        entries.put(e.getName(), in.readAllBytes());
      }
    }
    return entries;
  }

  /** {@code gantry serve} as a process of its own, its jobs' HOME the test's; returns its URL. */
  private String startServe(Path bare) throws Exception {
    Path config = dir.resolve("gantry.yml");
    Files.writeString(
        config,
        "server:\n  port: 0\n  data-dir: "
            + dir.resolve("serve-data")
            + "\n  api-token: ${GANTRY_API_TOKEN}\n  workers: 1\n"
            + "repositories:\n  - name: acme/web\n    forge: git\n    clone-url: "
            + bare.toUri()
            + "\n    webhook-secret: ${GANTRY_HOOK_SECRET}\n"
            + "actions:\n  sources:\n    - "
            + source
            + "\n");
    ProcessBuilder builder =
        new ProcessBuilder(
                java(),
                // as bin/gantry serve starts it (GANTRY_SERVER_JVM_OPTS' default)
                "-XX:+UseSerialGC",
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                "io.gantry.cli.Gantry",
                "serve",
                "--config",
                config.toString())
            .directory(dir.toFile())
            .redirectError(dir.resolve("serve.err").toFile());
    builder.environment().put("HOME", home.toString());
    builder.environment().put("GANTRY_API_TOKEN", TOKEN);
    builder.environment().put("GANTRY_HOOK_SECRET", SECRET);
    serve = builder.start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
    Pattern listening = Pattern.compile("Gantry listening on (http://127\\.0\\.0\\.1:\\d+)");
    for (String line; (line = out.readLine()) != null; ) {
      Matcher m = listening.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> drain(out), "serve-stdout");
        drain.setDaemon(true);
        drain.start();
        return m.group(1);
      }
    }
    throw new AssertionError(
        "gantry serve ended without listening: " + Files.readString(dir.resolve("serve.err")));
  }

  private static void drain(BufferedReader out) {
    try {
      while (out.readLine() != null) {
        // the server's further notices
      }
    } catch (IOException e) {
      // the process ended
    }
  }

  private void push(Path work, String message) throws Exception {
    command(Map.of(), work, "git", "add", ".");
    command(Map.of(), work, "git", "commit", "-q", "-m", message);
    command(Map.of("GANTRY_HOOK_SECRET", SECRET), work, "git", "push", "-q", "origin", "main");
  }

  /** Waits until the server has {@code count} runs and the newest has completed. */
  private Map<?, ?> awaitRun(String base, int count) throws Exception {
    long deadline = System.currentTimeMillis() + 300_000;
    while (System.currentTimeMillis() < deadline) {
      if (!serve.isAlive()) {
        throw new AssertionError(
            "gantry serve ended with exit code "
                + serve.exitValue()
                + ": "
                + Files.readString(dir.resolve("serve.err")));
      }
      try {
        List<?> runs = (List<?>) json(get(base, "/api/runs").body()).get("runs");
        if (runs.size() >= count) {
          long id = ((Number) ((Map<?, ?>) runs.get(0)).get("id")).longValue();
          Map<?, ?> run = json(get(base, "/api/runs/" + id).body());
          if ("COMPLETED".equals(run.get("status"))) {
            return run;
          }
        }
      } catch (IOException e) {
        // A poll the busy machine dropped; the server is alive (checked above): ask again.
        dropped++;
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        "run "
            + count
            + " did not complete ("
            + dropped
            + " polls dropped): "
            + get(base, "/api/runs").body());
  }

  private static HttpRequest.Builder request(String base, String path) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .header("Authorization", "Bearer " + TOKEN);
  }

  private static HttpResponse<String> get(String base, String path) throws Exception {
    return HTTP.send(request(base, path).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Map<?, ?> json(String body) throws Exception {
    return (Map<?, ?>) Expressions.fromJson(body);
  }

  private record Cli(int exit, String output) {}

  private static Cli gantry(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Gantry.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Cli(exit, out + "\n" + err);
  }

  private static String matching(String text, Pattern pattern) {
    Matcher m = pattern.matcher(text);
    assertThat(m.find()).as(text).isTrue();
    return m.group(1);
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static void command(Map<String, String> env, Path in, String... args) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(args).directory(in.toFile()).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process p = builder.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0)
        .as(String.join(" ", args) + ": " + output)
        .isTrue();
  }

  private static void delete(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
