package io.gantry.runner.deploy;

import software.amazon.awssdk.services.ecs.model.Container;
import software.amazon.awssdk.services.ecs.model.Task;

/**
 * Why a rollout did not complete, in one line, from what ECS said while it was watched: the stop
 * reasons of the service's tasks and its events. The most specific cause wins, in this order: a
 * task that could not get its secrets or registry auth ({@code ResourceInitializationError}), an
 * image that cannot be pulled or a container that cannot start, a task ECS could not place on any
 * container instance, failed container or load balancer health checks, an essential container
 * exiting, and, last, the desired count changing under the deploy (service auto scaling or another
 * update). Not thread-safe: one per watch.
 */
final class RolloutCause {

  private static final int MAX = 600;

  private static final String[] STOP_KINDS = {
    "ResourceInitializationError", "CannotPullContainerError", "CannotStartContainerError",
  };

  private final int desiredAtStart;
  private String cause;
  private int rank = Integer.MAX_VALUE;
  private int stops;
  private String scaling;

  /**
   * @param desiredAtStart the service's desired count when the deploy started (-1: unknown)
   */
  RolloutCause(int desiredAtStart) {
    this.desiredAtStart = desiredAtStart;
  }

  /** A task of the service stopped (other than for scaling). */
  void stopped(Task task) {
    String reason = task.stoppedReason() == null ? "" : task.stoppedReason();
    String id = EcsRollout.lastPart(task.taskArn());
    for (int i = 0; i < STOP_KINDS.length; i++) {
      if (reason.startsWith(STOP_KINDS[i])) {
        offer(i, "task " + id + " could not start: " + oneLine(reason), true);
        return;
      }
    }
    if (reason.startsWith("Task failed container health checks")
        || reason.startsWith("Task failed ELB health checks")) {
      offer(4, "task " + id + " stopped: " + reason, true);
      return;
    }
    if (reason.startsWith("Essential container in task exited")) {
      StringBuilder line = new StringBuilder("task " + id + " stopped: " + reason);
      for (Container c : task.containers()) {
        if (c.exitCode() != null && c.exitCode() != 0) {
          line.append(" (").append(c.name()).append(" exited ").append(c.exitCode()).append(')');
        }
      }
      offer(5, line.toString(), true);
    }
  }

  /** A service event. */
  void event(String message) {
    if (message == null) {
      return;
    }
    int at = message.indexOf("was unable to place a task");
    if (at >= 0) {
      offer(3, "ECS " + message.substring(at), false);
    } else if (message.contains("Application Auto Scaling scaled")) {
      scaling = message.substring(message.indexOf("Application Auto Scaling"));
    }
  }

  /** The service's desired count at a poll. */
  void desiredCount(int desired) {
    if (desiredAtStart >= 0 && desired != desiredAtStart && scaling == null) {
      scaling =
          "the desired count changed from "
              + desiredAtStart
              + " to "
              + desired
              + " during the deploy (service auto scaling or another UpdateService)";
    }
  }

  /** The cause in one line, or null when nothing ECS said explains the failure. */
  String cause() {
    String found = cause;
    if (found == null && scaling != null) {
      found = "scaling interfered: " + scaling;
    }
    if (found == null) {
      return null;
    }
    String counted = stops > 1 ? found + " (and " + (stops - 1) + " more stopped tasks)" : found;
    return counted.length() <= MAX ? counted : counted.substring(0, MAX - 1) + "…";
  }

  /** {@code message}, with the cause appended when there is one. */
  String explain(String message) {
    String found = cause();
    return found == null ? message : message + "; cause: " + found;
  }

  /** The reason on one line, whole (the cause is the point of the message). */
  private static String oneLine(String text) {
    return text.replaceAll("\\s*\\R\\s*", " ").strip();
  }

  private void offer(int newRank, String line, boolean stop) {
    if (stop) {
      stops++;
    }
    if (newRank < rank) {
      rank = newRank;
      cause = line;
    }
  }
}
