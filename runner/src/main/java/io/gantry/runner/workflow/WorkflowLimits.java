package io.gantry.runner.workflow;

/**
 * What one workflow may ask for; validation reports a workflow over a limit as an error naming the
 * job (or file) and the count. {@link #GITHUB} holds GitHub's limits, the defaults.
 *
 * @param matrixJobs the jobs one job's {@code strategy.matrix} may generate (GitHub: 256)
 * @param fileBytes a workflow file's size (GitHub: 500 KB)
 */
public record WorkflowLimits(int matrixJobs, long fileBytes) {

  public static final WorkflowLimits GITHUB = new WorkflowLimits(256, 500L * 1024);

  public WorkflowLimits {
    if (matrixJobs < 1 || fileBytes < 1) {
      throw new IllegalArgumentException("workflow limits must be positive");
    }
  }
}
