package io.gantry.runner.workflow;

import io.gantry.runner.workflow.Problem.Severity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads GitHub Actions workflow files (YAML 1.2) into {@link Workflow}s and validates them.
 *
 * <p>Validation reports every problem at once, each with file, line and column, and a suggestion
 * where one exists. Problems of severity WARNING do not stop a workflow from loading.
 */
public final class WorkflowParser {

  private final ActionCatalog actions;
  private final WorkflowLimits limits;

  /**
   * Whether calls of reusable workflows of the same repository are checked ({@link CallChecks}).
   */
  private final boolean checkCalls;

  /** With GitHub's limits. */
  public WorkflowParser(ActionCatalog actions) {
    this(actions, WorkflowLimits.GITHUB);
  }

  public WorkflowParser(ActionCatalog actions, WorkflowLimits limits) {
    this(actions, limits, true);
  }

  private WorkflowParser(ActionCatalog actions, WorkflowLimits limits, boolean checkCalls) {
    this.actions = actions;
    this.limits = limits;
    this.checkCalls = checkCalls;
  }

  /**
   * The workflow files of a path: a file is itself; a folder gives its {@code
   * .github/workflows/*.yml|*.yaml} (sorted by name), or its own {@code *.yml|*.yaml} when it has
   * no {@code .github/workflows}.
   *
   * @throws WorkflowException naming the path when it does not exist or holds no workflow file
   */
  public static List<Path> discover(Path path) throws WorkflowException {
    if (!Files.exists(path)) {
      throw failure(path, path + " does not exist");
    }
    if (!Files.isDirectory(path)) {
      return List.of(path);
    }
    Path workflows = path.resolve(".github").resolve("workflows");
    boolean hasWorkflowFolder = Files.isDirectory(workflows);
    List<Path> files = yamlFiles(hasWorkflowFolder ? workflows : path);
    if (files.isEmpty()) {
      throw failure(
          path,
          hasWorkflowFolder
              ? "no workflow files in " + workflows + " (*.yml, *.yaml)"
              : "no workflow files in " + workflows + " or " + path + " (*.yml, *.yaml)");
    }
    return files;
  }

  private static List<Path> yamlFiles(Path folder) throws WorkflowException {
    try (Stream<Path> children = Files.list(folder)) {
      return children
          .filter(Files::isRegularFile)
          .filter(
              p -> {
                String name = p.getFileName().toString();
                return name.endsWith(".yml") || name.endsWith(".yaml");
              })
          .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
          .toList();
    } catch (IOException e) {
      throw failure(folder, "cannot list " + folder + ": " + e.getMessage());
    }
  }

  private static WorkflowException failure(Path path, String message) {
    return new WorkflowException(
        List.of(new Problem(Location.of(path.toString()), Severity.ERROR, message)));
  }

  /**
   * Parses and validates one file.
   *
   * @param file the file to read
   * @param displayName how the file is named in messages (usually relative to the repository)
   * @throws WorkflowException with every error (and warning) found
   */
  public Workflow parse(Path file, String displayName) throws WorkflowException {
    String source;
    try {
      source = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new WorkflowException(
          List.of(
              new Problem(
                  Location.of(displayName),
                  Severity.ERROR,
                  "cannot read " + file + ": " + e.getMessage())));
    }
    return parse(source, file, displayName, checkCalls);
  }

  /**
   * Parses and validates workflow text (as {@link #parse(Path, String)}, from memory; calls of
   * reusable workflows are not checked against their files, which may not be on this disk).
   */
  public Workflow parse(String source, Path file, String displayName) throws WorkflowException {
    return parse(source, file, displayName, false);
  }

  private Workflow parse(String source, Path file, String displayName, boolean withCalls)
      throws WorkflowException {
    Report report = new Report(displayName);
    long bytes = source.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > limits.fileBytes()) {
      // Not even parsed: a file this size is a mistake or an attack, not a workflow.
      report.error(
          Location.of(displayName),
          "the workflow file is "
              + bytes
              + " bytes, over the limit of "
              + limits.fileBytes()
              + " bytes (limits.workflow-file-size in gantry.yml; GitHub's is 500 KB)");
      throw new WorkflowException(report.problems());
    }
    Workflow workflow = new WorkflowValidator(actions).validate(source, file, report);
    if (workflow == null) {
      throw new WorkflowException(report.problems());
    }
    checkMatrices(workflow, report);
    if (withCalls) {
      new CallChecks(new WorkflowParser(actions, limits, false)).check(workflow, file, report);
    }
    if (report.hasErrors()) {
      throw new WorkflowException(report.problems());
    }
    return workflow;
  }

  private void checkMatrices(Workflow workflow, Report report) {
    workflow
        .jobs()
        .forEach(
            (id, job) -> {
              if (job.strategy() == null) {
                return;
              }
              long count = MatrixSize.of(job.strategy().matrix());
              if (count > limits.matrixJobs()) {
                report.error(
                    job.strategy().location(),
                    "the matrix of job '"
                        + id
                        + "' generates "
                        + count
                        + " jobs"
                        + (count > MatrixSize.EXACT_UP_TO ? " before exclude:" : "")
                        + ", over the limit of "
                        + limits.matrixJobs()
                        + " (limits.matrix-jobs in gantry.yml; GitHub's is 256); split the job"
                        + " or narrow the matrix");
              }
            });
  }
}
