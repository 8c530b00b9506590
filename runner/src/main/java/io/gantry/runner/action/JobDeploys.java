package io.gantry.runner.action;

import io.gantry.runner.store.DeployHistory.ServiceKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The services deployed by the steps of one job, for its later steps: a deploy step adds the
 * deployment it made once it succeeded, {@code gantry/health-check} records its settings on the
 * deployments not yet checked and, when it fails, rolls them back. One instance per job, like
 * {@link RegistryLogins}; only the most recent deploy of each service is kept. Thread-safe.
 */
public final class JobDeploys {

  /**
   * One successful deploy of a service by this job.
   *
   * @param deploymentId its row in the deploy history
   * @param env the deploy step's environment, to reach the same ECS endpoint with the same
   *     credentials again (never printed: {@link #toString} leaves it out)
   * @param httpProxy the deploy step's {@code http-proxy} input, or {@code ""}
   * @param rollback whether a failed health check may roll it back ({@code rollback: never} not
   *     given)
   * @param timeout how long to wait for a rollback (the deploy's {@code wait-for-minutes})
   */
  public record Deploy(
      ServiceKey service,
      long deploymentId,
      Map<String, String> env,
      String httpProxy,
      boolean rollback,
      Duration timeout) {

    public Deploy {
      env = Map.copyOf(env);
    }

    @Override
    public String toString() {
      return "Deploy[service="
          + service
          + ", deploymentId="
          + deploymentId
          + ", env=****"
          + ", rollback="
          + rollback
          + "]";
    }
  }

  private final Map<ServiceKey, Deploy> byService = new LinkedHashMap<>();
  private final Map<ServiceKey, Boolean> checked = new LinkedHashMap<>();

  /** Adds a successful deploy; it replaces an earlier deploy of the same service by this job. */
  public synchronized void add(Deploy deploy) {
    byService.remove(deploy.service());
    byService.put(deploy.service(), deploy);
    checked.put(deploy.service(), false);
  }

  /** The most recent deploy of each service, oldest first. */
  public synchronized List<Deploy> all() {
    return new ArrayList<>(byService.values());
  }

  /**
   * The deploys no health check of this job has passed yet, oldest first, marked as checked by this
   * call: a passing check is recorded on the deploys made since the previous check.
   */
  public synchronized List<Deploy> takeUnchecked() {
    List<Deploy> out = new ArrayList<>();
    for (Deploy d : byService.values()) {
      if (!checked.get(d.service())) {
        out.add(d);
        checked.put(d.service(), true);
      }
    }
    return out;
  }

  /** Forgets a deploy once it was rolled back or marked failed, so it is not undone twice. */
  public synchronized void remove(Deploy deploy) {
    if (deploy.equals(byService.get(deploy.service()))) {
      byService.remove(deploy.service());
      checked.remove(deploy.service());
    }
  }
}
