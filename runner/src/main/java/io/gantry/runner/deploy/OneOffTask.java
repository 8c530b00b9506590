package io.gantry.runner.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.runner.aws.AwsClients;
import io.gantry.runner.aws.AwsFailures;
import io.gantry.runner.aws.AwsProblem;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.AwsVpcConfiguration;
import software.amazon.awssdk.services.ecs.model.Container;
import software.amazon.awssdk.services.ecs.model.ContainerOverride;
import software.amazon.awssdk.services.ecs.model.Failure;
import software.amazon.awssdk.services.ecs.model.NetworkConfiguration;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskOverride;

/**
 * The deploy action's {@code run-task}: the new task definition run once (a migration), waited for,
 * its output shown where the endpoint serves it, and any container that did not exit 0 reported as
 * a failure, so the service is not touched.
 */
final class OneOffTask {

  private static final Duration MAX_POLL = Duration.ofSeconds(5);

  private final EcsClient ecs;
  private final AwsClients.Target target;
  private final EcsRollout rollout;
  private final Consumer<String> log;
  private final String cluster;
  private final String taskDefinition;
  private final RunTaskRequest request;

  OneOffTask(
      EcsClient ecs,
      AwsClients.Target target,
      EcsRollout rollout,
      Consumer<String> log,
      String cluster,
      String taskDefinition,
      String firstContainer,
      String command,
      String launchType,
      String startedBy,
      String assignPublicIp,
      String subnets,
      String securityGroups,
      Boolean managedTags,
      String propagateTags)
      throws AwsProblem {
    this.ecs = ecs;
    this.target = target;
    this.rollout = rollout;
    this.log = log;
    this.cluster = cluster;
    this.taskDefinition = taskDefinition;
    RunTaskRequest.Builder run =
        RunTaskRequest.builder()
            .cluster(cluster)
            .taskDefinition(taskDefinition)
            .count(1)
            .startedBy(startedBy.isEmpty() ? "GitHub-Actions" : startedBy);
    if (!launchType.isEmpty()) {
      run.launchType(launchType.toUpperCase(Locale.ROOT));
    }
    if (!command.isEmpty()) {
      run.overrides(
          TaskOverride.builder()
              .containerOverrides(
                  ContainerOverride.builder()
                      .name(firstContainer)
                      .command(command(command))
                      .build())
              .build());
    }
    List<String> subnetIds = list(subnets);
    if (!subnetIds.isEmpty()) {
      String ip = assignPublicIp.isEmpty() ? "DISABLED" : assignPublicIp.toUpperCase(Locale.ROOT);
      if (!ip.equals("ENABLED") && !ip.equals("DISABLED")) {
        throw new AwsProblem(
            "input 'run-task-assign-public-IP' must be ENABLED or DISABLED, got '"
                + assignPublicIp
                + "'");
      }
      run.networkConfiguration(
          NetworkConfiguration.builder()
              .awsvpcConfiguration(
                  AwsVpcConfiguration.builder()
                      .subnets(subnetIds)
                      .securityGroups(list(securityGroups))
                      .assignPublicIp(ip)
                      .build())
              .build());
    }
    if (managedTags != null) {
      run.enableECSManagedTags(managedTags);
    }
    if (propagateTags != null && !propagateTags.isEmpty()) {
      run.propagateTags(propagateTags);
    }
    this.request = run.build();
  }

