package io.gantry.cli;

import io.gantry.runner.workflow.ActionCatalog;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowException;
import io.gantry.runner.workflow.WorkflowParser;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The workflows {@code gantry run} considers: every file of {@code .github/workflows} (or the one
 * given with {@code -W}), parsed and validated. An invalid file does not stop the others: its
 * problems are printed as a warning, each as {@code file:line:column: message}, and the valid files
 * run.
 */
final class RunWorkflows {

  /**
   * @param workflows the valid ones
   * @param invalid how many files were invalid
   * @param fatal nothing can run: the folder could not be read, or the one {@code -W} file is
   *     invalid
   */
  record Loaded(List<Workflow> workflows, int invalid, boolean fatal) {}

  private RunWorkflows() {}

  static Loaded load(Path root, Path workflowFile, ActionCatalog catalog, PrintWriter err) {
    List<Workflow> workflows = new ArrayList<>();
    List<Path> files;
    try {
      files =
          workflowFile != null
              ? List.of(workflowFile.toAbsolutePath().normalize())
              : WorkflowParser.discover(root);
    } catch (WorkflowException e) {
      e.problems().forEach(p -> err.println(p));
      return new Loaded(List.of(), 0, true);
    }
    WorkflowParser parser = new WorkflowParser(catalog);
    int invalid = 0;
    for (Path file : files) {
      String name = file.startsWith(root) ? root.relativize(file).toString() : file.toString();
      try {
        Workflow workflow = parser.parse(file, name);
        workflow.warnings().forEach(w -> err.println(w));
        workflows.add(workflow);
      } catch (WorkflowException e) {
        invalid++;
        if (workflowFile == null) {
          err.println(
              "warning: "
                  + name
                  + " is invalid and does not run ("
                  + e.problems().size()
                  + " problem(s)):");
        }
        e.problems().forEach(p -> err.println(p));
      }
    }
    err.flush();
    return new Loaded(workflows, invalid, workflowFile != null && invalid > 0);
  }
}
