package io.gantry.runner.workflow;

import java.nio.file.Path;
import java.util.List;

/**
 * Reads GitHub Actions workflow files (YAML 1.2) into {@link Workflow}s and validates them.
 *
 * <p>Validation reports every problem at once, each with file, line and column, and a suggestion
 * where one exists. Problems of severity WARNING do not stop a workflow from loading.
 */
public final class WorkflowParser {

  private final ActionCatalog actions;

  public WorkflowParser(ActionCatalog actions) {
    this.actions = actions;
  }

  /**
   * The workflow files of a path: a file is itself; a folder gives its
   * {@code .github/workflows/*.yml|*.yaml} (sorted by name), or its own {@code *.yml|*.yaml} when
   * it has no {@code .github/workflows}.
   *
   * @throws WorkflowException naming the path when it does not exist or holds no workflow file
   */
  public static List<Path> discover(Path path) throws WorkflowException {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /**
   * Parses and validates one file.
   *
   * @param file the file to read
   * @param displayName how the file is named in messages (usually relative to the repository)
   * @throws WorkflowException with every error (and warning) found
   */
  public Workflow parse(Path file, String displayName) throws WorkflowException {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /** Parses and validates workflow text (as {@link #parse(Path, String)}, from memory). */
  public Workflow parse(String source, Path file, String displayName) throws WorkflowException {
    throw new UnsupportedOperationException("not yet implemented");
  }

}
