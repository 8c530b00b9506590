package io.gantry.runner.execution;

import java.time.Duration;
import java.util.List;

/**
 * The result of one run of a workflow.
 *
 * <p>The conclusion is {@code failure} when any job failed, {@code cancelled} when the run was
 * cancelled, {@code skipped} when no job ran at all, and {@code success} only when at least one job
 * ran and none failed: a run in which everything was skipped is not green.
 */
public record RunResult(
    long runId,
    long runNumber,
    String workflowName,
    Conclusion conclusion,
    List<JobResult> jobs,
    Duration duration) {}
