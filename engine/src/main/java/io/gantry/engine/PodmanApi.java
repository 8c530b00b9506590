package io.gantry.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.engine.ContainerEngine.EngineException;
import io.gantry.engine.ContainerEngine.ExecResult;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The calls of Podman's own (libpod) API that docker-java does not know, as raw HTTP on the
 * engine's address: whether the engine is Podman, and its healthcheck endpoint; and one stats
 * sample of the Docker-compatible API (docker-java only streams them).
 */
final class PodmanApi {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI dockerHost;

  /** Whether the engine is Podman (its libpod API answers); null until first asked. */
  private volatile Boolean podman;

  PodmanApi(URI dockerHost) {
    this.dockerHost = dockerHost;
  }

  /** Podman answers its own API's ping; a Docker engine does not have it. */
  boolean isPodman() {
    Boolean known = podman;
    if (known == null) {
      try {
        known = get("/v4.0.0/libpod/_ping").status() == 200;
      } catch (IOException e) {
        known = false;
      }
      podman = known;
    }
    return known;
  }

  private record Answer(int status, String body) {}

  /**
   * A GET of Podman's own API, which docker-java does not know: HTTP/1.0 (the engine closes the
   * connection after the answer) on the engine's unix socket or TCP address, the body up to 64 KiB.
   */
  private Answer get(String path) throws IOException {
    return request("GET", path, "", 65_536, null);
  }

  /** Closes the connections of requests past their time (one daemon thread, made on first use). */
  private static final class Deadlines {
    static final java.util.concurrent.ScheduledExecutorService TIMER =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gantry-engine-deadlines");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * One request; with a {@code timeout}, its connection is closed when the whole answer has not
   * arrived by then, and the request fails with a {@link java.net.SocketTimeoutException}.
   */
  private Answer request(String method, String path, String headers, int maxBody, Duration timeout)
      throws IOException {
    java.nio.channels.SocketChannel channel = connect();
    java.util.concurrent.atomic.AtomicBoolean late =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.ScheduledFuture<?> closer =
        timeout == null
            ? null
            : Deadlines.TIMER.schedule(
                () -> {
                  late.set(true);
                  try {
                    channel.close();
                  } catch (IOException e) {
                    // closing is all there is to do
                  }
                },
                timeout.toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS);
    try {
      return exchange(channel, method, path, headers, maxBody);
    } catch (IOException e) {
      if (late.get()) {
        throw new java.net.SocketTimeoutException(
            "no answer within " + DockerEngine.seconds(timeout));
      }
      throw e;
    } finally {
      if (closer != null) {
        closer.cancel(false);
      }
    }
  }

  private java.nio.channels.SocketChannel connect() throws IOException {
    java.nio.channels.SocketChannel channel;
    if ("unix".equals(dockerHost.getScheme())) {
      channel = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX);
      channel.connect(java.net.UnixDomainSocketAddress.of(dockerHost.getPath()));
    } else {
      channel =
          java.nio.channels.SocketChannel.open(
              new java.net.InetSocketAddress(dockerHost.getHost(), dockerHost.getPort()));
    }
    return channel;
  }

  private static Answer exchange(
      java.nio.channels.SocketChannel channel,
      String method,
      String path,
      String headers,
      int maxBody)
      throws IOException {
    try (channel;
        InputStream in = java.nio.channels.Channels.newInputStream(channel)) {
      channel.write(
          java.nio.ByteBuffer.wrap(
              (method + " " + path + " HTTP/1.0\r\nHost: engine\r\n" + headers + "\r\n")
                  .getBytes(StandardCharsets.US_ASCII)));
      byte[] raw = in.readNBytes(maxBody + 4096);
      String text = new String(raw, StandardCharsets.ISO_8859_1);
      int headerEnd = text.indexOf("\r\n\r\n");
      String[] statusLine = text.substring(0, Math.max(0, text.indexOf("\r\n"))).split(" ");
      if (headerEnd < 0 || statusLine.length < 2) {
        throw new IOException("malformed answer from the engine to " + method + " " + path);
      }
      return new Answer(
          Integer.parseInt(statusLine[1]),
          new String(raw, headerEnd + 4, raw.length - headerEnd - 4, StandardCharsets.UTF_8));
    }
  }

  /**
   * A container's inspection as a tree ({@link ContainerJson}), or null when there is no such
   * container.
   */
  JsonNode inspect(String id) {
    Answer answer;
    try {
      answer = get("/containers/" + path(id) + "/json");
    } catch (IOException e) {
      throw new EngineException("inspect of " + id + ": " + e.getMessage(), e);
    }
    if (answer.status() == 404) {
      return null;
    }
    try {
      JsonNode body = JSON.readTree(answer.body());
      if (answer.status() != 200) {
        throw new EngineException(
            body.path("message").asText("the engine answered " + answer.status()), null);
      }
      return body;
    } catch (IOException e) {
      throw new EngineException("inspect of " + id + ": " + e.getMessage(), e);
    }
  }

