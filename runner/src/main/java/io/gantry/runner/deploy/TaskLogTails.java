package io.gantry.runner.deploy;

import io.gantry.runner.aws.AwsClients;
import io.gantry.runner.aws.AwsFailures;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.OutputLogEvent;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Container;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.LogConfiguration;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * Prints the last lines a stopped task's essential containers wrote to CloudWatch Logs (the {@code
 * awslogs} driver), indented under the stop reason, so a crashing release says why without a trip
 * to the console. Logs are read with the ECS client's credentials, region (unless {@code
 * awslogs-region} says otherwise) and endpoint override: local-ecs answers CloudWatch Logs on the
 * ECS endpoint. Best effort and bounded: at most {@link #MAX_TASKS} tasks per rollout, {@link
 * #LINES} lines per container, each cut at {@link #MAX_LINE} characters; a read that fails prints
 * one line saying why and never fails the deploy. Lines go to the same log as the rest of the step,
 * which masks secrets in them. Not thread-safe: one per watch.
 */
final class TaskLogTails {

  static final int MAX_TASKS = 3;
  static final int LINES = 10;
  static final int MAX_LINE = 300;

  private static final String INDENT = "    ";

  private final EcsClient ecs;
  private final AwsClients.Target target;
  private final Consumer<String> log;
  private final Map<String, List<ContainerDefinition>> definitions = new HashMap<>();
  private int tasks;

  TaskLogTails(EcsClient ecs, AwsClients.Target target, Consumer<String> log) {
    this.ecs = ecs;
    this.target = target;
    this.log = log;
  }

  /** Prints the log tails of {@code task}'s essential awslogs containers, if any are left. */
  void print(Task task) {
    List<ContainerDefinition> defs = definitions(task.taskDefinitionArn());
    if (defs == null) {
      return;
    }
    List<ContainerDefinition> logged = new ArrayList<>();
    for (ContainerDefinition def : defs) {
      LogConfiguration config = def.logConfiguration();
      if (!Boolean.FALSE.equals(def.essential())
          && config != null
          && "awslogs".equals(config.logDriverAsString())) {
        logged.add(def);
      }
    }
    if (logged.isEmpty()) {
      return;
    }
    if (++tasks > MAX_TASKS) {
      if (tasks == MAX_TASKS + 1) {
        log.accept(
            INDENT + "(container logs are shown for the first " + MAX_TASKS + " stopped tasks)");
      }
      return;
    }
    for (ContainerDefinition def : logged) {
      tail(task, def.name(), def.logConfiguration().options());
    }
  }

  private List<ContainerDefinition> definitions(String arn) {
    if (arn == null) {
      return null;
    }
    if (!definitions.containsKey(arn)) {
      try {
        definitions.put(
            arn,
            ecs.describeTaskDefinition(r -> r.taskDefinition(arn))
                .taskDefinition()
                .containerDefinitions());
      } catch (SdkException e) {
        log.accept(
            INDENT
                + "(container logs not read: "
                + AwsFailures.describe("ECS DescribeTaskDefinition", target, "AWS_ACCESS_KEY_ID", e)
                + ")");
        definitions.put(arn, null);
      }
    }
    return definitions.get(arn);
  }

  private void tail(Task task, String container, Map<String, String> options) {
    String group = options.get("awslogs-group");
    String prefix = options.get("awslogs-stream-prefix");
    String taskId = EcsRollout.lastPart(task.taskArn());
    String stream = null;
    if (prefix != null && !prefix.isEmpty()) {
      stream = prefix + "/" + container + "/" + taskId;
    } else {
      // Without a prefix ECS names the stream after the container's runtime id.
      for (Container c : task.containers()) {
        if (container.equals(c.name()) && c.runtimeId() != null) {
          stream = c.runtimeId();
        }
      }
    }
    if (group == null || stream == null) {
      log.accept(
          INDENT
              + container
              + " log not read: "
              + (group == null ? "no awslogs-group" : "no awslogs-stream-prefix and no runtime id")
              + " in its logConfiguration");
      return;
    }
    String where = "CloudWatch Logs " + group + " " + stream;
    String region = options.get("awslogs-region");
    AwsClients.Target logs =
        new AwsClients.Target(
            "CLOUDWATCH_LOGS",
            region == null || region.isBlank() ? target.region() : Region.of(region),
            target.credentials(),
            target.endpoint(),
            target.endpointVariable(),
            target.proxy(),
            target.nonProxyHosts(),
            Math.min(2, target.maxAttempts()));
    List<OutputLogEvent> events;
    try (CloudWatchLogsClient client = AwsClients.logs(logs)) {
      final String name = stream;
      events =
          client
              .getLogEvents(
                  r -> r.logGroupName(group).logStreamName(name).startFromHead(false).limit(LINES))
              .events();
    } catch (SdkException e) {
      log.accept(
          INDENT
              + container
              + " log not read: "
              + AwsFailures.describe("CloudWatch Logs GetLogEvents", logs, "AWS_ACCESS_KEY_ID", e));
      return;
    }
    if (events.isEmpty()) {
      log.accept(INDENT + container + " wrote nothing to " + where);
      return;
    }
    log.accept(INDENT + container + ", last " + events.size() + " lines of " + where + ":");
    for (OutputLogEvent e : events) {
      log.accept(INDENT + "  " + clip(e.message()));
    }
  }

  /** One line of at most {@link #MAX_LINE} characters. */
  static String clip(String message) {
    String line = message == null ? "" : message.replaceAll("\\s*\\R\\s*", " ").stripTrailing();
    return line.length() <= MAX_LINE ? line : line.substring(0, MAX_LINE - 1) + "…";
  }
}
