package io.gantry.runner.execution;

import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.log.LogStore.StepLogFile;
import io.gantry.runner.workflow.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The post steps of a job ({@link StepCall#addPost}): run once its steps are over, the last
 * registered first, each shown as a step of its own named {@code Post <step name>} as on GitHub,
 * numbered after the job's steps. A post step whose condition is false is not shown at all (GitHub
 * shows none either). A failing post step fails the job.
 */
final class PostSteps {

  /** What one step asked to run at the job's end, with the step's environment and inputs. */
  record Post(
      Step step,
      String name,
      Map<String, String> env,
      StepFields fields,
      String condition,
      StepCall.PostRun run) {}

  /** What a post step that runs after the job's timeout may take. */
  private static final Duration CLEAN_UP_BUDGET = Duration.ofMinutes(5);

  private PostSteps() {}

  /** Runs the registered posts, numbering them from {@code firstNumber}; returns their results. */
  static List<StepResult> runAll(JobScope scope, int firstNumber, long jobDeadline) {
    List<StepResult> results = new ArrayList<>();
    int number = firstNumber;
    while (!scope.posts.isEmpty()) {
      Post post = scope.posts.pop();
      StepResult result = run(scope, post, number, jobDeadline);
      if (result != null) {
        results.add(result);
        number++;
      }
    }
    return results;
  }

  private static StepResult run(JobScope scope, Post post, int number, long jobDeadline) {
    RunContext run = scope.run;
    String condition = post.condition() == null ? "always()" : post.condition();
    String conditionError = null;
    boolean runIt;
    try {
      runIt =
          Expressions.condition(
              condition, scope.expression(scope.stepContext(scope.envContext(null, null))));
    } catch (ExpressionException e) {
      runIt = true;
      conditionError = post.step().location() + ": post-if: " + e.getMessage();
    }
    if (!runIt) {
      return null;
    }
    String name = "Post " + post.name();
    Instant started = Instant.now();
    run.listener().stepStarted(scope.key, number, name);
    Conclusion conclusion;
    String message = null;
    try (StepLogFile file = run.logs().open(run.runId(), scope.key, number)) {
      StepOutput out = new StepOutput(run, scope.key, scope.name, name, file);
      if (conditionError != null) {
        conclusion = Conclusion.FAILURE;
        message = conditionError;
      } else {
        long deadline =
            scope.timedOut || System.nanoTime() - jobDeadline >= 0
                ? System.nanoTime() + CLEAN_UP_BUDGET.toNanos()
                : jobDeadline;
        JobStepCall call =
            new JobStepCall(
                scope,
                post.step(),
                number,
                name,
                post.env(),
                post.fields(),
                deadline,
                out,
                run.stepRunners());
        StepEnding ending = ending(post, call);
        if (ending instanceof StepEnding.Failed failed) {
          conclusion = Conclusion.FAILURE;
          message = failed.reason();
        } else if (ending instanceof StepEnding.TimedOut) {
          conclusion = Conclusion.FAILURE;
          message = "the post step exceeded its time";
        } else if (ending instanceof StepEnding.Cancelled cancelled) {
          conclusion = Conclusion.CANCELLED;
          message = cancelled.reason();
        } else {
          conclusion = Conclusion.SUCCESS;
        }
      }
      if (message != null && conclusion != Conclusion.SUCCESS) {
        out.error(message);
      }
      out.flush();
    }
    if (conclusion == Conclusion.FAILURE) {
      scope.failed = true;
    }
    StepResult result =
        new StepResult(
            number,
            null,
            name,
            conclusion,
            conclusion,
            Map.of(),
            Duration.between(started, Instant.now()),
            message);
    run.listener().stepFinished(scope.key, result);
    return result;
  }

  private static StepEnding ending(Post post, JobStepCall call) {
    try {
      return post.run().run(call);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return StepEnding.cancelled("the post step was interrupted");
    } catch (Exception e) {
      return StepEnding.failed(
          "Post "
              + post.step().uses()
              + " failed: "
              + (e.getMessage() != null ? e.getMessage() : e.toString()));
    }
  }
}
