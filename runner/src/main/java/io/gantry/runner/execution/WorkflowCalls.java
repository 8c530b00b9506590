package io.gantry.runner.execution;

import io.gantry.runner.expression.ExpressionContext;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Jobs of called (reusable) workflows on agents. The run's {@link JobDispatcher} is wrapped for a
 * called workflow's jobs ({@link #dispatcher}) so that each ready job carries what an agent needs
 * to run a job of that workflow rather than of the run's ({@link JobDispatcher.ReadyJob#call}), as
 * plain JSON-able values:
 *
 * <pre>
 * {"workflowSource": "…", "workflowFile": "owner/repo/.github/workflows/x.yml@v1",
 *  "inputs": {"name": "value"},
 *  "frames": [{"inherit": true} | {"secrets": {"NAME": "${{ secrets.X }}"}, "context": {…}}, …]}
 * </pre>
 *
 * No secret value is in it (it is stored with the queued job): {@code frames} say, call by call
 * from the run's workflow down, how the called workflow's secrets come from its caller's ({@code
 * secrets: inherit}, or the caller's {@code secrets:} expressions with the caller's {@code needs},
 * {@code strategy}, {@code matrix} and {@code inputs}), and the server that hands the job to an
 * agent computes them from the run's secrets ({@link #secrets}).
 */
public final class WorkflowCalls {

  private WorkflowCalls() {}

  /**
   * The dispatcher of a called workflow's jobs: {@code outer}'s, each ready job carrying the call.
   * Null when {@code outer} is (every job runs on this machine).
   */
  static JobDispatcher dispatcher(
      JobDispatcher outer,
      String workflowSource,
      String workflowFile,
      Map<String, String> inputs,
      Map<String, Object> frame) {
    if (outer == null) {
      return null;
    }
    JobDispatcher base = outer instanceof Calling calling ? calling.base : outer;
    List<Object> frames =
        new ArrayList<>(outer instanceof Calling calling ? calling.frames : List.of());
    frames.add(frame);
    Map<String, Object> call = new LinkedHashMap<>();
    call.put("workflowSource", workflowSource);
    call.put("workflowFile", workflowFile);
    call.put("inputs", new LinkedHashMap<>(inputs));
    call.put("frames", List.copyOf(frames));
    return new Calling(base, List.copyOf(frames), call);
  }

  /** The frame of a call passing every secret of its caller ({@code secrets: inherit}). */
  static Map<String, Object> inherit() {
    return Map.of("inherit", true);
  }

  /**
   * The frame of a call passing {@code secrets} (their expressions), evaluated in {@code context}
   * (the caller's needs, strategy, matrix and inputs) with the caller's secrets and vars.
   */
  static Map<String, Object> passing(Map<String, String> secrets, Map<String, Object> context) {
    Map<String, Object> frame = new LinkedHashMap<>();
    frame.put("secrets", new LinkedHashMap<>(secrets));
    frame.put("context", new LinkedHashMap<>(context));
    return frame;
  }

  /**
   * The secrets a job of the called workflow {@code call} describes sees, computed from the run's
   * {@code secrets} and {@code vars} call by call.
   *
   * @throws ExpressionException when a caller's {@code secrets:} expression cannot be evaluated
   *     here (one reading the {@code github} context, say)
   */
  public static Map<String, String> secrets(
      Map<?, ?> call, Map<String, String> secrets, Map<String, String> vars)
      throws ExpressionException {
    Map<String, String> current = new LinkedHashMap<>(secrets);
    if (!(call.get("frames") instanceof List<?> frames)) {
      return current;
    }
    for (Object f : frames) {
      if (!(f instanceof Map<?, ?> frame) || Boolean.TRUE.equals(frame.get("inherit"))) {
        continue;
      }
      Map<String, Object> contexts = new HashMap<>();
      if (frame.get("context") instanceof Map<?, ?> context) {
        context.forEach((k, v) -> contexts.put(String.valueOf(k), v));
      }
      contexts.put("secrets", new LinkedHashMap<String, Object>(current));
      contexts.put("vars", new LinkedHashMap<String, Object>(vars));
      ExpressionContext evaluation =
          new ExpressionContext(contexts, ExpressionContext.JobStatus.SUCCEEDING, null);
      Map<String, String> next = new LinkedHashMap<>();
      if (frame.get("secrets") instanceof Map<?, ?> passed) {
        for (Map.Entry<?, ?> secret : passed.entrySet()) {
          next.put(
              String.valueOf(secret.getKey()),
              Expressions.interpolate(String.valueOf(secret.getValue()), evaluation));
        }
      }
      current = next;
    }
    return current;
  }

  /** The run's dispatcher, for the jobs of one called workflow. */
  private static final class Calling implements JobDispatcher {

    private final JobDispatcher base;
    private final List<Object> frames;
    private final Map<String, Object> call;

    Calling(JobDispatcher base, List<Object> frames, Map<String, Object> call) {
      this.base = base;
      this.frames = frames;
      this.call = call;
    }

    @Override
    public boolean takes(List<String> labels) {
      return base.takes(labels);
    }

    @Override
    public JobResult run(ReadyJob job, RunListener listener, AtomicBoolean cancelled)
        throws InterruptedException {
      return base.run(job.withCall(call), listener, cancelled);
    }
  }
}
