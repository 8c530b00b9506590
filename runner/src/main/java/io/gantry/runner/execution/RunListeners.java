package io.gantry.runner.execution;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The one channel a run's events go out on: a composite that hands each event to its listeners in
 * order. Listeners are shielded from each other (JUnit's composite listener does the same): one
 * that throws is logged and the next still hears the event, and the run goes on.
 *
 * <p>The executor puts the run store first ({@link RunRecorder}, not shielded: the store's state
 * comes before anything reported from it) and the caller's listener after it. The server composes
 * its own listeners (live log followers, the commit-status outbox) with {@link #of}.
 */
public final class RunListeners {

  private static final System.Logger LOG = System.getLogger(RunListeners.class.getName());

  private RunListeners() {}

  /**
   * Every listener, in order, each shielded from the failures of the others; nulls are left out.
   */
  public static RunListener of(RunListener... listeners) {
    return new Composite(null, present(listeners));
  }

  private static List<RunListener> present(RunListener... listeners) {
    return Arrays.stream(listeners).filter(Objects::nonNull).toList();
  }

  /** The executor's channel: {@code first} unshielded (the store), then the shielded others. */
  static RunListener storeFirst(RunListener first, RunListener... others) {
    return new Composite(first, present(others));
  }

  private interface Event {
    void send(RunListener listener);
  }

  private static final class Composite implements RunListener {
    private final RunListener first;
    private final List<RunListener> others;

    Composite(RunListener first, List<RunListener> others) {
      this.first = first;
      this.others = others;
    }

    private void send(String name, Event event) {
      if (first != null) {
        event.send(first);
      }
      for (RunListener listener : others) {
        try {
          event.send(listener);
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "run listener failed on " + name + ": " + e);
        }
      }
    }

    @Override
    public void runStarted(long runId, long runNumber, String runName) {
      send("runStarted", l -> l.runStarted(runId, runNumber, runName));
    }

    @Override
    public void jobQueued(String jobKey, String jobName) {
      send("jobQueued", l -> l.jobQueued(jobKey, jobName));
    }

    @Override
    public void jobStarted(String jobKey, String jobName) {
      send("jobStarted", l -> l.jobStarted(jobKey, jobName));
    }

    @Override
    public void stepStarted(String jobKey, int number, String stepName) {
      send("stepStarted", l -> l.stepStarted(jobKey, number, stepName));
    }

    @Override
    public void logLine(String jobKey, LogLine line) {
      send("logLine", l -> l.logLine(jobKey, line));
    }

    @Override
    public void stepFinished(String jobKey, StepResult result) {
      send("stepFinished", l -> l.stepFinished(jobKey, result));
    }

    @Override
    public void jobFinished(JobResult result) {
      send("jobFinished", l -> l.jobFinished(result));
    }

    @Override
    public void runFinished(RunResult result) {
      send("runFinished", l -> l.runFinished(result));
    }
  }
}
