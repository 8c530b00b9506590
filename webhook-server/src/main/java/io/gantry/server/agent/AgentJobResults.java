package io.gantry.server.agent;

import io.gantry.runner.execution.Conclusion;
import io.gantry.runner.execution.JobDispatcher;
import io.gantry.runner.execution.JobResult;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.store.JobQueue;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A job's result as {@link AgentDispatcher} returns it: from its agent's JSON, or why none came.
 */
final class AgentJobResults {

  private AgentJobResults() {}

  /** The result of a job whose queue row is completed: the agent's, interrupted or cancelled. */
  static JobResult ended(JobDispatcher.ReadyJob job, JobQueue.QueuedJob row, int attempt) {
    if (row.interrupted()) {
      return result(
          job,
          Conclusion.FAILURE,
          "interrupted: the agent running it stopped answering (its lease expired)"
              + (attempt > 1 ? ", in each of its " + attempt + " attempts" : ""));
    }
    if (row.result() == null) {
      return result(job, Conclusion.CANCELLED, "cancelled before an agent took it");
    }
    return fromResult(job, row.result());
  }

  /** The job's result from the JSON its agent posted. */
  static JobResult fromResult(JobDispatcher.ReadyJob job, String json) {
    try {
      return AgentProtocol.jobResult(job, (Map<?, ?>) Expressions.fromJson(json));
    } catch (ExpressionException | RuntimeException e) {
      return result(job, Conclusion.FAILURE, "the agent's result is unreadable: " + e.getMessage());
    }
  }

  static JobResult result(JobDispatcher.ReadyJob job, Conclusion conclusion, String why) {
    return new JobResult(
        job.key(),
        job.jobId(),
        job.name(),
        job.matrix(),
        conclusion,
        Map.of(),
        List.of(),
        Duration.ZERO,
        why,
        false);
  }
}
