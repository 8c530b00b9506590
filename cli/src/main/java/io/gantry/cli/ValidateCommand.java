package io.gantry.cli;

import io.gantry.runner.action.builtin.BuiltInActions;
import io.gantry.runner.workflow.Problem;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowException;
import io.gantry.runner.workflow.WorkflowParser;
import io.gantry.server.actions.ActionRuntime;
import io.gantry.server.config.ConfigException;
import io.gantry.server.config.ConfigLoader;
import io.gantry.server.config.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gantry validate}: checks workflow files and reports every problem at once. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = {
      "Checks workflow files: YAML, keys, types, expressions, needs, actions, and script injection.",
      "Prints every problem as file:line:column: message. Exit status 0 when all are valid, 2"
          + " otherwise."
    })
final class ValidateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(
      arity = "0..*",
      paramLabel = "PATH",
      description =
          "Workflow files, or repositories whose .github/workflows to check"
              + " (default: the current folder).")
  List<Path> paths = List.of(Path.of("."));

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "A gantry.yml whose actions.builtin applies (built-ins turned off).")
  Path config;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Gantry's data folder, whose action cache tells the inputs of actions fetched before"
              + " (default: $GANTRY_DATA_DIR, else ~/.local/share/gantry).")
  Path dataDir;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ServerConfig.Actions settings = ServerConfig.Actions.DEFAULTS;
    if (config != null) {
      try {
        settings = new ConfigLoader(System::getenv).loadActions(config);
      } catch (ConfigException e) {
        err.println("gantry validate: " + e.getMessage());
        return Gantry.BAD_INPUT;
      }
    }
    Path data = dataDir != null ? dataDir : Settings.defaultDataDir();
    // Actions from git are accepted (and their inputs checked when already in the action cache).
    WorkflowParser parser =
        new WorkflowParser(ActionRuntime.catalog(data, settings, BuiltInActions.registry()));
    int errors = 0;
    int files = 0;
    for (Path path : paths) {
      List<Path> workflows;
      try {
        workflows = WorkflowParser.discover(path);
      } catch (WorkflowException e) {
        e.problems().forEach(p -> err.println(p));
        errors += e.problems().size();
        continue;
      }
      Path root = path.toAbsolutePath().normalize();
      for (Path file : workflows) {
        files++;
        Path absolute = file.toAbsolutePath().normalize();
        String name =
            absolute.startsWith(root) && !absolute.equals(root)
                ? root.relativize(absolute).toString()
                : file.toString();
        try {
          Workflow workflow = parser.parse(file, name);
          workflow.warnings().forEach(w -> out.println(w));
          out.println(name + ": valid (" + workflow.jobs().size() + " jobs)");
        } catch (WorkflowException e) {
          for (Problem problem : e.problems()) {
            (problem.severity() == Problem.Severity.ERROR ? err : out).println(problem);
            if (problem.severity() == Problem.Severity.ERROR) {
              errors++;
            }
          }
        }
      }
    }
    out.flush();
    err.flush();
    if (errors > 0) {
      err.println(errors + (errors == 1 ? " problem" : " problems") + " in " + files + " file(s)");
      return Gantry.BAD_INPUT;
    }
    return Gantry.OK;
  }
}
