package io.gantry.server;

import io.gantry.runner.cron.Cron;
import io.gantry.runner.git.GitException;
import io.gantry.runner.store.ScheduleTicks;
import io.gantry.runner.store.StoreException;
import io.gantry.runner.trigger.EventPayloads;
import io.gantry.runner.workflow.Workflow;
import io.gantry.server.RunQueue.Head;
import io.gantry.server.config.ServerConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Fires {@code on.schedule} lines: for each configured repository, the workflows of its default
 * branch's latest commit, and for each cron line the latest tick due since the last one taken.
 *
 * <p>Durable: a tick is taken in the store ({@link ScheduleTicks#take}) before its run is queued,
 * so two servers sharing a store never both fire it, and a server that was down fires the latest
 * missed tick once when it starts (not once per missed tick). A schedule seen for the first time
 * owes nothing before that moment. Time comes from a {@link Clock}, so tests move it by hand and
 * call {@link #fireDue}.
 */
final class Schedules implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(Schedules.class.getName());

  /** How often the background pass runs; a tick fires at most this late. */
  static final Duration PERIOD = Duration.ofSeconds(20);

  /** How far back a missed tick is looked for after downtime. */
  private static final Duration LOOK_BACK = Duration.ofDays(366);

  private final ServerConfig config;
  private final ScheduleTicks ticks;
  private final RunQueue queue;
  private final Clock clock;
  private final Set<String> reported = ConcurrentHashMap.newKeySet();
  private volatile ScheduledExecutorService timer;

  Schedules(ServerConfig config, ScheduleTicks ticks, RunQueue queue, Clock clock) {
    this.config = config;
    this.ticks = ticks;
    this.queue = queue;
    this.clock = clock;
  }

  /**
   * A schedule and when it fires next.
   *
   * @param next ISO-8601 UTC, e.g. {@code 2026-12-06T11:00:00Z}
   */
  record Next(String repository, String workflowFile, String cron, String next) {}

  /**
   * Starts the background pass: once now (firing what was missed while down), then periodically.
   */
  void start() {
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gantry-schedules");
              t.setDaemon(true);
              return t;
            });
    // fireQuietly catches what a pass throws, so the future holds nothing worth reading.
    var unused =
        timer.scheduleWithFixedDelay(
            this::fireQuietly, 0, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void fireQuietly() {
    try {
      fireDue();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "schedules: " + e.getMessage(), e);
    }
  }

  /** One pass over every repository; returns the ids of the runs queued. */
  synchronized List<Long> fireDue() {
    List<Long> runs = new ArrayList<>();
    Instant now = clock.instant();
    for (ServerConfig.Repository repository : config.repositories()) {
      try {
        Optional<Head> head = head(repository);
        if (head.isEmpty()) {
          continue;
        }
        for (Map.Entry<String, Workflow> w :
            queue.workflowsAt(repository, head.get().sha()).entrySet()) {
          for (Cron cron : w.getValue().on().schedules()) {
            fire(repository, head.get(), w.getKey(), w.getValue(), cron, now).ifPresent(runs::add);
          }
        }
      } catch (GitException | StoreException e) {
        LOG.warning("schedules of " + repository.name() + " not checked: " + e.getMessage());
      }
    }
    return runs;
  }

  private Optional<Long> fire(
      ServerConfig.Repository repository,
      Head head,
      String file,
      Workflow workflow,
      Cron cron,
      Instant now) {
    String name = repository.name();
    Optional<Instant> last = ticks.last(name, file, cron.expression());
    if (last.isEmpty()) {
      ticks.take(name, file, cron.expression(), now, false, now);
      return Optional.empty();
    }
    Instant since = last.get().isBefore(now.minus(LOOK_BACK)) ? now.minus(LOOK_BACK) : last.get();
    Instant due = cron.latest(since, now);
    if (due == null || !ticks.take(name, file, cron.expression(), due, true, now)) {
      return Optional.empty();
    }
    long id =
        queue.event(
            repository,
            workflow,
            "schedule",
            head,
            EventPayloads.schedule(name, cron.expression(), head.branch()),
            "schedule '" + cron.expression() + "' of " + file + " at " + due);
    ticks.ranAs(name, file, cron.expression(), due, id);
    return Optional.of(id);
  }

  /** Every schedule of every repository's default branch with its next fire time, for the API. */
  List<Next> next() throws GitException {
    Instant now = clock.instant();
    List<Next> all = new ArrayList<>();
    for (ServerConfig.Repository repository : config.repositories()) {
      Optional<Head> head = head(repository);
      if (head.isEmpty()) {
        continue;
      }
      for (Map.Entry<String, Workflow> w :
          queue.workflowsAt(repository, head.get().sha()).entrySet()) {
        for (Cron cron : w.getValue().on().schedules()) {
          Instant next = cron.next(now);
          all.add(
              new Next(
                  repository.name(),
                  w.getKey(),
                  cron.expression(),
                  next == null ? null : next.toString()));
        }
      }
    }
    return all;
  }

  /**
   * The default branch and its latest commit; empty (reported once) when there is none.
   *
   * <p>Pushes fetch the mirror as they arrive (a pushed commit the mirror lacks is fetched before
   * its workflows are read), and this process fetched it once when it started. So the mirror says
   * whether the default branch has any schedule: a repository without one is not fetched again by
   * the pass (a fetch every period cost CPU and the mirror's lock while pushes were being taken,
   * for nothing). One with schedules is fetched when no push fetched it within a period, so that a
   * push whose webhook was lost still changes the schedules within a period, as before.
   */
  private Optional<Head> head(ServerConfig.Repository repository) throws GitException {
    Optional<Head> head = queue.knownDefaultHead(repository);
    if (head.isPresent() && hasSchedules(repository, head.get())) {
      head = queue.defaultHead(repository, PERIOD);
    }
    if (head.isEmpty()) {
      if (reported.add(repository.name())) {
        LOG.warning(
            "repository "
                + repository.name()
                + " has no default branch (its HEAD names no branch with a commit); its"
                + " schedules do not run until one is pushed");
      }
      return Optional.empty();
    }
    reported.remove(repository.name());
    return head;
  }

  private boolean hasSchedules(ServerConfig.Repository repository, Head head) throws GitException {
    for (Workflow workflow : queue.workflowsAt(repository, head.sha()).values()) {
      if (!workflow.on().schedules().isEmpty()) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    ScheduledExecutorService timer = this.timer;
    if (timer != null) {
      timer.shutdownNow();
      try {
        timer.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
