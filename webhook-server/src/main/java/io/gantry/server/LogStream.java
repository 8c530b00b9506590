package io.gantry.server;

import io.gantry.runner.log.LogStore;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStatus;
import io.gantry.runner.store.RunStore;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import java.io.IOException;

/**
 * {@code GET /api/runs/{id}/logs/stream}: a run's log over Server-Sent Events, from the line after
 * {@code Last-Event-ID} (header, or the {@code last-event-id} query parameter) or from the first,
 * live while the run runs, then {@code end} with its conclusion. Each client gets a {@link
 * LogFollower}, written by the one {@link LogFanOut}; see {@link LiveLogs} for why none can miss a
 * line or slow the run.
 *
 * <p>A client that accepts {@code gzip} (browsers do) gets the stream gzipped: each batch of events
 * is compressed once for every such follower ({@link EventBytes}, {@link GzipStream}), which cuts
 * what a hundred followers cost the server in bytes written by about eight times.
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

  /**
   * Before the stream's headers go: a client that asks for the event stream and accepts {@code
   * gzip} gets it gzipped.
   */
  static void negotiate(Context ctx) {
    if ("text/event-stream".equals(ctx.header("Accept"))
        && acceptsGzip(ctx.header("Accept-Encoding"))) {
      ctx.header("Content-Encoding", "gzip");
      ctx.header("Vary", "Accept-Encoding");
    }
  }

  /** Whether an {@code Accept-Encoding} value accepts gzip (not with {@code q=0}). */
  static boolean acceptsGzip(String accepted) {
    if (accepted == null) {
      return false;
    }
    for (String coding : accepted.split(",")) {
      String[] parts = coding.split(";");
      if (!parts[0].strip().equalsIgnoreCase("gzip")) {
        continue;
      }
      for (int i = 1; i < parts.length; i++) {
        String parameter = parts[i].strip().replace(" ", "");
        if (parameter.matches("[qQ]=0(\\.0*)?")) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  void handle(SseClient client) {
    boolean gzip = "gzip".equals(client.ctx().res().getHeader("Content-Encoding"));
    long id;
    try {
      id = Long.parseLong(client.ctx().pathParam("id"));
    } catch (NumberFormatException e) {
      refuse(client, gzip, "run id must be a number");
      return;
    }
    long after;
    try {
      after = lastEventId(client);
    } catch (NumberFormatException e) {
      refuse(client, gzip, "Last-Event-ID must be a line number (0 or more)");
      return;
    }
    if (store.findRun(id).isEmpty()) {
      refuse(client, gzip, "no run " + id);
      return;
    }
    if (!live.admit()) {
      refuse(
          client,
          gzip,
          "too many live log followers (" + LiveLogs.MAX_FOLLOWERS + "); retry later");
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
    LogFollower follower = new LogFollower(client, log, completed, after, live::leave, gzip);
    try {
      follower.open(live::wake);
    } catch (IOException | IllegalStateException e) {
      // The client went away, or the response cannot be written without blocking.
      follower.close();
      return;
    }
    live.follow(follower);
  }

  /** An {@code error} event, then the end of the stream. */
  private static void refuse(SseClient client, boolean gzip, String message) {
    if (!gzip) {
      client.sendEvent("error", message);
      client.close();
      return;
    }
    try {
      java.util.zip.GZIPOutputStream out =
          new java.util.zip.GZIPOutputStream(client.ctx().res().getOutputStream());
      out.write(
          ("event: error\ndata: " + message + "\n\n")
              .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      out.finish();
      out.flush();
    } catch (IOException e) {
      // The client went away: nothing to tell it.
    }
    client.close();
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
