package io.gantry.runner.workflow;

/** {@code defaults.run}: either value may be null when not set. */
public record RunDefaults(String shell, String workingDirectory) {

  public static final RunDefaults NONE = new RunDefaults(null, null);

  /** These defaults with every unset value taken from {@code outer}. */
  public RunDefaults orElse(RunDefaults outer) {
    return new RunDefaults(
        shell != null ? shell : outer.shell,
        workingDirectory != null ? workingDirectory : outer.workingDirectory);
  }
}
