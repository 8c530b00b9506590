package io.gantry.runner.workflow;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Validation of the jobs that call a reusable workflow of the same repository ({@code uses:
 * ./.github/workflows/x.yml}): the called file exists, is valid and has {@code on.workflow_call};
 * every input given is declared, every required input without a default is given, a literal boolean
 * or number input has the right form, and the secrets match. Each problem names the caller job and
 * the input or secret. Workflows of other repositories are checked when the run fetches them.
 */
final class CallChecks {

  private final WorkflowParser callees;

  /**
   * @param callees parses the called workflows (without checking their own calls)
   */
  CallChecks(WorkflowParser callees) {
    this.callees = callees;
  }

  void check(Workflow workflow, Path file, Report report) {
    Path root = repositoryRoot(file);
    if (root == null) {
      return;
    }
    workflow
        .jobs()
        .forEach(
            (id, job) -> {
              JobCall call = job.call();
              if (call != null && call.local()) {
                check(id, call, root, report);
              }
            });
  }

  /** The repository of a file in {@code .github/workflows}, or null for a file elsewhere. */
  private static Path repositoryRoot(Path file) {
    if (file == null) {
      return null;
    }
    Path dir = file.toAbsolutePath().normalize().getParent();
    if (dir == null
        || !dir.getFileName().toString().equals("workflows")
        || dir.getParent() == null
        || !dir.getParent().getFileName().toString().equals(".github")) {
      return null;
    }
    return dir.getParent().getParent();
  }

  private void check(String id, JobCall call, Path root, Report report) {
    String job = "job '" + id + "' ";
    Path target = root.resolve(call.uses().substring(2)).normalize();
    if (!target.startsWith(root) || !Files.isRegularFile(target)) {
      report.error(
          call.location(),
          job + "calls " + call.uses() + ", which is not a file of this repository");
      return;
    }
    Workflow callee;
    try {
      callee = callees.parse(target, call.uses());
    } catch (WorkflowException e) {
      report.error(
          call.location(),
          job + "calls " + call.uses() + ", which is invalid: " + e.problems().get(0));
      return;
    }
    WorkflowCall spec = callee.call();
    if (spec == null) {
      report.error(
          call.location(),
          job
              + "calls "
              + call.uses()
              + ", which is not a reusable workflow; add workflow_call to its on:");
      return;
    }
    for (Map.Entry<String, String> given : call.with().entrySet()) {
      InputSpec input = spec.inputs().get(given.getKey());
      if (input == null) {
        report.error(
            call.location(),
            job
                + "passes input '"
                + given.getKey()
                + "', which "
                + call.uses()
                + " does not declare"
                + hint(given.getKey(), spec.inputs().keySet()));
      } else if (!given.getValue().contains("${{") && !fits(input.type(), given.getValue())) {
        report.error(
            call.location(),
            job
                + "passes '"
                + given.getValue()
                + "' to input '"
                + input.name()
                + "' of "
                + call.uses()
                + ", which is a "
                + input.type());
      }
    }
    for (InputSpec input : spec.inputs().values()) {
      if (input.required()
          && input.defaultValue() == null
          && !call.with().containsKey(input.name())) {
        report.error(
            call.location(),
            job
                + "does not pass input '"
                + input.name()
                + "', which "
                + call.uses()
                + " requires; add it under with:");
      }
    }
    if (call.inheritSecrets()) {
      return;
    }
    for (String secret : call.secrets().keySet()) {
      if (!spec.secrets().containsKey(secret)) {
        report.error(
            call.location(),
            job
                + "passes secret '"
                + secret
                + "', which "
                + call.uses()
                + " does not declare"
                + hint(secret, spec.secrets().keySet()));
      }
    }
    spec.secrets()
        .forEach(
            (secret, required) -> {
              if (required && !call.secrets().containsKey(secret)) {
                report.error(
                    call.location(),
                    job
                        + "does not pass secret '"
                        + secret
                        + "', which "
                        + call.uses()
                        + " requires; add it under secrets: or use secrets: inherit");
              }
            });
  }

  private static String hint(String name, java.util.Set<String> declared) {
    return io.gantry.runner.suggest.Suggestions.hint(
        name, new java.util.TreeSet<>(declared), "names");
  }

  private static boolean fits(String type, String value) {
    return switch (type) {
      case "boolean" -> value.equals("true") || value.equals("false");
      case "number" -> value.strip().matches("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?");
      default -> true;
    };
  }
}
