package io.gantry.server.agent;

import io.gantry.runner.execution.Conclusion;
import io.gantry.runner.execution.JobDispatcher;
import io.gantry.runner.execution.JobResult;
import io.gantry.runner.execution.LogLine;
import io.gantry.runner.execution.StepResult;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What server and agent say to each other over HTTP, as JSON maps: a job's ticket (server to
 * agent), its events and its result (agent to server). Both sides use this class, so the two ends
 * of each field are written once.
 *
 * <p>Endpoints (all POST, {@code Authorization: Bearer <agent token>}): {@code /api/agent/claim}
 * (long poll for a job), {@code /api/agent/jobs/{id}/events} (a batch of at most {@value
 * #MAX_BATCH} events; renews the lease; answers whether to cancel), {@code
 * /api/agent/jobs/{id}/result} (the result, and in {@code events} the job's last events not yet
 * posted, at most {@value #MAX_BATCH}, replayed before the job completes; with {@code claim}, a
 * claim's body without its wait, the answer's {@code job} is the worker's next job's ticket when
 * one is queued, else null). A ticket's {@code cacheToken} is the job's {@code
 * ACTIONS_RUNTIME_TOKEN} for the server's cache (null: none), revoked when the result is in.
 */
public final class AgentProtocol {

  /** The most events one batch carries: a bounded body on the server. */
  public static final int MAX_BATCH = 500;

  private AgentProtocol() {}

  static Map<String, Object> jobStarted() {
    return Map.of("type", "jobStarted");
  }

  static Map<String, Object> stepStarted(int number, String name) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("type", "stepStarted");
    e.put("number", number);
    e.put("name", name);
    return e;
  }

  static Map<String, Object> log(LogLine line) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("type", "log");
    e.put("time", line.time().toString());
    e.put("job", line.job());
    e.put("step", line.step());
    e.put("kind", line.kind().name());
    e.put("text", line.text());
    return e;
  }

  static LogLine logLine(Map<?, ?> e) {
    return new LogLine(
        Instant.parse(String.valueOf(e.get("time"))),
        String.valueOf(e.get("job")),
        e.get("step") == null ? null : String.valueOf(e.get("step")),
        LogLine.Kind.valueOf(String.valueOf(e.get("kind"))),
        String.valueOf(e.get("text")));
  }

  static Map<String, Object> stepFinished(StepResult r) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("type", "stepFinished");
    e.put("number", r.number());
    e.put("id", r.id());
    e.put("name", r.name());
    e.put("outcome", r.outcome() == null ? null : r.outcome().name());
    e.put("conclusion", r.conclusion() == null ? null : r.conclusion().name());
    e.put("outputs", r.outputs());
    e.put("millis", r.duration() == null ? 0 : r.duration().toMillis());
    e.put("message", r.message());
    return e;
  }

  static StepResult stepResult(Map<?, ?> e) {
    return new StepResult(
        integer(e.get("number")),
        e.get("id") == null ? null : String.valueOf(e.get("id")),
        String.valueOf(e.get("name")),
        conclusion(e.get("outcome")),
        conclusion(e.get("conclusion")),
        strings(e.get("outputs")),
        Duration.ofMillis((long) number(e.get("millis"))),
        e.get("message") == null ? null : String.valueOf(e.get("message")));
  }

  static Map<String, Object> result(JobResult r) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("conclusion", r.conclusion().name());
    e.put("outputs", r.outputs());
    e.put("message", r.message());
    e.put("continuedOnError", r.continuedOnError());
    e.put("millis", r.duration().toMillis());
    return e;
  }

  static JobResult jobResult(JobDispatcher.ReadyJob job, Map<?, ?> e) {
    return new JobResult(
        job.key(),
        job.jobId(),
        job.name(),
        job.matrix(),
        conclusion(e.get("conclusion")),
        strings(e.get("outputs")),
        List.of(),
        Duration.ofMillis((long) number(e.get("millis"))),
        e.get("message") == null ? null : String.valueOf(e.get("message")),
        Boolean.TRUE.equals(e.get("continuedOnError")));
  }

  /** The ready context the orchestrator stores with a queued job (no secrets). */
  static Map<String, Object> spec(JobDispatcher.ReadyJob job) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("jobId", job.jobId());
    e.put("key", job.key());
    e.put("name", job.name());
    e.put("labels", job.labels());
    e.put("matrix", job.matrix());
    e.put("strategy", job.strategy());
    e.put("needs", job.needs());
    if (!job.call().isEmpty()) {
      // A job of a called workflow: which one, its inputs, how its secrets come (no values).
      e.put("call", job.call());
    }
    return e;
  }

  @SuppressWarnings("unchecked")
  static JobDispatcher.ReadyJob readyJob(long runId, Map<?, ?> spec) {
    return new JobDispatcher.ReadyJob(
        runId,
        String.valueOf(spec.get("jobId")),
        String.valueOf(spec.get("key")),
        String.valueOf(spec.get("name")),
        spec.get("labels") instanceof List<?> l
            ? l.stream().map(String::valueOf).toList()
            : List.of(),
        spec.get("matrix") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of(),
        spec.get("strategy") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of(),
        spec.get("needs") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of(),
        spec.get("call") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of());
  }

  static Conclusion conclusion(Object value) {
    return value == null
        ? null
        : Conclusion.valueOf(String.valueOf(value).toUpperCase(Locale.ROOT));
  }

  static Map<String, String> strings(Object value) {
    Map<String, String> out = new LinkedHashMap<>();
    if (value instanceof Map<?, ?> m) {
      m.forEach((k, v) -> out.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
    }
    return out;
  }

  static int integer(Object value) {
    return (int) number(value);
  }

  static double number(Object value) {
    return value instanceof Number n ? n.doubleValue() : 0;
  }
}