  /** Whether the image is in the engine's storage (Podman's exists, else Docker's inspect). */
  boolean imageExists(String image) {
    Answer answer;
    try {
      answer =
          get(
              isPodman()
                  ? "/v4.0.0/libpod/images/" + path(image) + "/exists"
                  : "/images/" + path(image) + "/json");
    } catch (IOException e) {
      throw new EngineException("inspect of " + image + ": " + e.getMessage(), e);
    }
    if (answer.status() == 404) {
      return false;
    }
    if (answer.status() / 100 == 2) {
      return true;
    }
    throw new EngineException(
        "inspect of " + image + ": the engine answered " + answer.status(), null);
  }

  /** A container id or image reference as a path segment (its '/' and ':' kept, as the API's). */
  private static String path(String name) {
    return java.net.URLEncoder.encode(name, StandardCharsets.UTF_8)
        .replace("%2F", "/")
        .replace("%3A", ":")
        .replace("%40", "@");
  }

  /**
   * Runs the container's health check through Podman's healthcheck endpoint (see {@link
   * DockerEngine#check}); null when the container was created without the check (409 or 500), so
   * the caller runs it with an exec.
   */
  ExecResult healthcheck(String id) {
    Answer answer;
    try {
      answer = get("/v4.0.0/libpod/containers/" + id + "/healthcheck");
    } catch (IOException e) {
      throw new EngineException("health check of " + id + ": " + e.getMessage(), e);
    }
    if (answer.status() == 200) {
      JsonNode result;
      try {
        result = JSON.readTree(answer.body());
      } catch (IOException e) {
        throw new EngineException("health check of " + id + ": " + e.getMessage(), e);
      }
      String status = result.path("Status").asText();
      return new ExecResult("healthy".equals(status) ? 0 : 1, status);
    }
    if (answer.status() == 404) {
      return new ExecResult(-1, "no such container " + id);
    }
    // 409 or 500: created without the check (by an earlier local-ecs), so an exec runs it
    return null;
  }

  /**
   * One sample of {@code GET /containers/ID/stats?stream=false&one-shot=true} (Docker's and
   * Podman's compatible API): {@code cpu_stats.cpu_usage.total_usage} and {@code
   * memory_stats.usage}; null when the container is gone or not running.
   */
  ContainerEngine.ContainerStats stats(String id) {
    Answer answer;
    try {
      answer = get("/containers/" + id + "/stats?stream=false&one-shot=true");
    } catch (IOException e) {
      throw new EngineException("stats of " + id + ": " + e.getMessage(), e);
    }
    long now = System.nanoTime();
    if (answer.status() != 200) {
      return null;
    }
    JsonNode result;
    try {
      result = JSON.readTree(answer.body());
    } catch (IOException e) {
      throw new EngineException("stats of " + id + ": " + e.getMessage(), e);
    }
    JsonNode cpu = result.path("cpu_stats").path("cpu_usage").path("total_usage");
    if (!cpu.canConvertToLong()) {
      return null;
    }
    return new ContainerEngine.ContainerStats(
        cpu.asLong(), result.path("memory_stats").path("usage").asLong(0), now);
  }

  /**
   * Pulls through Podman's own endpoint, which takes {@code tlsVerify} (the compatible one does
   * not): the registry's error, as Podman words it, is an {@link EngineException}.
   */
  void pull(
      String image,
      ContainerEngine.RegistryCredentials credentials,
      boolean tlsVerify,
      Duration timeout) {
    String headers = "Content-Length: 0\r\n";
    if (credentials != null) {
      com.fasterxml.jackson.databind.node.ObjectNode auth = JSON.createObjectNode();
      auth.put("username", credentials.username());
      auth.put("password", credentials.password());
      auth.put("serveraddress", credentials.registry());
      headers +=
          "X-Registry-Auth: "
              + java.util.Base64.getUrlEncoder()
                  .encodeToString(auth.toString().getBytes(StandardCharsets.UTF_8))
              + "\r\n";
    }
    String path =
        "/v4.0.0/libpod/images/pull?quiet=true&policy=missing&tlsVerify="
            + tlsVerify
            + "&reference="
            + java.net.URLEncoder.encode(image, StandardCharsets.UTF_8);
    Answer answer;
    try {
      answer = request("POST", path, headers, 1 << 20, timeout);
    } catch (java.net.SocketTimeoutException e) {
      throw new EngineException(
          "the pull of " + image + " did not finish within " + DockerEngine.seconds(timeout), e);
    } catch (IOException e) {
      throw new EngineException("pull of " + image + ": " + e.getMessage(), e);
    }
    String error = null;
    try (var parser = JSON.createParser(answer.body())) {
      java.util.Iterator<JsonNode> items = JSON.readValues(parser, JsonNode.class);
      while (items.hasNext()) {
        JsonNode item = items.next();
        if (item.hasNonNull("error") && !item.path("error").asText().isBlank()) {
          error = item.path("error").asText();
        } else if (answer.status() != 200 && item.hasNonNull("message")) {
          error = item.path("message").asText();
        }
      }
    } catch (IOException | RuntimeException e) {
      if (answer.status() != 200) {
        error = answer.body().strip();
      }
    }
    if (error == null && answer.status() != 200) {
      error = "the engine answered " + answer.status();
    }
    if (error != null) {
      throw new EngineException(error.replace('\n', ' ').strip(), null);
    }
  }
}
