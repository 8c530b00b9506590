package io.gantry.cli;

import io.gantry.runner.execution.Conclusion;
import io.gantry.runner.execution.JobResult;
import io.gantry.runner.execution.LogLine;
import io.gantry.runner.execution.RunListener;
import io.gantry.runner.execution.RunResult;
import io.gantry.runner.execution.StepResult;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;

/**
 * Live, readable output of a run on the terminal: job and step headers, every log line tagged with
 * its job, durations, and a summary table at the end. Lines arrive already masked.
 */
final class ConsolePrinter implements RunListener {

  private final PrintWriter out;
  private final String prefix;

  /**
   * @param workflowTag shown before the job in every line when several workflows run at once
   */
  ConsolePrinter(PrintWriter out, String workflowTag) {
    this.out = out;
    this.prefix = workflowTag == null ? "" : workflowTag + " / ";
  }

  @Override
  public void runStarted(long runId, long runNumber, String runName) {
    print("▶ " + runName + " · run #" + runNumber + " (id " + runId + ")");
  }

  @Override
  public void jobStarted(String jobKey, String jobName) {
    jobNames.put(jobKey, jobName);
    print("[" + prefix + jobName + "] ▶ job started");
  }

  @Override
  public void stepStarted(String jobKey, int number, String stepName) {
    // The step's "Run ..." line follows at once; a header here would say it twice.
  }

  /** ANSI escape sequences: colours and resets that tools print even when quiet. */
  private static final java.util.regex.Pattern ANSI =
      java.util.regex.Pattern.compile("\u001B\\[[0-9;]*[A-Za-z]");

  @Override
  public void logLine(String jobKey, LogLine line) {
    if (line.kind() == LogLine.Kind.OUTPUT
        && !line.text().isEmpty()
        && ANSI.matcher(line.text()).replaceAll("").isBlank()) {
      // Maven's -q prints bare colour resets; on the console they are empty lines of noise.
      return;
    }
    String tag = "[" + prefix + line.job() + "] ";
    String text =
        switch (line.kind()) {
          case SYSTEM -> "⚙ " + line.text();
          case ERROR -> "  Error: " + line.text();
          case WARNING -> "  Warning: " + line.text();
          case NOTICE -> "  Notice: " + line.text();
          case DEBUG -> "  Debug: " + line.text();
          case GROUP -> "  ▸ " + line.text();
          case ENDGROUP -> null;
          case OUTPUT -> "  " + line.text();
        };
    if (text != null) {
      print(tag + text);
    }
  }

  @Override
  public void stepFinished(String jobKey, StepResult result) {
    String tag = "[" + prefix + jobName(jobKey) + "] ";
    if (result.conclusion() == Conclusion.SKIPPED) {
      print(tag + "– " + result.name() + " (" + result.message() + ")");
      return;
    }
    boolean continued =
        result.outcome() == Conclusion.FAILURE && result.conclusion() == Conclusion.SUCCESS;
    print(
        tag
            + symbol(continued ? Conclusion.FAILURE : result.conclusion())
            + " "
            + result.name()
            + " ("
            + format(result.duration())
            + (continued ? ", continue-on-error" : "")
            + ")");
  }

  private final java.util.Map<String, String> jobNames =
      new java.util.concurrent.ConcurrentHashMap<>();

  private String jobName(String jobKey) {
    return jobNames.getOrDefault(jobKey, jobKey);
  }

  @Override
  public void jobFinished(JobResult result) {
    String tag = "[" + prefix + result.name() + "] ";
    print(
        tag
            + symbol(result.conclusion())
            + " job "
            + label(result.conclusion(), result.continuedOnError())
            + (result.duration().isZero() ? "" : " in " + format(result.duration()))
            + (result.message() != null && result.conclusion() != Conclusion.SUCCESS
                ? " — " + result.message()
                : ""));
  }

  @Override
  public void runFinished(RunResult result) {
    StringBuilder table = new StringBuilder();
    table.append('\n');
    table.append(
        String.format(
            "%s %s · run #%d: %s in %s%n",
            symbol(result.conclusion()),
            result.workflowName(),
            result.runNumber(),
            result.conclusion().label(),
            format(result.duration())));
    int width = 4;
    for (JobResult job : result.jobs()) {
      width = Math.max(width, job.name().length());
      for (StepResult step : job.steps()) {
        width = Math.max(width, step.name().length() + 2);
      }
    }
    width = Math.min(width, 60);
    String row = "  %-" + width + "s  %-9s  %8s  %s%n";
    table.append(String.format(row, "JOB / STEP", "RESULT", "TIME", ""));
    for (JobResult job : result.jobs()) {
      table.append(
          String.format(
              row,
              cut(job.name(), width),
              label(job.conclusion(), job.continuedOnError()),
              job.duration().isZero() ? "" : format(job.duration()),
              job.conclusion() == Conclusion.SUCCESS || job.message() == null
                  ? ""
                  : job.message()));
      List<StepResult> steps = job.steps();
      for (StepResult step : steps) {
        boolean continued =
            step.outcome() == Conclusion.FAILURE && step.conclusion() == Conclusion.SUCCESS;
        table.append(
            String.format(
                row,
                "  " + cut(step.name(), width - 2),
                continued ? "failure*" : step.conclusion().label(),
                step.conclusion() == Conclusion.SKIPPED ? "" : format(step.duration()),
                step.message() == null || step.conclusion() == Conclusion.SKIPPED
                    ? ""
                    : step.message()));
      }
    }
    out.print(table);
    out.flush();
  }

  private synchronized void print(String line) {
    out.println(line);
    out.flush();
  }

  private static String label(Conclusion conclusion, boolean continuedOnError) {
    return continuedOnError ? "failure*" : conclusion.label();
  }

  private static String symbol(Conclusion conclusion) {
    return switch (conclusion) {
      case SUCCESS -> "✓";
      case FAILURE -> "✗";
      case CANCELLED -> "⊘";
      case SKIPPED -> "–";
    };
  }

  private static String cut(String s, int width) {
    return s.length() <= width ? s : s.substring(0, width - 1) + "…";
  }

  static String format(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + "ms";
    }
    if (ms < 60_000) {
      return String.format("%.1fs", ms / 1000.0);
    }
    return String.format("%dm%02ds", ms / 60_000, (ms / 1000) % 60);
  }
}
