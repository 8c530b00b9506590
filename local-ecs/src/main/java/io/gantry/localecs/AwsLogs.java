package io.gantry.localecs;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.engine.ContainerEngine;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code awslogs} log driver: a container whose {@code logConfiguration} names it has its
 * output followed from the engine (with the engine's timestamps) into the local CloudWatch Logs
 * ({@link LogGroups}), in the group {@code awslogs-group} (created on start with {@code
 * awslogs-create-group: "true"}, else it must exist, as on ECS) and the stream ECS names: {@code
 * PREFIX/CONTAINER/TASK_ID} with {@code awslogs-stream-prefix}, else the container's id. The task's
 * own log file (GetTaskLogs, {@code gantry local-ecs logs}) is kept either way.
 */
final class AwsLogs implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(AwsLogs.class.getName());

  /** The log drivers ECS accepts; only awslogs goes anywhere here, the others are ignored. */
  static final Set<String> DRIVERS =
      Set.of(
          "json-file",
          "syslog",
          "journald",
          "gelf",
          "fluentd",
          "awslogs",
          "splunk",
          "awsfirelens",
          "none");

  static final Set<String> OPTIONS =
      Set.of(
          "awslogs-group",
          "awslogs-region",
          "awslogs-stream-prefix",
          "awslogs-create-group",
          "awslogs-datetime-format",
          "awslogs-multiline-pattern",
          "awslogs-endpoint",
          "awslogs-credentials-endpoint",
          "mode",
          "max-buffer-size",
          "tag");

  private final LogGroups logs;
  private final ContainerEngine engine;
  private final Map<String, AutoCloseable> followers = new ConcurrentHashMap<>();

  AwsLogs(LogGroups logs, ContainerEngine engine) {
    this.logs = logs;
    this.engine = engine;
  }

  /**
   * Checks a container definition's logConfiguration at RegisterTaskDefinition, as ECS and the
   * awslogs driver do; throws ClientException naming the container.
   */
  static void validate(JsonNode def, String container) {
    JsonNode config = def.get("logConfiguration");
    if (config == null || config.isNull()) {
      return;
    }
    String driver = config.path("logDriver").asText(null);
    if (driver == null || !DRIVERS.contains(driver)) {
      throw AwsError.client(
          "Log driver '"
              + driver
              + "' of container '"
              + container
              + "' is not supported; valid"
              + " values: awslogs, awsfirelens, fluentd, gelf, journald, json-file, none, splunk,"
              + " syslog.");
    }
    if (!driver.equals("awslogs")) {
      return;
    }
    JsonNode options = config.path("options");
    for (var it = options.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!OPTIONS.contains(name)) {
        throw AwsError.client(
            "Container '"
                + container
                + "': unknown log opt '"
                + name
                + "' for awslogs log"
                + " driver.");
      }
    }
    String group = options.path("awslogs-group").asText("");
    if (group.isEmpty()) {
      throw AwsError.client(
          "Container '"
              + container
              + "': must specify a value for log opt 'awslogs-group' of"
              + " the awslogs log driver.");
    }
    if (!group.matches("[._\\-/#A-Za-z0-9]{1,512}")) {
      throw AwsError.client(
          "Container '"
              + container
              + "': log opt 'awslogs-group' '"
              + group
              + "' is not a valid"
              + " log group name (1-512 of letters, digits and . _ - / #).");
    }
    String create = options.path("awslogs-create-group").asText("false");
    if (!create.equals("true") && !create.equals("false")) {
      throw AwsError.client(
          "Container '"
              + container
              + "': log opt 'awslogs-create-group' must be \"true\" or"
              + " \"false\", got '"
              + create
              + "'.");
    }
    String prefix = options.path("awslogs-stream-prefix").asText("");
    if (prefix.contains(":") || prefix.contains("*")) {
      throw AwsError.client(
          "Container '"
              + container
              + "': log opt 'awslogs-stream-prefix' must not contain ':'"
              + " or '*'.");
    }
  }

  /** The awslogs options of a container definition, or null when it logs elsewhere. */
  static JsonNode options(JsonNode def) {
    JsonNode config = def.get("logConfiguration");
    return config != null && "awslogs".equals(config.path("logDriver").asText())
        ? config.path("options")
        : null;
  }

  /**
   * Before the container is created: its group exists, or is created when asked. Returns ECS's stop
   * reason when it cannot start, else null.
   */
  String prepare(JsonNode def) {
    JsonNode options = options(def);
    if (options == null) {
      return null;
    }
    String group = options.get("awslogs-group").asText();
    if (options.path("awslogs-create-group").asText("false").equals("true")) {
      logs.create(group);
    }
    if (!logs.exists(group)) {
      return "CannotStartContainerError: Error response from daemon: failed to initialize logging"
          + " driver: failed to create Cloudwatch log stream: ResourceNotFoundException: The"
          + " specified log group does not exist.";
    }
    return null;
  }

  /** Follows a started container's output into its stream (until it exits or is removed). */
  void follow(Model.Task task, JsonNode def, String containerId) {
    JsonNode options = options(def);
    if (options == null) {
      return;
    }
    String group = options.get("awslogs-group").asText();
    String prefix = options.path("awslogs-stream-prefix").asText("");
    String name = def.get("name").asText();
    String stream = prefix.isEmpty() ? containerId : prefix + "/" + name + "/" + task.id();
    if (logs.exists(group)) {
      logs.createStream(group, stream);
    }
    try {
      AutoCloseable previous =
          followers.put(
              containerId,
              engine.follow(
                  containerId,
                  line -> logs.append(group, stream, timestamp(line), message(line)),
                  () -> followers.remove(containerId)));
      closeQuietly(previous);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "cannot follow the output of " + containerId + " into " + group, e);
    }
  }

  /** A line as the engine gives it with timestamps: {@code 2026-12-06T04:00:00.123456789Z text}. */
  static long timestamp(String line) {
    int space = line.indexOf(' ');
    try {
      return OffsetDateTime.parse(space < 0 ? line : line.substring(0, space))
          .toInstant()
          .toEpochMilli();
    } catch (DateTimeParseException e) {
      return System.currentTimeMillis();
    }
  }

  static String message(String line) {
    int space = line.indexOf(' ');
    return space < 0 ? "" : line.substring(space + 1);
  }

  @Override
  public void close() {
    followers.values().forEach(AwsLogs::closeQuietly);
    followers.clear();
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      // the connection is going away anyway
    }
  }
}
