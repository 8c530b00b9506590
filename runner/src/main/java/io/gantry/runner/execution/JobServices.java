package io.gantry.runner.execution;

import java.util.Map;

/**
 * Services a job's actions reach over the network while the job runs, such as the GitHub Actions
 * cache ({@code ACTIONS_CACHE_URL} with a per-job {@code ACTIONS_RUNTIME_TOKEN}).
 *
 * <p>Contract: {@link #open} is called on the job's thread before its first step; the lease's
 * {@link Lease#environment()} is given to every {@code uses:} step of the job (as GitHub gives the
 * runtime variables to actions, not to {@code run:} scripts), its values masked; {@link
 * Lease#close()} is called exactly once when the job ends, whatever its conclusion, after its post
 * steps, so a credential handed out for the job stops working then. A failing {@code open} fails
 * the job's set-up with its message.
 */
public interface JobServices {

  /** No services: actions get no runtime variables. */
  JobServices NONE = job -> Lease.EMPTY;

  /**
   * The job that asks.
   *
   * @param repository {@code owner/name}
   * @param ref the run's ref ({@code refs/heads/…})
   * @param defaultBranch the repository's default branch (a name or a ref), or null
   */
  record Job(String repository, String ref, String defaultBranch, long runId, String jobKey) {}

  Lease open(Job job) throws Exception;

  /** What one job holds. */
  interface Lease extends AutoCloseable {

    Lease EMPTY = () -> Map.of();

    Map<String, String> environment();

    /** The job ended: what it was given stops working. Failures are the holder's to log. */
    @Override
    default void close() {}
  }
}
