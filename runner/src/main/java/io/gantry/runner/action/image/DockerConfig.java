package io.gantry.runner.action.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The credentials of a Docker {@code config.json}, looked up as the Docker CLI does: the registry's
 * {@code credHelpers} entry, else the {@code credsStore}, else its {@code auths} entry (base64
 * {@code user:password}, or {@code username} and {@code password}). Helpers are the {@code
 * docker-credential-NAME} executables on the step's {@code PATH}, called with {@code get}.
 */
final class DockerConfig {

  /** Docker Hub goes by several names in config files. */
  private static final List<String> DOCKER_HUB =
      List.of("registry-1.docker.io", "index.docker.io", "docker.io");

  private static final long HELPER_TIMEOUT_SECONDS = 30;

  private final Path file;
  private final Map<String, String> env;

  DockerConfig(Path file, Map<String, String> env) {
    this.file = file;
    this.env = env;
  }

  /** {@code $DOCKER_CONFIG/config.json}, else {@code $HOME/.docker/config.json}. */
  static Path locate(Map<String, String> env) {
    String dir = env.get("DOCKER_CONFIG");
    if (dir != null && !dir.isBlank()) {
      return Path.of(dir, "config.json");
    }
    String home = env.get("HOME");
    return Path.of(
        home != null && !home.isBlank() ? home : System.getProperty("user.home"),
        ".docker",
        "config.json");
  }

  Path file() {
    return file;
  }

  /**
   * The credential for a registry; every secret found is handed to {@code mask} before anything
   * else sees it.
   */
  Optional<Credential> find(String registry, Consumer<String> mask) throws ImageException {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    JsonNode config;
    try {
      config = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new ImageException(
          "cannot read the Docker config " + file + ": " + oneLine(e.getMessage()));
    }
    if (config == null || !config.isObject()) {
      throw new ImageException("the Docker config " + file + " is not a JSON object");
    }
    String helper = entryFor(config.path("credHelpers"), registry).map(JsonNode::asText).orElse("");
    if (!helper.isEmpty()) {
      Optional<Credential> found = runHelper(helper, "credHelpers", registry, mask);
      if (found.isPresent()) {
        return found;
      }
    }
    String store = config.path("credsStore").asText("");
    if (helper.isEmpty() && !store.isEmpty()) {
      Optional<Credential> found = runHelper(store, "credsStore", registry, mask);
      if (found.isPresent()) {
        return found;
      }
    }
    Optional<JsonNode> auth = entryFor(config.path("auths"), registry);
    if (auth.isEmpty()) {
      return Optional.empty();
    }
    String source = "auths in " + file;
    String encoded = auth.get().path("auth").asText("");
    if (!encoded.isEmpty()) {
      mask.accept(encoded);
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(encoded.strip()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new ImageException(
            "the auths entry for " + registry + " in " + file + " is not base64 of user:password");
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new ImageException(
            "the auths entry for " + registry + " in " + file + " is not base64 of user:password");
      }
      String password = decoded.substring(colon + 1);
      mask.accept(password);
      return Optional.of(new Credential(decoded.substring(0, colon), password, source));
    }
    String username = auth.get().path("username").asText("");
    String password = auth.get().path("password").asText("");
    if (!username.isEmpty() && !password.isEmpty()) {
      mask.accept(password);
      return Optional.of(new Credential(username, password, source));
    }
    return Optional.empty();
  }

  private Optional<Credential> runHelper(
      String name, String key, String registry, Consumer<String> mask) throws ImageException {
    String executable = "docker-credential-" + name;
    String source = key + " '" + name + "' in " + file;
    Path path = Executables.onPath(executable, env);
    if (path == null) {
      throw new ImageException(
          source
              + " names "
              + executable
              + " for "
              + registry
              + ", but it is not on the PATH; install it or remove the entry");
    }
    Process process;
    try {
      ProcessBuilder builder = new ProcessBuilder(path.toString(), "get");
      builder.environment().clear();
      builder.environment().putAll(env);
      process = builder.start();
      try (OutputStream in = process.getOutputStream()) {
        in.write(registry.getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        // The helper exited without reading the server: its exit status tells the rest.
      }
      // Read both streams while waiting, so that neither a full pipe nor a hung helper blocks.
      CompletableFuture<byte[]> out = read(process.getInputStream(), 1 << 16);
      CompletableFuture<byte[]> err = read(process.getErrorStream(), 1 << 12);
      if (!process.waitFor(HELPER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new ImageException(executable + " get did not answer within 30 s (" + source + ")");
      }
      String output = new String(out.join(), StandardCharsets.UTF_8);
      String errors = new String(err.join(), StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        if ((output + errors).toLowerCase(Locale.ROOT).contains("credentials not found")) {
          return Optional.empty();
        }
        // The helper's own words, never its standard output (which may hold a secret).
        throw new ImageException(
            executable
                + " get failed for "
                + registry
                + " (exit "
                + process.exitValue()
                + "): "
                + oneLine(errors.isBlank() ? "no message" : errors.strip())
                + " ("
                + source
                + ")");
      }
      JsonNode answer;
      try {
        answer = new ObjectMapper().readTree(output);
      } catch (IOException e) {
        answer = null;
      }
      String username = answer == null ? "" : answer.path("Username").asText("");
      String secret = answer == null ? "" : answer.path("Secret").asText("");
      if (secret.isEmpty()) {
        throw new ImageException(
            executable
                + " get answered for "
                + registry
                + " without a Username and Secret in JSON ("
                + source
                + ")");
      }
      mask.accept(secret);
      return Optional.of(new Credential(username, secret, source + " (" + executable + ")"));
    } catch (IOException e) {
      throw new ImageException(
          "cannot run " + path + " get: " + oneLine(e.getMessage()) + " (" + source + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException("interrupted while running " + executable);
    }
  }

  private static CompletableFuture<byte[]> read(InputStream stream, int limit) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (stream) {
            byte[] bytes = stream.readNBytes(limit);
            stream.transferTo(OutputStream.nullOutputStream());
            return bytes;
          } catch (IOException e) {
            return new byte[0];
          }
        });
  }

  /** The entry of a map keyed by registry, whatever form the key takes (scheme, path, alias). */
  private static Optional<JsonNode> entryFor(JsonNode map, String registry) {
    String wanted = normalize(registry);
    for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (normalize(entry.getKey()).equals(wanted)) {
        return Optional.of(entry.getValue());
      }
    }
    return Optional.empty();
  }

  private static String normalize(String key) {
    String host = key.strip().toLowerCase(Locale.ROOT);
    int scheme = host.indexOf("://");
    if (scheme >= 0) {
      host = host.substring(scheme + 3);
    }
    int slash = host.indexOf('/');
    if (slash >= 0) {
      host = host.substring(0, slash);
    }
    return DOCKER_HUB.contains(host) ? DOCKER_HUB.get(0) : host;
  }

  private static String oneLine(String message) {
    String text = message == null ? "" : message.replaceAll("\\s*\\n\\s*", " ").strip();
    return text.length() > 300 ? text.substring(0, 300) + "…" : text;
  }
}
