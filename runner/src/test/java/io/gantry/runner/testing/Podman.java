package io.gantry.runner.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Podman for tests, with the project's {@code etc/containers.conf} (runc, ulimits this host
 * allows). Containers and images a test creates are its to remove ({@link #removeContainer}, {@link
 * #removeImage}).
 */
public final class Podman {

  private final String containersConf;

  private Podman(String containersConf) {
    this.containersConf = containersConf;
  }

  /** Podman, or a skipped (failed with CI=true) test when it is not installed. */
  public static Podman require() {
    Tools.require("podman");
    return new Podman(Tools.projectRoot().resolve("etc/containers.conf").toString());
  }

  /** The output of a podman command. */
  public record Result(int exit, String out, String err) {
    public Result orThrow() {
      if (exit != 0) {
        throw new IllegalStateException("podman failed (" + exit + "): " + err + out);
      }
      return this;
    }
  }

  public Result run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("podman");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("CONTAINERS_CONF", containersConf);
    Process process = builder.start();
    process.getOutputStream().close();
    CompletableFuture<String> out = read(process.getInputStream());
    CompletableFuture<String> err = read(process.getErrorStream());
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("podman " + String.join(" ", args) + " timed out");
    }
    return new Result(process.exitValue(), out.join().strip(), err.join().strip());
  }

  /** Pulls an image from a plain-HTTP registry with credentials. */
  public void pull(String image, String username, String password)
      throws IOException, InterruptedException {
    run("pull", "-q", "--tls-verify=false", "--creds", username + ":" + password, image).orThrow();
  }

  /** Starts a container publishing its {@code containerPort} on a free 127.0.0.1 port. */
  public Container start(String image, int containerPort, String... env)
      throws IOException, InterruptedException {
    int hostPort = freePort();
    List<String> args = new ArrayList<>(List.of("run", "-d"));
    for (String e : env) {
      args.add("-e");
      args.add(e);
    }
    args.addAll(List.of("-p", "127.0.0.1:" + hostPort + ":" + containerPort, image));
    String id = run(args.toArray(String[]::new)).orThrow().out();
    return new Container(id, hostPort);
  }

  /** A running container and the host port its service is published on. */
  public record Container(String id, int port) {}

  /**
   * GETs {@code path} from a container's published port, retrying while the service starts (up to
   * 30 s); the last failure is thrown.
   */
  public String httpGet(Container container, String path) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + container.port() + path))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return response.body();
        }
        if (System.nanoTime() > deadline) {
          throw new IOException("HTTP " + response.statusCode() + ": " + response.body());
        }
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw new IOException(
              e.getMessage() + "; container log: " + run("logs", container.id()).out(), e);
        }
      }
      Thread.sleep(100);
    }
  }

  public void removeContainer(Container container) throws IOException, InterruptedException {
    if (container != null) {
      run("rm", "-f", "-t", "0", container.id());
    }
  }

  public void removeImage(String image) throws IOException, InterruptedException {
    run("rmi", "-f", image);
  }

  private static CompletableFuture<String> read(java.io.InputStream stream) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            return "";
          }
        });
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
