package io.gantry.server.config;

import io.gantry.runner.suggest.Suggestions;
import io.gantry.server.config.ServerConfig.Repository;
import io.gantry.server.config.ServerConfig.Secret;
import io.gantry.server.config.ServerConfig.Server;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads {@code gantry.yml}. String values may reference environment variables as {@code ${NAME}} or
 * {@code ${NAME:-default}} (so secrets stay out of the file). Unknown keys, missing required
 * values, unset variables and wrong types stop start-up with one line naming the key.
 */
public final class ConfigLoader {

  private static final Pattern VARIABLE =
      Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");
  private static final List<String> TOP =
      List.of("server", "repositories", "local-ecs", "users", "limits", "actions", "runner");
  private static final List<String> USER = List.of("name", "token-hash", "role");
  private static final Pattern TOKEN_HASH = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final List<String> LIMITS =
      List.of(
          "webhook-body",
          "request-body",
          "connections-per-address",
          "idle-timeout-seconds",
          "min-request-rate",
          "matrix-jobs",
          "workflow-file-size",
          "step-log-size",
          "pull-timeout-seconds");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|KiB|MB|MiB|GB|GiB)?");
  private static final List<String> LOCAL_ECS =
      List.of("enabled", "port", "data-dir", "region", "stop-tasks-on-close");
  private static final List<String> SERVER =
      List.of(
          "port",
          "bind",
          "public-url",
          "data-dir",
          "api-token",
          "workers",
          "lease-seconds",
          "retry-interrupted",
          "public-read",
          "database",
          "database-user",
          "database-password",
          "database-password-file");

  private static final String PLACEHOLDER = "gantryref";
  private static final Pattern PLACEHOLDERS = Pattern.compile(PLACEHOLDER + "(\\d+)x");

  private final Function<String, String> environment;
  private final List<String> references = new ArrayList<>();
  private String file;

  /** The file being read, for messages. */
  String file() {
    return file;
  }

  /**
   * @param environment looks up environment variables (System::getenv outside tests)
   */
  public ConfigLoader(Function<String, String> environment) {
    this.environment = environment;
  }

  /** Reads the file as YAML with its ${…} references kept for {@link #substitute}. */
  private Object parse(Path path) throws ConfigException {
    file = path.toString();
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(
          file
              + ": cannot read the configuration ("
              + e.getClass().getSimpleName()
              + "); pass an existing file with --config");
    }
    // ${NAME} is not valid inside a YAML flow mapping ({ token: ${X} }), and substituting the
    // text before parsing would let a variable's value change the file's structure. So each
    // reference becomes a placeholder YAML reads as a plain word, restored per value below.
    references.clear();
    Matcher m = VARIABLE.matcher(text);
    StringBuilder masked = new StringBuilder();
    while (m.find()) {
      references.add(m.group());
      m.appendReplacement(masked, PLACEHOLDER + (references.size() - 1) + "x");
    }
    m.appendTail(masked);
    Object root;
    try {
      root =
          new Load(LoadSettings.builder().setLabel(file).build()).loadFromString(masked.toString());
    } catch (MarkedYamlEngineException e) {
      throw new ConfigException(
          file
              + ":"
              + e.getProblemMark().map(mark -> mark.getLine() + 1).orElse(0)
              + ": invalid YAML: "
              + e.getProblem());
    } catch (YamlEngineException e) {
      throw new ConfigException(file + ": invalid YAML: " + e.getMessage().replace('\n', ' '));
    }
    return root;
  }

  public ServerConfig load(Path path) throws ConfigException {
    Object root = parse(path);
    Map<String, Object> top = map(root == null ? Map.of() : root, "(top level)", TOP);
    Map<String, Object> server = map(require(top, "server", "(top level)"), "server", SERVER);
    Path dataDir = Path.of(string(server, "data-dir", "server", "./gantry-data"));
    int port = integer(server, "port", "server", 8080, 0, 65535);
    String bind = string(server, "bind", "server", "127.0.0.1");
    // Unset with port 0: the server sets it from the port it picks (ServerConfig.Server.publicUrl).
    String publicUrl =
        string(server, "public-url", "server", port == 0 ? null : "http://localhost:" + port);
    if (publicUrl != null) {
      url(publicUrl, "server.public-url");
    }
    String token = string(server, "api-token", "server", null);
    if (token == null || token.isBlank()) {
      throw new ConfigException(
          file
              + ": server.api-token is required (every mutating API call is authenticated);"
              + " set it to ${GANTRY_API_TOKEN} and export that variable");
    }
    // 0: the server runs no job itself, only dispatches them to agents.
    int workers = integer(server, "workers", "server", 4, 0, 256);
    int lease = integer(server, "lease-seconds", "server", 30, 2, 3600);
    int retryInterrupted =
        RetryInterrupted.read(file, string(server, "retry-interrupted", "server", null));
    io.gantry.runner.store.DatabaseSettings database =
        DatabaseSection.read(
            file,
            string(server, "database", "server", null),
            string(server, "database-user", "server", null),
            string(server, "database-password", "server", null),
            string(server, "database-password-file", "server", null));
    io.gantry.runner.execution.Isolation isolation =
        RunnerSection.read(
            this, top.get("runner"), "runner", io.gantry.runner.execution.Isolation.HOST);
    List<Repository> repositories = new ArrayList<>();
    Object list = top.getOrDefault("repositories", List.of());
    if (!(list instanceof List<?> items)) {
      throw new ConfigException(file + ": repositories must be a list of repositories");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      Repository repository =
          RepositorySection.read(this, items.get(i), "repositories[" + i + "]", isolation);
      if (!names.add(repository.name().toLowerCase(java.util.Locale.ROOT))) {
        throw new ConfigException(
            file + ": repositories[" + i + "].name '" + repository.name() + "' is listed twice");
      }
      repositories.add(repository);
    }
    return new ServerConfig(
        new Server(
            port,
            bind,
            publicUrl,
            dataDir,
            new Secret(token),
            workers,
            lease,
            database,
            retryInterrupted),
        List.copyOf(repositories),
        localEcs(top, dataDir),
        access(top, server),
        limits(top),
        actions(top));
  }

  /**
   * Reads only the {@code actions:} section of a file ({@code gantry run --config}), which needs no
   * {@code server:}.
   */
  public ServerConfig.Actions loadActions(Path path) throws ConfigException {
    Object root = parse(path);
    return actions(map(root == null ? Map.of() : root, "(top level)", TOP));
  }

  private ServerConfig.Actions actions(Map<String, Object> top) throws ConfigException {
    return ActionsSection.read(this, top.get("actions"));
  }

  /** {@code server.public-read} and {@code users:}. */
  private ServerConfig.Access access(Map<String, Object> top, Map<String, Object> server)
      throws ConfigException {
    String publicRead = string(server, "public-read", "server", "false");
    if (!publicRead.equals("true") && !publicRead.equals("false")) {
      throw new ConfigException(
          file + ": server.public-read must be true or false, got '" + publicRead + "'");
    }
    Object list = top.getOrDefault("users", List.of());
    if (!(list instanceof List<?> items)) {
      throw new ConfigException(file + ": users must be a list of {name, token-hash, role}");
    }
    List<ServerConfig.User> users = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Set<String> hashes = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      String where = "users[" + i + "]";
      Map<String, Object> user = map(items.get(i), where, USER);
      require(user, "name", where);
      require(user, "token-hash", where);
      String name = string(user, "name", where, null);
      String hash = string(user, "token-hash", where, null).strip();
      String role = string(user, "role", where, "viewer");
      if (!TOKEN_HASH.matcher(hash).matches()) {
        throw new ConfigException(
            file
                + ": "
                + where
                + ".token-hash must be sha256: and 64 lowercase hex digits (make it"
                + " with: printf %s \"$TOKEN\" | sha256sum), not a token in clear");
      }
      if (!role.equals("viewer") && !role.equals("operator")) {
        throw new ConfigException(
            file + ": " + where + ".role must be viewer or operator, got '" + role + "'");
      }
      if (!names.add(name.toLowerCase(java.util.Locale.ROOT))) {
        throw new ConfigException(file + ": " + where + ".name '" + name + "' is listed twice");
      }
      if (!hashes.add(hash)) {
        throw new ConfigException(
            file + ": " + where + ".token-hash is another user's too; give each user a token");
      }
      users.add(new ServerConfig.User(name, hash.substring("sha256:".length()), role));
    }
    return new ServerConfig.Access(publicRead.equals("true"), List.copyOf(users));
  }

  private ServerConfig.Limits limits(Map<String, Object> top) throws ConfigException {
    ServerConfig.Limits d = ServerConfig.Limits.DEFAULTS;
    if (!top.containsKey("limits")) {
      return d;
    }
    Map<String, Object> l = map(top.get("limits"), "limits", LIMITS);
    return new ServerConfig.Limits(
        size(l, "webhook-body", d.webhookBodyBytes()),
        size(l, "request-body", d.requestBodyBytes()),
        integer(l, "connections-per-address", "limits", d.connectionsPerAddress(), 0, 100_000),
        integer(l, "idle-timeout-seconds", "limits", d.idleTimeoutSeconds(), 1, 3600),
        size(l, "min-request-rate", d.minRequestBytesPerSecond()),
        integer(l, "matrix-jobs", "limits", d.matrixJobs(), 1, 100_000),
        size(l, "workflow-file-size", d.workflowFileBytes()),
        size(l, "step-log-size", d.stepLogBytes()),
        integer(l, "pull-timeout-seconds", "limits", d.pullTimeoutSeconds(), 1, 86_400));
  }

  /** A size in bytes: {@code 1048576}, {@code 512KiB}, {@code 25MiB}, {@code 500KB} (1000s). */
  private long size(Map<String, Object> map, String key, long fallback) throws ConfigException {
    return size(map, key, "limits", fallback);
  }

  long size(Map<String, Object> map, String key, String where, long fallback)
      throws ConfigException {
    String text = string(map, key, where, null);
    if (text == null) {
      return fallback;
    }
    Matcher m = SIZE.matcher(text.strip());
    long value = -1;
    if (m.matches()) {
      try {
        long number = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        long factor =
            switch (unit) {
              case "KB" -> 1000L;
              case "KiB" -> 1L << 10;
              case "MB" -> 1000L * 1000;
              case "MiB" -> 1L << 20;
              case "GB" -> 1000L * 1000 * 1000;
              case "GiB" -> 1L << 30;
              default -> 1L;
            };
        value = Math.multiplyExact(number, factor);
      } catch (ArithmeticException | NumberFormatException e) {
        value = -1;
      }
    }
    if (value < 1) {
      throw new ConfigException(
          file
              + ": "
              + where
              + "."
              + key
              + " must be a positive size such as 1048576, 512KiB or 25MiB,"
              + " got '"
              + text
              + "'");
    }
    return value;
  }

  private ServerConfig.LocalEcsSettings localEcs(Map<String, Object> top, Path dataDir)
      throws ConfigException {
    if (!top.containsKey("local-ecs")) {
      return null;
    }
    Map<String, Object> section = map(top.get("local-ecs"), "local-ecs", LOCAL_ECS);
    String enabled = string(section, "enabled", "local-ecs", "true");
    if (!enabled.equals("true") && !enabled.equals("false")) {
      throw new ConfigException(
          file + ": local-ecs.enabled must be true or false, got '" + enabled + "'");
    }
    if (enabled.equals("false")) {
      return null;
    }
    String stopTasks = string(section, "stop-tasks-on-close", "local-ecs", "false");
    if (!stopTasks.equals("true") && !stopTasks.equals("false")) {
      throw new ConfigException(
          file + ": local-ecs.stop-tasks-on-close must be true or false, got '" + stopTasks + "'");
    }
    return new ServerConfig.LocalEcsSettings(
        integer(section, "port", "local-ecs", 4566, 0, 65535),
        Path.of(string(section, "data-dir", "local-ecs", dataDir.resolve("local-ecs").toString())),
        string(section, "region", "local-ecs", "us-east-1"),
        stopTasks.equals("true"));
  }

  Map<String, String> strings(Map<String, Object> parent, String key, String where)
      throws ConfigException {
    Object value = parent.get(key);
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof Map<?, ?> m)) {
      throw new ConfigException(
          file + ": " + where + "." + key + " must be a mapping of NAME: value");
    }
    Map<String, String> strings = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      Object v = e.getValue();
      if (v instanceof Map<?, ?> || v instanceof List<?>) {
        throw new ConfigException(
            file + ": " + where + "." + key + "." + e.getKey() + " must be a single value");
      }
      strings.put(
          String.valueOf(e.getKey()),
          v == null ? "" : substitute(v.toString(), where + "." + key + "." + e.getKey()));
    }
    return strings;
  }

  Map<String, Object> map(Object node, String where, List<String> keys) throws ConfigException {
    if (!(node instanceof Map<?, ?> m)) {
      throw new ConfigException(file + ": " + where + " must be a mapping");
    }
    Map<String, Object> map = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      String key = String.valueOf(e.getKey());
      if (!keys.contains(key)) {
        throw new ConfigException(
            file + ": unknown key '" + key + "' in " + where + nearest(key, keys));
      }
      map.put(key, e.getValue());
    }
    return map;
  }

  private Object require(Map<String, Object> map, String key, String where) throws ConfigException {
    Object value = map.get(key);
    if (value == null) {
      throw new ConfigException(file + ": '" + key + "' is missing in " + where);
    }
    return value;
  }

  String string(Map<String, Object> map, String key, String where, String fallback)
      throws ConfigException {
    Object value = map.get(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Map<?, ?> || value instanceof List<?>) {
      throw new ConfigException(file + ": " + where + "." + key + " must be a single value");
    }
    return substitute(value.toString(), where + "." + key);
  }

  private int integer(
      Map<String, Object> map, String key, String where, int fallback, int min, int max)
      throws ConfigException {
    String text = string(map, key, where, null);
    if (text == null) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(text.strip());
      if (value < min || value > max) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw new ConfigException(
          file
              + ": "
              + where
              + "."
              + key
              + " must be a whole number from "
              + min
              + " to "
              + max
              + ", got '"
              + text
              + "'");
    }
  }

  void url(String value, String key) throws ConfigException {
    try {
      URI uri = URI.create(value);
      if (uri.getScheme() == null
          || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
          || uri.getHost() == null) {
        throw new IllegalArgumentException();
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException(file + ": " + key + " must be an http(s) URL, got '" + value + "'");
    }
  }

  /** Replaces ${NAME} and ${NAME:-default}; an unset variable without default is an error. */
  String substitute(String value, String key) throws ConfigException {
    Matcher p = PLACEHOLDERS.matcher(value);
    StringBuilder restored = new StringBuilder();
    while (p.find()) {
      p.appendReplacement(
          restored, Matcher.quoteReplacement(references.get(Integer.parseInt(p.group(1)))));
    }
    p.appendTail(restored);
    Matcher m = VARIABLE.matcher(restored.toString());
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement = environment.apply(m.group(1));
      if (replacement == null || (replacement.isEmpty() && m.group(2) != null)) {
        replacement = m.group(3);
      }
      if (replacement == null) {
        throw new ConfigException(
            file
                + ": "
                + key
                + " refers to ${"
                + m.group(1)
                + "}, which is not set; export "
                + m.group(1)
                + " or write ${"
                + m.group(1)
                + ":-default}");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String nearest(String key, List<String> keys) {
    String best = Suggestions.nearest(key, keys, Math.max(2, key.length() / 3));
    return best != null
        ? "; did you mean '" + best + "'?"
        : "; valid keys: " + String.join(", ", keys);
  }
}