  /**
   * Starts the task and, with {@code wait}, waits for it to stop.
   *
   * @throws AwsProblem when it cannot start, fails, or does not stop within {@code timeout}
   */
  void run(boolean wait, Duration timeout) throws AwsProblem {
    RunTaskResponse response;
    try {
      response = ecs.runTask(request);
    } catch (SdkException e) {
      throw new AwsProblem(AwsFailures.describe("ECS RunTask", target, "AWS_ACCESS_KEY_ID", e));
    }
    if (!response.failures().isEmpty() || response.tasks().isEmpty()) {
      List<String> reasons = new ArrayList<>();
      for (Failure f : response.failures()) {
        reasons.add(f.reason() + (f.detail() == null ? "" : " (" + f.detail() + ")"));
      }
      throw new AwsProblem(
          "ECS RunTask of "
              + taskDefinition
              + " started no task: "
              + String.join("; ", reasons)
              + "; the service was not changed");
    }
    String arn = response.tasks().get(0).taskArn();
    String id = EcsRollout.lastPart(arn);
    log.accept("Started one-off task " + id + " of " + EcsRollout.shortName(taskDefinition));
    if (!wait) {
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    Duration pause = Duration.ofSeconds(1);
    Task task;
    String lastStatus = null;
    while (true) {
      try {
        task = ecs.describeTasks(r -> r.cluster(cluster).tasks(arn)).tasks().get(0);
      } catch (SdkException e) {
        throw new AwsProblem(
            AwsFailures.describe("ECS DescribeTasks", target, "AWS_ACCESS_KEY_ID", e));
      }
      if (!task.lastStatus().equals(lastStatus)) {
        lastStatus = task.lastStatus();
        log.accept("Task " + id + ": " + lastStatus);
      }
      if ("STOPPED".equals(task.lastStatus())) {
        break;
      }
      if (rollout.isCancelled()) {
        stop(arn);
        throw new AwsProblem("cancelled while the one-off task " + id + " ran; it was stopped");
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        stop(arn);
        throw new AwsProblem(
            "the one-off task "
                + id
                + " did not stop within "
                + EcsRollout.minutes(timeout)
                + " (last status "
                + lastStatus
                + "); it was stopped and the service was not"
                + " changed");
      }
      rollout.sleep(Math.min(left, pause.toNanos()));
      pause = pause.multipliedBy(3).dividedBy(2);
      if (pause.compareTo(MAX_POLL) > 0) {
        pause = MAX_POLL;
      }
    }
    showOutput(id);
    List<String> bad = new ArrayList<>();
    for (Container c : task.containers()) {
      if (c.exitCode() == null || c.exitCode() != 0) {
        bad.add(
            c.name()
                + (c.exitCode() == null ? " did not run to an exit" : " exited " + c.exitCode())
                + (c.reason() == null || c.reason().isBlank() ? "" : " (" + c.reason() + ")"));
      }
    }
    if (!bad.isEmpty()) {
      throw new AwsProblem(
          "the one-off task "
              + id
              + " failed: "
              + String.join(", ", bad)
              + (task.stoppedReason() == null ? "" : " (" + task.stoppedReason() + ")")
              + "; the service was not changed");
    }
    log.accept("One-off task " + id + " exited 0");
  }

  private void stop(String arn) {
    try {
      ecs.stopTask(r -> r.cluster(cluster).task(arn).reason("Stopped by Gantry"));
    } catch (SdkException e) {
      log.accept("Could not stop the task: " + AwsFailures.oneLine(e.getMessage()));
    }
  }

  /**
   * The task's output, from the endpoint's task log resource when it has one (local-ecs serves
   * {@code /local-ecs/tasks/ID/logs}); AWS's own endpoints have none, and the output stays in the
   * task's log configuration (e.g. CloudWatch Logs).
   */
  private void showOutput(String id) {
    if (target.endpoint() == null) {
      return;
    }
    URI uri =
        URI.create(
            target.endpoint().toString().replaceFirst("/+$", "")
                + "/local-ecs/tasks/"
                + id
                + "/logs");
    try {
      HttpClient client =
          HttpClient.newBuilder().connectTimeout(AwsClients.CONNECT_TIMEOUT).build();
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(uri).timeout(AwsClients.ATTEMPT_TIMEOUT).GET().build(),
              HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (response.statusCode() != 200) {
        return;
      }
      log.accept("Output of task " + id + ":");
      for (String line : response.body().split("\\R")) {
        log.accept("| " + line);
      }
    } catch (IOException e) {
      log.accept("The task's output could not be read: " + AwsFailures.oneLine(e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A JSON array of strings, or words separated by spaces. */
  private static List<String> command(String text) throws AwsProblem {
    String trimmed = text.trim();
    if (trimmed.startsWith("[")) {
      try {
        return Arrays.asList(new ObjectMapper().readValue(trimmed, String[].class));
      } catch (JsonProcessingException e) {
        throw new AwsProblem(
            "input 'run-task-command' is not a JSON array of strings: " + e.getOriginalMessage());
      }
    }
    return Arrays.asList(trimmed.split("\\s+"));
  }

  private static List<String> list(String text) {
    List<String> out = new ArrayList<>();
    for (String part : text.split("[,\\s]+")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return out;
  }
}
