package io.gantry.server;

import io.gantry.runner.git.GitRepos;
import io.gantry.server.config.ConfigLoader;
import io.gantry.server.config.ServerConfig;
import io.gantry.server.forge.GitHookPayload;
import io.gantry.server.forge.PostReceive;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A real {@code GantryServer} on 127.0.0.1 with a real bare repository {@code acme/web} (forge
 * {@code git}, secret {@link #SECRET}) holding two commits, for tests that talk to it over plain
 * sockets.
 */
final class TestServer implements AutoCloseable {

  static final String SECRET = "test-hook-secret";
  static final String TOKEN = "test-api-token";

  final GitRepos repos;
  final String first;
  final String second;
  final GantryServer server;

  private TestServer(GitRepos repos, String first, String second, GantryServer server) {
    this.repos = repos;
    this.first = first;
    this.second = second;
    this.server = server;
  }

  /**
   * @param workflow the text of {@code .github/workflows/ci.yml} in both commits (null: none)
   * @param extraYaml appended to {@code gantry.yml} (e.g. a {@code limits:} section)
   */
  static TestServer start(Path dir, String workflow, String extraYaml) throws Exception {
    return start(dir, workflow, extraYaml, "");
  }

  /**
   * @param serverYaml more keys of the {@code server:} section, each line indented by two spaces
   *     (e.g. {@code server.database})
   */
  static TestServer start(Path dir, String workflow, String extraYaml, String serverYaml)
      throws Exception {
    Files.createDirectories(dir);
    GitRepos repos = GitRepos.create(dir);
    String first =
        repos.commit(
            "first",
            workflow == null
                ? Map.of("README.md", "one\n")
                : Map.of("README.md", "one\n", ".github/workflows/ci.yml", workflow));
    String second = repos.commit("second", Map.of("README.md", "two\n"));
    repos.push();
    return start(dir, repos, first, second, extraYaml, serverYaml);
  }

  /**
   * @param files the first commit's files by path (workflows, reusable workflows, actions); the
   *     second commit changes only README.md
   */
  static TestServer withFiles(Path dir, Map<String, String> files, String extraYaml)
      throws Exception {
    Files.createDirectories(dir);
    GitRepos repos = GitRepos.create(dir);
    Map<String, String> first = new java.util.LinkedHashMap<>(files);
    first.putIfAbsent("README.md", "one\n");
    String one = repos.commit("first", first);
    String two = repos.commit("second", Map.of("README.md", "two\n"));
    repos.push();
    return start(dir, repos, one, two, extraYaml, "");
  }

  /** Another server for the same repository as {@code other} (sharing its store: serverYaml). */
  static TestServer another(TestServer other, Path dir, String extraYaml, String serverYaml)
      throws Exception {
    Files.createDirectories(dir);
    return start(dir, other.repos, other.first, other.second, extraYaml, serverYaml);
  }

  private static TestServer start(
      Path dir, GitRepos repos, String first, String second, String extraYaml, String serverYaml)
      throws Exception {
    Path config = dir.resolve("gantry.yml");
    Files.writeString(
        config,
        "server:\n  port: 0\n  data-dir: "
            + dir.resolve("data")
            + "\n  api-token: "
            + TOKEN
            + "\n  workers: 1\n"
            + serverYaml
            + "repositories:\n  - name: acme/web\n    forge: git\n"
            + "    clone-url: "
            + repos.origin.toUri()
            + "\n    webhook-secret: "
            + SECRET
            + "\n"
            + otherForges(repos.origin.toUri().toString())
            + extraYaml);
    ServerConfig loaded = new ConfigLoader(name -> null).load(config);
    GantryServer server =
        GantryServer.start(loaded, Duration.ofSeconds(30), StatusPosting.forges());
    return new TestServer(repos, first, second, server);
  }

  /** The same repository as acme/github, acme/gitea and acme/gitlab, one per forge. */
  private static String otherForges(String cloneUrl) {
    StringBuilder yaml = new StringBuilder();
    for (String forge : java.util.List.of("github", "gitea", "gitlab")) {
      yaml.append("  - name: acme/")
          .append(forge)
          .append("\n    forge: ")
          .append(forge)
          .append("\n    clone-url: ")
          .append(cloneUrl)
          .append("\n    webhook-secret: ")
          .append(SECRET)
          .append('\n');
    }
    return yaml.toString();
  }

  int port() {
    return server.port();
  }

  /** A signed {@code /hooks/git} delivery of a push of {@code ref} from first to second. */
  GitHookPayload push(String ref) {
    return GitHookPayload.of("acme/web", new PostReceive.RefUpdate(first, second, ref), "dev");
  }

  /** A raw HTTP/1.1 request over a new socket; returns the status line and body. */
  Answer send(String method, String path, Map<String, String> headers, byte[] body)
      throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      StringBuilder head =
          new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      if (method.equals("GET") && !headers.containsKey("Authorization")) {
        // Reads of the API need a reader since public-read governs them too.
        head.append("Authorization: Bearer ").append(TOKEN).append("\r\n");
      }
      head.append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n\r\n");
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      return Answer.read(socket.getInputStream());
    }
  }

  Answer deliver(GitHookPayload payload, Map<String, String> overrides) throws IOException {
    Map<String, String> headers = new java.util.LinkedHashMap<>(payload.headers(SECRET));
    overrides.forEach(
        (k, v) -> {
          if (v == null) {
            headers.remove(k);
          } else {
            headers.put(k, v);
          }
        });
    return send("POST", "/hooks/git", headers, payload.body());
  }

  /** An HTTP answer read to the end of the connection. */
  record Answer(int status, String body) {
    static Answer read(InputStream in) throws IOException {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      if (!text.startsWith("HTTP/1.1 ")) {
        throw new IOException("not an HTTP answer: " + text);
      }
      int status = Integer.parseInt(text.substring(9, 12));
      int bodyStart = text.indexOf("\r\n\r\n");
      return new Answer(status, bodyStart < 0 ? "" : text.substring(bodyStart + 4));
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
