package io.gantry.runner.execution;

import io.gantry.runner.command.WorkflowCommand;
import io.gantry.runner.log.LogStore.StepLogFile;
import io.gantry.runner.log.Masker;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the lines of one step go: workflow commands are acted on, every other line is masked,
 * timestamped, tagged with job and step, appended to the step's log file and passed to the
 * listener. Used on the job's thread only.
 */
final class StepOutput {

  private final RunContext run;
  private final String jobKey;
  private final String jobName;
  private final String stepName;
  private final StepLogFile file;
  private final Clock clock;
  private final boolean debug;
  private final Map<String, String> legacyOutputs = new LinkedHashMap<>();
  private String stopToken;
  private int errors;

  StepOutput(RunContext run, String jobKey, String jobName, String stepName, StepLogFile file) {
    this.run = run;
    this.jobKey = jobKey;
    this.jobName = jobName;
    this.stepName = stepName;
    this.file = file;
    this.clock = Clock.systemUTC();
    this.debug = run.debugEnabled();
  }

  /** One line printed by the step's process (or an action): command or output. */
  void processLine(String raw) {
    if (stopToken != null) {
      if (raw.strip().equals("::" + stopToken + "::")) {
        stopToken = null;
      } else {
        emit(LogLine.Kind.OUTPUT, raw);
      }
      return;
    }
    WorkflowCommand command = WorkflowCommand.parse(raw);
    if (command == null) {
      emit(LogLine.Kind.OUTPUT, raw);
      return;
    }
    switch (command.name()) {
      case "add-mask" -> masker().add(command.message());
      case "group" -> emit(LogLine.Kind.GROUP, command.message());
      case "endgroup" -> emit(LogLine.Kind.ENDGROUP, "");
      case "error" -> {
        errors++;
        emit(LogLine.Kind.ERROR, command.annotationPrefix() + command.message());
      }
      case "warning" -> emit(LogLine.Kind.WARNING, command.annotationPrefix() + command.message());
      case "notice" -> emit(LogLine.Kind.NOTICE, command.annotationPrefix() + command.message());
      case "debug" -> {
        if (debug) {
          emit(LogLine.Kind.DEBUG, command.message());
        }
      }
      case "set-output" -> {
        String name = command.properties().get("name");
        if (name == null || name.isBlank()) {
          emit(LogLine.Kind.WARNING, "::set-output:: needs name=NAME; the line was ignored");
        } else {
          legacyOutputs.put(name, command.message());
          emit(
              LogLine.Kind.WARNING,
              "::set-output:: is deprecated; write NAME=value to $GITHUB_OUTPUT instead");
        }
      }
      case "stop-commands" -> stopToken = command.message();
      case "set-env", "add-path" ->
          emit(
              LogLine.Kind.ERROR,
              "::"
                  + command.name()
                  + ":: is disabled (as on GitHub); write to $"
                  + (command.name().equals("set-env") ? "GITHUB_ENV" : "GITHUB_PATH")
                  + " instead");
      default -> emit(LogLine.Kind.OUTPUT, raw);
    }
  }

  /** A runner message about this step (header, failure reason, ...). */
  void system(String text) {
    emit(LogLine.Kind.SYSTEM, text);
  }

  void error(String text) {
    emit(LogLine.Kind.ERROR, text);
  }

  void warning(String text) {
    emit(LogLine.Kind.WARNING, text);
  }

  Map<String, String> legacyOutputs() {
    return legacyOutputs;
  }

  int errorCount() {
    return errors;
  }

  void flush() {
    file.flush();
  }

  private Masker masker() {
    return run.masker();
  }

  private void emit(LogLine.Kind kind, String text) {
    // A message may hold escaped newlines (%0A); each line is masked on its own.
    String[] lines = text.indexOf('\n') >= 0 ? text.split("\r?\n", -1) : new String[] {text};
    for (String part : lines) {
      LogLine line = new LogLine(clock.instant(), jobName, stepName, kind, masker().mask(part));
      file.append(line.format());
      run.listener().logLine(jobKey, line);
    }
  }
}
