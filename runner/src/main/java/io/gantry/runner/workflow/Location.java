package io.gantry.runner.workflow;

/**
 * A place in a workflow file, 1-based, as printed in every parse and validation message: {@code
 * file:line:column}.
 */
public record Location(String file, int line, int column) {

  /** A location that points at no particular place of the file (line and column 0). */
  public static Location of(String file) {
    return new Location(file, 0, 0);
  }

  @Override
  public String toString() {
    return line > 0 ? file + ":" + line + ":" + column : file;
  }
}
