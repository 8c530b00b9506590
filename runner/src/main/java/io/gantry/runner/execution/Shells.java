package io.gantry.runner.execution;

import io.gantry.runner.files.PrivateFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a step's {@code shell:} into the command that runs its script, as GitHub's runner does:
 * {@code bash} runs with {@code --noprofile --norc -eo pipefail}, {@code sh} with {@code -e},
 * {@code python} with the python on PATH, and any other value is a command template holding {@code
 * {0}} for the script's path.
 */
final class Shells {

  private Shells() {}

  record Command(List<String> argv) {}

  /** A shell that cannot be used: the message says which and what to do. */
  static final class ShellException extends Exception {
    ShellException(String message) {
      super(message);
    }
  }

  static Command command(String shell, Path folder, String baseName, String script, String path)
      throws ShellException, IOException {
    List<String> template;
    String extension;
    switch (shell) {
      case "bash" -> {
        template = List.of("bash", "--noprofile", "--norc", "-eo", "pipefail", "{0}");
        extension = ".sh";
      }
      case "sh" -> {
        template = List.of("sh", "-e", "{0}");
        extension = ".sh";
      }
      case "python" -> {
        String python = ProcessGroups.findOnPath("python3", path) != null ? "python3" : "python";
        template = List.of(python, "{0}");
        extension = ".py";
      }
      default -> {
        if (!shell.contains("{0}")) {
          throw new ShellException(
              "shell '"
                  + shell
                  + "' is not bash, sh or python and has no {0} for the script, e.g. 'perl {0}'");
        }
        template = List.of(shell.strip().split("\\s+"));
        extension = "";
      }
    }
    String program = template.get(0);
    if (ProcessGroups.findOnPath(program, path) == null) {
      throw new ShellException(
          "shell '"
              + program
              + "' is not found on PATH; install it or use one of bash, sh, python");
    }
    Path scriptFile = folder.resolve(baseName + extension);
    PrivateFiles.writeString(scriptFile, script);
    List<String> argv = new ArrayList<>(template.size());
    for (String part : template) {
      argv.add(part.replace("{0}", scriptFile.toString()));
    }
    return new Command(argv);
  }
}
