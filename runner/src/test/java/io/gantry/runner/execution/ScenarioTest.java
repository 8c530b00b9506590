package io.gantry.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.builtin.BuiltInActions;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStatus;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.trigger.DispatchInputs;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowParser;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The scenario suite: each folder of {@code src/test/resources/scenarios} holds a {@code
 * workflow.yml} and an {@code expected.yml} with the run's expected conclusion, per-job and
 * per-step results and outputs, and log excerpts. Every scenario runs through the real parser,
 * executor, processes and store.
 *
 * <p>{@code expected.yml} keys: {@code conclusion}; {@code jobs: {KEY: {conclusion, outputs, steps:
 * {STEP NAME: CONCLUSION or {outcome, conclusion, outputs}}}}}; {@code log: {contains: [...],
 * absent: [...]}}; {@code secrets}, {@code inputs}, {@code event}, {@code ref}; {@code
 * cancel-when-log-contains}; {@code no-process-matching}; {@code step-logs: {JOB KEY/STEP NUMBER:
 * [...]}} (lines a given step's stored log contains).
 */
class ScenarioTest {

  @TempDir Path data;
  private RunStore store;
  private WorkflowExecutor executor;

  @BeforeEach
  void start() {
    store = Stores.openEmbedded(data);
    executor =
        new WorkflowExecutor(
            BuiltInActions.registry(),
            store,
            ExecutorOptions.defaults(data).withKillGracePeriod(Duration.ofSeconds(1)));
  }

  @AfterEach
  void stop() {
    executor.close();
    store.close();
  }

  static Stream<String> scenarios() throws IOException, URISyntaxException {
    Path root = Path.of(ScenarioTest.class.getResource("/scenarios").toURI());
    try (Stream<Path> dirs = Files.list(root)) {
      return dirs
          .filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .sorted()
          .toList()
          .stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void scenarioRunsAsExpected(String name) throws Exception {
    Path dir = Path.of(ScenarioTest.class.getResource("/scenarios/" + name).toURI());
    Map<String, Object> expected =
        map(
            new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(dir.resolve("expected.yml"))));
    Workflow workflow =
        new WorkflowParser(BuiltInActions.registry())
            .parse(dir.resolve("workflow.yml"), name + "/workflow.yml");

    String event = (String) expected.getOrDefault("event", "push");
    Map<String, String> inputs = strings(expected.get("inputs"));
    if (event.equals("workflow_dispatch")) {
      inputs = DispatchInputs.resolve(workflow.name(), workflow.on().dispatch(), inputs);
    }
    RunRequest request =
        new RunRequest(
            workflow,
            "acme/" + name,
            event,
            Map.of("ref", "refs/heads/main"),
            (String) expected.getOrDefault("ref", "refs/heads/main"),
            "0123456789abcdef0123456789abcdef01234567",
            inputs,
            strings(expected.get("secrets")),
            Map.of(),
            Map.of(),
            Set.of(),
            dir,
            null,
            null,
            "tester");

    List<LogLine> lines = new CopyOnWriteArrayList<>();
    String cancelMarker = (String) expected.get("cancel-when-log-contains");
    WorkflowExecutor.Execution[] self = new WorkflowExecutor.Execution[1];
    RunListener listener =
        new RunListener() {
          @Override
          public void logLine(String jobKey, LogLine line) {
            lines.add(line);
            if (cancelMarker != null && line.text().contains(cancelMarker)) {
              synchronized (self) {
                while (self[0] == null) {
                  try {
                    self.wait();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                  }
                }
              }
              self[0].cancel();
            }
          }
        };
    WorkflowExecutor.Execution execution = executor.start(request, listener);
    synchronized (self) {
      self[0] = execution;
      self.notifyAll();
    }
    RunResult result = execution.await();

    assertThat(result.conclusion().label())
        .as("run conclusion; jobs: %s", describe(result))
        .isEqualTo(expected.get("conclusion"));
    Map<String, Object> jobs = map(expected.getOrDefault("jobs", Map.of()));
    for (Map.Entry<String, Object> job : jobs.entrySet()) {
      JobResult actual =
          result.jobs().stream()
              .filter(j -> j.key().equals(job.getKey()))
              .findFirst()
              .orElseThrow(
                  () -> new AssertionError("no job " + job.getKey() + " in " + describe(result)));
      checkJob(actual, map(job.getValue()));
    }
    if (expected.containsKey("job-count")) {
      assertThat(result.jobs()).hasSize(((Number) expected.get("job-count")).intValue());
    }

    List<String> texts = lines.stream().map(LogLine::text).toList();
    List<String> stored = executor.logs().readRun(result.runId());
    Map<String, Object> log = map(expected.getOrDefault("log", Map.of()));
    for (Object excerpt : list(log.get("contains"))) {
      assertThat(texts).as("live log").anyMatch(t -> t.contains(excerpt.toString()));
      assertThat(stored).as("stored log").anyMatch(t -> t.contains(excerpt.toString()));
    }
    for (Object excerpt : list(log.get("absent"))) {
      assertThat(texts).as("live log").noneMatch(t -> t.contains(excerpt.toString()));
      assertThat(stored).as("stored log").noneMatch(t -> t.contains(excerpt.toString()));
    }
    Map<String, Object> stepLogs = map(expected.getOrDefault("step-logs", Map.of()));
    for (Map.Entry<String, Object> e : stepLogs.entrySet()) {
      String[] parts = e.getKey().split("/");
      List<String> stepLines =
          executor.logs().read(result.runId(), parts[0], Integer.parseInt(parts[1]));
      for (Object excerpt : list(e.getValue())) {
        assertThat(stepLines)
            .as("log of %s", e.getKey())
            .anyMatch(t -> t.contains(excerpt.toString()));
      }
    }
    // Every line is stored timestamped and tagged with its job (and step).
    assertThat(stored).allMatch(l -> l.matches("^\\d{4}-\\d\\d-\\d\\dT[^ ]+ \\[[^]]+\\] .*"));

    Object processes = expected.get("no-process-matching");
    if (processes != null) {
      assertThat(
              ProcessHandle.allProcesses()
                  .map(p -> p.info().commandLine().orElse(""))
                  .filter(c -> c.contains(processes.toString())))
          .as("processes left behind")
          .isEmpty();
    }

    // The store agrees with the result.
    RunHistory.RunRecord record = store.findRun(result.runId()).orElseThrow();
    assertThat(record.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(record.conclusion().label()).isEqualTo(result.conclusion().label());
    Set<String> storedJobs = new LinkedHashSet<>();
    store.jobsOf(result.runId()).forEach(j -> storedJobs.add(j.jobKey() + "=" + j.conclusion()));
    Set<String> resultJobs = new LinkedHashSet<>();
    result.jobs().forEach(j -> resultJobs.add(j.key() + "=" + j.conclusion().label()));
    assertThat(storedJobs).containsExactlyInAnyOrderElementsOf(resultJobs);
  }

  private static void checkJob(JobResult actual, Map<String, Object> expected) {
    if (expected.containsKey("conclusion")) {
      assertThat(actual.conclusion().label())
          .as("conclusion of job %s (%s)", actual.key(), actual.message())
          .isEqualTo(expected.get("conclusion"));
    }
    if (expected.containsKey("name")) {
      assertThat(actual.name()).isEqualTo(expected.get("name"));
    }
    if (expected.containsKey("message")) {
      assertThat(actual.message()).contains(expected.get("message").toString());
    }
    if (expected.containsKey("outputs")) {
      assertThat(actual.outputs()).isEqualTo(strings(expected.get("outputs")));
    }
    Map<String, Object> steps = map(expected.getOrDefault("steps", Map.of()));
    for (Map.Entry<String, Object> step : steps.entrySet()) {
      StepResult result =
          actual.steps().stream()
              .filter(s -> s.name().equals(step.getKey()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new AssertionError(
                          "no step '"
                              + step.getKey()
                              + "' in job "
                              + actual.key()
                              + ": "
                              + actual.steps().stream().map(StepResult::name).toList()));
      if (step.getValue() instanceof String conclusion) {
        assertThat(result.conclusion().label())
            .as("conclusion of step '%s' (%s)", step.getKey(), result.message())
            .isEqualTo(conclusion);
      } else {
        Map<String, Object> e = map(step.getValue());
        if (e.containsKey("outcome")) {
          assertThat(result.outcome().label())
              .as("outcome of '%s'", step.getKey())
              .isEqualTo(e.get("outcome"));
        }
        if (e.containsKey("conclusion")) {
          assertThat(result.conclusion().label())
              .as("conclusion of '%s' (%s)", step.getKey(), result.message())
              .isEqualTo(e.get("conclusion"));
        }
        if (e.containsKey("outputs")) {
          assertThat(result.outputs()).isEqualTo(strings(e.get("outputs")));
        }
        if (e.containsKey("message")) {
          assertThat(result.message()).contains(e.get("message").toString());
        }
      }
    }
  }

  private static String describe(RunResult result) {
    List<String> jobs = new ArrayList<>();
    for (JobResult j : result.jobs()) {
      jobs.add(
          j.key()
              + "="
              + j.conclusion().label()
              + (j.message() != null ? " (" + j.message() + ")" : ""));
    }
    return String.join(", ", jobs);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return value == null ? Map.of() : (Map<String, Object>) value;
  }

  private static List<?> list(Object value) {
    return value == null ? List.of() : (List<?>) value;
  }

  private static Map<String, String> strings(Object value) {
    Map<String, String> strings = new LinkedHashMap<>();
    map(value).forEach((k, v) -> strings.put(k, v == null ? "" : v.toString()));
    return strings;
  }
}
