package io.gantry.localecs;

import io.gantry.engine.ChildProcess;
import io.gantry.engine.ContainerEngine.RegistryCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The OCI registry behind the ECR API: Debian's {@code docker-registry} (CNCF Distribution) as a
 * child process on 127.0.0.1, htpasswd auth with one user ("AWS", as ECR's tokens have), storage
 * and configuration in its directory. The port and password are kept there, so image references
 * stay valid across restarts.
 */
final class LocalRegistry implements AutoCloseable {

  static final String USER = "AWS";

  private final ChildProcess process;
  private final String address;
  private final String password;

  private LocalRegistry(ChildProcess process, String address, String password) {
    this.process = process;
    this.address = address;
    this.password = password;
  }

  static LocalRegistry start(Path dir) {
    String binary = Engines.which("docker-registry");
    if (binary == null) {
      throw new IllegalStateException(
          "docker-registry is not installed; install the Debian package docker-registry"
              + " (scripts/setup does) or start local-ecs without the registry");
    }
    String htpasswdBinary = Engines.which("htpasswd");
    if (htpasswdBinary == null) {
      throw new IllegalStateException(
          "htpasswd is not installed; install the Debian package apache2-utils (scripts/setup"
              + " does)");
    }
    try {
      Files.createDirectories(dir.resolve("data"));
      // A registry left running by a local-ecs that was killed holds the port: stop it first.
      ChildProcess.stopLeftover(
          "docker-registry", dir.resolve("registry.pid"), dir.resolve("config.yml").toString());
      Path passwordFile = dir.resolve("password");
      String password;
      if (Files.exists(passwordFile)) {
        password = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
      } else {
        password = Arns.hex(24);
        Files.writeString(passwordFile, password + "\n", StandardCharsets.UTF_8);
        passwordFile.toFile().setReadable(false, false);
        passwordFile.toFile().setReadable(true, true);
      }
      Path htpasswd = dir.resolve("htpasswd");
      Process hash =
          new ProcessBuilder(htpasswdBinary, "-Bbn", USER, password)
              .redirectErrorStream(true)
              .start();
      String line = new String(hash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (hash.waitFor() != 0) {
        throw new IllegalStateException("htpasswd failed: " + line.strip());
      }
      Files.writeString(htpasswd, line.strip() + "\n", StandardCharsets.UTF_8);
      Path portFile = dir.resolve("port");
      int port = Files.exists(portFile) ? Integer.parseInt(Files.readString(portFile).strip()) : 0;
      if (port == 0 || !free(port)) {
        port = freePort();
        Files.writeString(portFile, port + "\n");
      }
      String address = "127.0.0.1:" + port;
      Path config = dir.resolve("config.yml");
      Files.writeString(
          config,
          String.join(
              "\n",
              "# Written by local-ecs.",
              "version: 0.1",
              "log:",
              "  level: warn",
              "storage:",
              "  filesystem:",
              "    rootdirectory: " + dir.resolve("data"),
              "  delete:",
              "    enabled: true",
              "http:",
              "  addr: " + address,
              "  secret: " + Arns.hex(16),
              "auth:",
              "  htpasswd:",
              "    realm: local-ecs",
              "    path: " + htpasswd,
              ""));
      ChildProcess process =
          ChildProcess.start(
              "docker-registry",
              List.of(binary, "serve", config.toString()),
              Map.of(),
              dir.resolve("registry.log"),
              dir.resolve("registry.pid"),
              config.toString());
      LocalRegistry registry = new LocalRegistry(process, address, password);
      registry.awaitReady();
      return registry;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot prepare the registry in " + dir + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the registry", e);
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw process.died();
      }
      try {
        HttpURLConnection c =
            (HttpURLConnection) URI.create("http://" + address + "/v2/").toURL().openConnection();
        c.setConnectTimeout(500);
        int code = c.getResponseCode();
        c.disconnect();
        if (code == 401 || code == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      try {
        Thread.sleep(30);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    close();
    throw new IllegalStateException(
        "docker-registry did not answer on " + address + " within 20 s");
  }

  String address() {
    return address;
  }

  RegistryCredentials credentials() {
    return new RegistryCredentials(address, USER, password);
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return s.isBound();
    } catch (IOException e) {
      return false;
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.close();
  }
}
