package io.gantry.runner.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real OCI registry for tests: Debian's {@code docker-registry serve} (CNCF Distribution) on a
 * free port of 127.0.0.1, storage and htpasswd file in a temporary folder, plain HTTP. Register it
 * with {@code @RegisterExtension static TestRegistry registry = new TestRegistry();} to share one
 * per test class; it is stopped by its process id after the class, and its folder removed.
 *
 * <p>Besides the address and credentials, it reads what the registry saw: manifests and blobs
 * through the registry HTTP API, and the blob uploads from its access log.
 */
public final class TestRegistry implements BeforeAllCallback, AfterAllCallback {

  public static final String USERNAME = "gantry";
  public static final String PASSWORD = "registry-pass-7316";

  private static final Pattern UPLOAD =
      Pattern.compile(
          "\"PUT /v2/(\\S+?)/blobs/uploads/\\S*[?&]digest=sha256(?::|%3A)([0-9a-f]{64})\\S*"
              + " HTTP/1\\.1\" 201 ");

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Path dir;
  private Process process;
  private int port;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    close();
  }

  /** Starts the registry (a few attempts, in case another process takes the free port first). */
  public TestRegistry start() throws Exception {
    Tools.require("docker-registry", "htpasswd");
    dir = Files.createTempDirectory("gantry-registry");
    Process htpasswd =
        new ProcessBuilder("htpasswd", "-Bbn", USERNAME, PASSWORD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    byte[] line = htpasswd.getInputStream().readAllBytes();
    if (htpasswd.waitFor() != 0) {
      throw new IllegalStateException("htpasswd failed");
    }
    Files.write(dir.resolve("htpasswd"), line);
    for (int attempt = 1; ; attempt++) {
      port = freePort();
      Files.writeString(
          dir.resolve("config.yml"),
          String.join(
              "\n",
              "version: 0.1",
              "log:",
              "  level: info",
              "  accesslog:",
              "    disabled: false",
              "storage:",
              "  filesystem:",
              "    rootdirectory: " + dir.resolve("data"),
              "  delete:",
              "    enabled: true",
              "http:",
              "  addr: 127.0.0.1:" + port,
              "  secret: gantry-test-secret",
              "auth:",
              "  htpasswd:",
              "    realm: gantry-test",
              "    path: " + dir.resolve("htpasswd"),
              ""));
      process =
          new ProcessBuilder("docker-registry", "serve", dir.resolve("config.yml").toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("registry.log").toFile())
              .start();
      if (awaitReady()) {
        return this;
      }
      stopProcess();
      if (attempt == 3) {
        throw new IllegalStateException(
            "docker-registry did not start: " + Files.readString(dir.resolve("registry.log")));
      }
    }
  }

  private boolean awaitReady() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline && process.isAlive()) {
      try {
        HttpResponse<Void> response =
            http.send(
                HttpRequest.newBuilder(URI.create("http://" + host() + "/v2/")).build(),
                HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 401) {
          return true;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      Thread.sleep(50);
    }
    return false;
  }

  /** Stops the registry (by its process) and deletes its folder. */
  public void close() throws IOException, InterruptedException {
    stopProcess();
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(file);
        }
      }
    }
  }

  private void stopProcess() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  /** {@code 127.0.0.1:PORT}. */
  public String host() {
    return "127.0.0.1:" + port;
  }

  /** The registry's log so far (requests, access log). */
  public String log() throws IOException {
    return Files.readString(dir.resolve("registry.log"), StandardCharsets.UTF_8);
  }

  /** A position in the log, for {@link #uploadsSince}. */
  public long mark() throws IOException {
    return Files.size(dir.resolve("registry.log"));
  }

  /** The digests of the blobs uploaded (completed PUTs) since {@code mark}, in order. */
  public List<String> uploadsSince(long mark) throws IOException {
    byte[] all = Files.readAllBytes(dir.resolve("registry.log"));
    String text = new String(all, (int) mark, all.length - (int) mark, StandardCharsets.UTF_8);
    List<String> digests = new ArrayList<>();
    Matcher m = UPLOAD.matcher(text);
    while (m.find()) {
      digests.add("sha256:" + m.group(2));
    }
    return digests;
  }

  /** GETs a path of the registry API with the test credentials. */
  public HttpResponse<String> get(String path, String... accept)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://" + host() + path))
            .header("Authorization", basic());
    if (accept.length > 0) {
      request.header("Accept", String.join(", ", accept));
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The manifest of {@code repository:reference}, as stored, with its digest header. */
  public HttpResponse<String> manifest(String repository, String reference)
      throws IOException, InterruptedException {
    return get(
        "/v2/" + repository + "/manifests/" + reference,
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.index.v1+json");
  }

  /** A blob's bytes. */
  public byte[] blob(String repository, String digest) throws IOException, InterruptedException {
    HttpResponse<byte[]> response =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://" + host() + "/v2/" + repository + "/blobs/" + digest))
                .header("Authorization", basic())
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "GET blob " + digest + " of " + repository + ": HTTP " + response.statusCode());
    }
    return response.body();
  }

  /** The paths in a gzipped layer blob, as the tar names them. */
  public List<String> layerEntries(String repository, String digest)
      throws IOException, InterruptedException {
    List<String> names = new ArrayList<>();
    try (var tar =
        new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
            new java.util.zip.GZIPInputStream(
                new java.io.ByteArrayInputStream(blob(repository, digest))))) {
      for (var entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
        names.add(entry.getName());
      }
    }
    return names;
  }

  /** The size of a blob, from a HEAD request. */
  public long blobSize(String repository, String digest) throws IOException, InterruptedException {
    HttpResponse<Void> response =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://" + host() + "/v2/" + repository + "/blobs/" + digest))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Authorization", basic())
                .build(),
            HttpResponse.BodyHandlers.discarding());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("no blob " + digest + " in " + repository);
    }
    return response.headers().firstValueAsLong("Content-Length").orElseThrow();
  }

  private static String basic() {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((USERNAME + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
