package io.gantry.runner.execution;

import io.gantry.runner.workflow.Workflow;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/** A push run of a parsed workflow with its log lines collected, as several tests run one. */
final class TestRuns {

  private TestRuns() {}

  record Outcome(RunResult result, List<String> lines) {
    String log() {
      return String.join("\n", lines);
    }
  }

  /** A push of {@code main} to {@code acme/web}, checking out {@code checkout}, on the host. */
  static RunRequest push(Workflow workflow, Path checkout, Map<String, String> env) {
    return new RunRequest(
        workflow,
        "acme/web",
        "push",
        Map.of("ref", "refs/heads/main"),
        "refs/heads/main",
        "0123456789abcdef0123456789abcdef01234567",
        Map.of(),
        Map.of(),
        Map.of(),
        env,
        Set.of(),
        checkout,
        null,
        null,
        "tester");
  }

  /** Runs {@code request} to its end, collecting every log line. */
  static Outcome run(WorkflowExecutor executor, RunRequest request) throws Exception {
    List<String> lines = new CopyOnWriteArrayList<>();
    RunResult result =
        executor
            .start(
                request,
                new RunListener() {
                  @Override
                  public void logLine(String jobKey, LogLine line) {
                    lines.add(line.text());
                  }
                })
            .await();
    return new Outcome(result, lines);
  }
}
