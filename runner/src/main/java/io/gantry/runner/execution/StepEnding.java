package io.gantry.runner.execution;

/**
 * How a {@link StepRunner} says a step ended: a value, never an exception or a message prefix. The
 * step loop turns it into the step's outcome and the line in its log ({@link StepLoop}).
 */
public sealed interface StepEnding {

  /** The step did what it was asked. */
  record Succeeded() implements StepEnding {}

  /** The step failed; {@code reason} is one line for the log and the result (may be null). */
  record Failed(String reason) implements StepEnding {}

  /**
   * The step ran past its deadline ({@link StepCall#deadline()}) and was stopped; the loop says
   * whose timeout it was, the step's or the job's.
   */
  record TimedOut() implements StepEnding {}

  /** The run was cancelled while the step ran, and the step stopped. */
  record Cancelled(String reason) implements StepEnding {}

  static StepEnding succeeded() {
    return new Succeeded();
  }

  static StepEnding failed(String reason) {
    return new Failed(reason);
  }

  static StepEnding timedOut() {
    return new TimedOut();
  }

  static StepEnding cancelled(String reason) {
    return new Cancelled(reason);
  }
}
