package io.gantry.localecs;

import java.time.Duration;

/**
 * The load balancing seam the scheduler and the task runner see. Called with the core's lock held,
 * except {@link #refresh()}, which the loop calls without it once per tick, {@link
 * #inFlight(Model.Task)}, which a stopping task's worker polls, and {@link #requests(String)},
 * which the auto scaler reads (any of them may be called without it).
 */
interface LoadBalancers {

  /** Brings listeners and target registrations in line with the services and tasks. */
  void refresh();

  /** Whether the task is healthy in every target group of its service (true without any). */
  boolean isHealthy(Model.Service service, Model.Task task);

  /** Why the task must be replaced because of its target-group health, or null. */
  String failure(Model.Service service, Model.Task task);

  /**
   * Takes the stopping task out of its target groups (no new requests) and returns the longest its
   * in-flight requests may take (the deregistration delay); zero when it is in none.
   */
  Duration deregister(Model.Task task);

  /** Whether requests forwarded to the task are still in flight. */
  boolean inFlight(Model.Task task);

  /**
   * The requests the target group's listener has received since local-ecs started (ALB's {@code
   * RequestCount}, summed), and its healthy targets now, for {@code ALBRequestCountPerTarget}.
   */
  RequestCount requests(String targetGroupArn);

  /** A target group's request counter and healthy target count. */
  record RequestCount(long requests, int healthyTargets) {}
}
