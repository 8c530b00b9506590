package io.gantry.runner.workflow;

/**
 * One parse or validation finding, printed as {@code file:line:column: message}. Errors make a
 * workflow invalid; warnings are shown and do not block.
 */
public record Problem(Location location, Severity severity, String message) {

  public enum Severity {
    ERROR,
    WARNING
  }

  @Override
  public String toString() {
    return location + ": " + (severity == Severity.WARNING ? "warning: " : "") + message;
  }
}
