package io.gantry.server;

import io.gantry.runner.log.LogStore;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStatus;
import io.gantry.runner.store.RunStore;
import io.javalin.http.sse.SseClient;
import java.io.IOException;

/**
 * {@code GET /api/runs/{id}/logs/stream}: a run's log over Server-Sent Events, from the line after
 * {@code Last-Event-ID} (header, or the {@code last-event-id} query parameter) or from the first,
 * live while the run runs, then {@code end} with its conclusion. Each client gets a {@link
 * LogFollower}, written by the one {@link LogFanOut}; see {@link LiveLogs} for why none can miss a
 * line or slow the run.
 */
final class LogStream {

  private final RunStore store;
  private final LogStore logs;
  private final LiveLogs live;

  LogStream(RunStore store, LogStore logs, LiveLogs live) {
    this.store = store;
    this.logs = logs;
    this.live = live;
  }

  void handle(SseClient client) {
    long id;
    try {
      id = Long.parseLong(client.ctx().pathParam("id"));
    } catch (NumberFormatException e) {
      client.sendEvent("error", "run id must be a number");
      client.close();
      return;
    }
    long after;
    try {
      after = lastEventId(client);
    } catch (NumberFormatException e) {
      client.sendEvent("error", "Last-Event-ID must be a line number (0 or more)");
      client.close();
      return;
    }
    if (store.findRun(id).isEmpty()) {
      client.sendEvent("error", "no run " + id);
      client.close();
      return;
    }
    if (!live.admit()) {
      client.sendEvent(
          "error", "too many live log followers (" + LiveLogs.MAX_FOLLOWERS + "); retry later");
      client.close();
      return;
    }
    client.keepAlive();
    RunLog log = live.open(id);
    // The store says a run ended before its followers are told: read after opening, it decides.
    RunHistory.RunRecord now = store.findRun(id).orElseThrow();
    LogFollower.Completed completed = null;
    if (now.status() == RunStatus.COMPLETED) {
      String conclusion = String.valueOf(Api.label(now.conclusion()));
      if (log != null) {
        live.finished(id, conclusion);
      }
      log = null;
      completed =
          new LogFollower.Completed(
              logs.lineJournal(id), logs.runFiles(id), conclusion, live.marksOf(id));
    }
    LogFollower follower = new LogFollower(client, log, completed, after, live::leave);
    try {
      follower.open(live::wake);
    } catch (IOException | IllegalStateException e) {
      // The client went away, or the response cannot be written without blocking.
      follower.close();
      return;
    }
    live.follow(follower);
  }

  private static long lastEventId(SseClient client) {
    String given = client.ctx().header("Last-Event-ID");
    if (given == null || given.isBlank()) {
      given = client.ctx().queryParam("last-event-id");
    }
    if (given == null || given.isBlank()) {
      return 0;
    }
    long after = Long.parseLong(given.strip());
    if (after < 0) {
      throw new NumberFormatException("negative");
    }
    return after;
  }
}
