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
  private final long logLimit;
  private long logged;
  private boolean fromProcess;
  private boolean capped;

  StepOutput(RunContext run, String jobKey, String jobName, String stepName, StepLogFile file) {
    this.run = run;
    this.jobKey = jobKey;
    this.jobName = jobName;
    this.stepName = stepName;
    this.file = file;
    this.clock = Clock.systemUTC();
    this.debug = run.debugEnabled();
    this.logLimit = run.options().stepLogBytes();
  }

  /** One line printed by the step's process (or an action): command or output. */
  void processLine(String raw) {
    fromProcess = true;
    try {
      processCommandOrLine(raw);
    } finally {
      fromProcess = false;
    }
  }

  private void processCommandOrLine(String raw) {
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

  private static long utf8Length(String text) {
    long bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  private Masker masker() {
    return run.masker();
  }

  private void emit(LogLine.Kind kind, String text) {
    // A message may hold escaped newlines (%0A); each line is masked on its own.
    String[] lines = text.indexOf('\n') >= 0 ? text.split("\r?\n", -1) : new String[] {text};
    for (String part : lines) {
      LogLine line = new LogLine(clock.instant(), jobName, stepName, kind, masker().mask(part));
      String formatted = line.format();
      if (fromProcess) {
        // The step's own output is capped (limits.step-log-size); the runner's few lines are not.
        if (capped) {
          continue;
        }
        logged += utf8Length(formatted) + 1;
        if (logged > logLimit) {
          capped = true;
          line =
              new LogLine(
                  line.time(),
                  jobName,
                  stepName,
                  LogLine.Kind.WARNING,
                  "This step's log reached its limit of "
                      + logLimit
                      + " bytes (limits.step-log-size); its further output is dropped. The step"
                      + " keeps running.");
          formatted = line.format();
        }
      }
      file.append(formatted);
      run.listener().logLine(jobKey, line);
    }
  }
}
