package io.gantry.runner.store;

/** Where a run, job or step is in its life, as stored (GitHub's statuses). */
public enum RunStatus {
  QUEUED,
  IN_PROGRESS,
  COMPLETED
}
