package io.gantry.runner.store;

/** Where a run, job or step is in its life, as stored (GitHub's statuses). */
public enum RunStatus {
  QUEUED,
  IN_PROGRESS,
  COMPLETED;

  /**
   * The status stored as {@code value} (its upper-case name).
   *
   * @throws IllegalArgumentException naming the allowed values
   */
  public static RunStatus parse(String value) {
    return StoredWords.parse(values(), RunStatus::name, "status", value);
  }
}
