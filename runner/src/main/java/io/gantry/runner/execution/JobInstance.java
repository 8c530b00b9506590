package io.gantry.runner.execution;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * One instance of a job as {@link RunExecution} schedules it: the job's steps ({@link
 * JobExecution}) or a reusable workflow it calls ({@link CalledWorkflow}).
 */
interface JobInstance extends Callable<JobResult> {

  String key();

  String name();

  @Override
  JobResult call();

  /**
   * Whether it runs on a thread of its own rather than the job pool: a called workflow waits for
   * its jobs, which need the pool's threads.
   */
  default boolean ownThread() {
    return false;
  }

  /** The results of the jobs it ran besides its own (a called workflow's jobs), once it is over. */
  default List<JobResult> nested() {
    return List.of();
  }
}
