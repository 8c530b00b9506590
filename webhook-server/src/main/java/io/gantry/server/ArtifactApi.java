package io.gantry.server;

import io.gantry.runner.artifact.ArtifactException;
import io.gantry.runner.artifact.ArtifactNames;
import io.gantry.runner.artifact.ArtifactStore;
import io.gantry.runner.store.ArtifactRecords.Artifact;
import io.gantry.runner.store.RunHistory;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A run's artifacts over REST ({@code GET /api/runs/{id}/artifacts}, {@code GET
 * /api/runs/{id}/artifacts/{name}/zip}, read as every other {@code GET /api/…}), and the retention
 * sweep: at start and every {@link #SWEEP_EVERY}, expired artifacts are deleted.
 */
final class ArtifactApi implements AutoCloseable {

  static final Duration SWEEP_EVERY = Duration.ofHours(1);
  private static final Logger LOG = Logger.getLogger(ArtifactApi.class.getName());

  private final ArtifactStore artifacts;
  private final RunHistory runs;
  private final ScheduledExecutorService sweeper;

  ArtifactApi(ArtifactStore artifacts, RunHistory runs) {
    this.artifacts = artifacts;
    this.runs = runs;
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gantry-artifact-sweep");
              t.setDaemon(true);
              return t;
            });
  }

  void routes(Javalin app) {
    app.get("/api/runs/{id}/artifacts", this::list);
    app.get("/api/runs/{id}/artifacts/{name}/zip", this::zip);
  }

  void start() {
    // The sweep catches its own failures, so the future holds nothing worth reading.
    var unused =
        sweeper.scheduleWithFixedDelay(this::sweep, 0, SWEEP_EVERY.toSeconds(), TimeUnit.SECONDS);
  }

  private void sweep() {
    try {
      int deleted = artifacts.sweep();
      if (deleted > 0) {
        LOG.info("deleted " + deleted + " expired artifact(s)");
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "the artifact sweep failed; it runs again in an hour", e);
    }
  }

  private void list(Context ctx) {
    long id = runId(ctx);
    List<Map<String, Object>> list = new ArrayList<>();
    for (Artifact artifact : artifacts.list(id)) {
      list.add(json(artifact));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("runId", id);
    body.put("artifacts", list);
    ctx.json(body);
  }

  private void zip(Context ctx) throws Exception {
    long id = runId(ctx);
    String name = ctx.pathParam("name");
    String problem = ArtifactNames.problem(name);
    if (problem != null) {
      throw ApiException.badRequest(problem);
    }
    Artifact artifact =
        artifacts
            .find(id, name)
            .orElseThrow(
                () -> ApiException.notFound("run " + id + " has no artifact named '" + name + "'"));
    InputStream in;
    try {
      in = artifacts.open(artifact);
    } catch (ArtifactException e) {
      throw new ApiException(410, "gone", e.getMessage());
    }
    ctx.contentType("application/zip");
    ctx.header(
        "Content-Disposition", "attachment; filename=\"" + name.replace("\"", "") + ".zip\"");
    ctx.header("Content-Length", Long.toString(artifact.sizeBytes()));
    ctx.header("X-Artifact-Digest", "sha256:" + artifact.digest());
    ctx.result(in);
  }

  private long runId(Context ctx) {
    long id;
    try {
      id = Long.parseLong(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("run id must be a number, got '" + ctx.pathParam("id") + "'");
    }
    if (runs.findRun(id).isEmpty()) {
      throw ApiException.notFound("no run " + id);
    }
    return id;
  }

  /** An artifact as the API and {@code gantry artifacts} show it. */
  static Map<String, Object> json(Artifact artifact) {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("id", artifact.id());
    a.put("name", artifact.name());
    a.put("runId", artifact.runId());
    a.put("job", artifact.job());
    a.put("sizeBytes", artifact.sizeBytes());
    a.put("files", artifact.files());
    a.put("digest", "sha256:" + artifact.digest());
    a.put("createdAt", artifact.createdAt().toString());
    a.put("expiresAt", artifact.expiresAt().toString());
    return a;
  }

  @Override
  public void close() {
    sweeper.shutdownNow();
  }
}
