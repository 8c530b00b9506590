package io.gantry.runner.execution;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The result of one job instance (one per matrix combination).
 *
 * @param key unique within the run: the job id, with the matrix index for matrix jobs ({@code
 *     build-2})
 * @param jobId the job's id in the workflow
 * @param name the display name, with matrix values for matrix jobs
 * @param matrix this instance's matrix values (empty without a matrix)
 * @param message why it failed, was skipped or cancelled, one line, or null
 * @param continuedOnError the job failed but has {@code continue-on-error}: its dependents run and
 *     the run does not fail because of it
 */
public record JobResult(
    String key,
    String jobId,
    String name,
    Map<String, Object> matrix,
    Conclusion conclusion,
    Map<String, String> outputs,
    List<StepResult> steps,
    Duration duration,
    String message,
    boolean continuedOnError) {}
