package io.gantry.localecs;

import java.time.Duration;

/**
 * The load balancing seam the scheduler and the task runner see. Called with the core's lock held,
 * except {@link #refresh()}, which the loop calls without it once per tick, and {@link
 * #inFlight(Model.Task)}, which a stopping task's worker polls.
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
}
