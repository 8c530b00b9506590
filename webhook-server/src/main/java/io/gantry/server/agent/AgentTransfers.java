package io.gantry.server.agent;

import io.gantry.runner.artifact.ArtifactException;
import io.gantry.runner.artifact.ArtifactStore;
import io.gantry.runner.cache.CacheStore;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.store.Agents;
import io.gantry.runner.store.ArtifactRecords.Artifact;
import io.gantry.runner.store.JobQueue;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStore;
import io.gantry.server.cache.FileRanges;
import io.gantry.server.web.Access;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Artifacts and caches of the jobs agents run, kept in this server's stores (not on the agents'
 * disks), so a job on one machine gets what a job of the same run saved on another. Every call
 * carries the agent's token and names a run the agent holds a job of; the artifacts and caches it
 * reaches are those of that run's repository.
 *
 * <ul>
 *   <li>{@code POST /api/agent/runs/{run}/cache}: a cache token for one job ({@code
 *       ACTIONS_RUNTIME_TOKEN}, scoped to the run's repository and ref), used against the cache
 *       protocol this server serves on its own port; {@code …/cache/revoke} ends it. A token whose
 *       agent holds no job of its run any more is revoked at the next issue.
 *   <li>{@code POST …/artifact-uploads} announces a zip (name, size, SHA-256); {@code PUT
 *       …/artifact-uploads/{id}?offset=N} writes a chunk of at most {@link #CHUNK_BYTES} at N; a
 *       chunk sent again (the answer was lost) overwrites what it sent before, so nothing is
 *       duplicated; {@code GET …/artifact-uploads/{id}} says how many bytes arrived, to resume
 *       after a dropped connection; {@code POST …/{id}/finish} checks size and digest and keeps it.
 *   <li>{@code GET …/artifacts?of=RUN} lists what a run sees; {@code GET …/artifacts/{id}/zip}
 *       serves a zip, in parts with {@code Range}.
 * </ul>
 */
public final class AgentTransfers {

  /** The largest chunk of an upload one request carries. */
  public static final int CHUNK_BYTES = 8 << 20;

  /** Uploads being received at once; more are refused until one finishes or goes stale. */
  static final int MAX_RECEIVING = 64;

  /** An upload nobody wrote to for this long is dropped. */
  static final long STALE_MILLIS = 60 * 60 * 1000L;

  private final Agents agents;
  private final JobQueue queue;
  private final RunStore store;
  private final ArtifactStore artifacts;
  private final Map<String, UploadState> receiving = new ConcurrentHashMap<>();
  private final AgentCacheTokens cacheTokens;

  /** A refusal: its status, error word and one-line message. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;
    final String error;

    Refused(int status, String error, String message) {
      super(message);
      this.status = status;
      this.error = error;
    }
  }

  private interface Call {
    void handle(Context ctx, Agents.AgentRecord agent, RunHistory.RunRecord run)
        throws Refused, IOException, ArtifactException;
  }

  /**
   * @param caches the server's cache store, or null when it serves none (agents' jobs then get no
   *     cache)
   */
  public AgentTransfers(
      Agents agents, JobQueue queue, RunStore store, ArtifactStore artifacts, CacheStore caches) {
    this.agents = agents;
    this.queue = queue;
    this.store = store;
    this.artifacts = artifacts;
    this.cacheTokens = new AgentCacheTokens(caches, queue);
  }

  public void routes(Javalin app) {
    String run = "/api/agent/runs/{run}";
    app.post(run + "/cache", handle(this::cacheToken));
    app.post(run + "/cache/revoke", handle(this::revokeCacheToken));
    app.post(run + "/artifact-uploads", handle(this::announce));
    app.put(run + "/artifact-uploads/{upload}", handle(this::chunk));
    app.get(run + "/artifact-uploads/{upload}", handle(this::status));
    app.post(run + "/artifact-uploads/{upload}/finish", handle(this::finish));
    app.get(run + "/artifacts", handle(this::list));
    app.get(run + "/artifacts/{id}/zip", handle(this::zip));
  }

  /** Whether a path is one of these routes': they check the agent's token themselves. */
  public static boolean isAgentPath(String path) {
    return path.startsWith("/api/agent/");
  }

  private io.javalin.http.Handler handle(Call call) {
    return ctx -> {
      try {
        Agents.AgentRecord agent = agent(ctx);
        call.handle(ctx, agent, heldRun(ctx, agent));
      } catch (Refused e) {
        ctx.status(e.status).json(Map.of("error", e.error, "message", e.getMessage()));
      } catch (ArtifactException e) {
        ctx.status(e.getMessage().contains("already exists") ? 409 : 400)
            .json(Map.of("error", "bad_request", "message", e.getMessage()));
      }
    };
  }

  private Agents.AgentRecord agent(Context ctx) throws Refused {
    String header = ctx.header("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      Optional<Agents.AgentRecord> found =
          agents.byTokenHash(Access.sha256(header.substring(7).strip()));
      if (found.isPresent() && !found.get().revoked()) {
        return found.get();
      }
    }
    throw new Refused(
        401,
        "unauthorized",
        "this agent's token is unknown or was revoked; register the agent again with"
            + " 'gantry agents add' and start it with the new token");
  }

  /** The run of the path, when the agent holds one of its jobs now. */
  private RunHistory.RunRecord heldRun(Context ctx, Agents.AgentRecord agent) throws Refused {
    long runId = number(ctx.pathParam("run"), "run");
    if (!holds(agent.id(), runId)) {
      throw new Refused(
          409,
          "lost",
          "this agent holds no running job of run " + runId + " (its lease expired?); stop it");
    }
    return store.findRun(runId).orElseThrow(() -> new Refused(404, "not_found", "no run " + runId));
  }

  private boolean holds(long agentId, long runId) {
    return queue.holdsJobOf(agentId, runId);
  }

  // ---- caches

  /** The cache tokens of agents' jobs, issued with their tickets or asked for here. */
  AgentCacheTokens cacheTokens() {
    return cacheTokens;
  }

  private void cacheToken(Context ctx, Agents.AgentRecord agent, RunHistory.RunRecord run)
      throws Refused, IOException {
    if (!cacheTokens.serving()) {
      throw new Refused(
          503,
          "no_cache",
          "this server serves no cache (another Gantry process holds its data directory's cache)");
    }
    Map<?, ?> body = json(ctx);
    String defaultBranch = body.get("defaultBranch") instanceof String s ? s : null;
    String token =
        cacheTokens.forRun(agent.id(), run.id(), run.repository(), run.ref(), defaultBranch);
    if (token == null) {
      throw new Refused(503, "busy", "too many jobs hold cache tokens; try again later");
    }
    ctx.json(Map.of("token", token));
  }

  private void revokeCacheToken(Context ctx, Agents.AgentRecord agent, RunHistory.RunRecord run)
      throws Refused, IOException {
    Object token = json(ctx).get("token");
    boolean revoked = token != null && cacheTokens.revoke(agent.id(), String.valueOf(token));
    ctx.json(Map.of("revoked", revoked));
  }

  // ---- artifact uploads

  private void announce(Context ctx, Agents.AgentRecord agent, RunHistory.RunRecord run)
      throws Refused, IOException, ArtifactException {
    Map<?, ?> body = json(ctx);
    String name = text(body, "name");
    String problem = io.gantry.runner.artifact.ArtifactNames.problem(name);
    if (problem != null) {
      throw new ArtifactException(problem);
    }
    long size = (long) AgentProtocol.number(body.get("size"));
    if (size < 0) {
      throw new Refused(400, "bad_request", "'size' must be 0 or more bytes");
    }
    if (size > artifacts.maxBytes()) {
      throw new Refused(
          413,
          "too_large",
          "the artifact '"
              + name
              + "' is "
              + size
              + " bytes, over this server's limit of "
              + artifacts.maxBytes()
              + " bytes; upload less (split it, or exclude files with '!' lines in 'path:')");
    }
    String sha256 = text(body, "sha256");
    if (!sha256.matches("[0-9a-fA-F]{64}")) {
      throw new Refused(400, "bad_request", "'sha256' must be 64 hex digits");
    }
    dropStale();
    if (receiving.size() >= MAX_RECEIVING) {
      throw new Refused(
          503, "busy", "this server receives " + MAX_RECEIVING + " uploads already; try again");
    }
    ArtifactStore.Upload upload =
        new ArtifactStore.Upload(
            run.id(),
            text(body, "job"),
            name,
            new ArtifactStore.Selection(Path.of(""), List.of()),
            0,
            AgentProtocol.integer(body.get("retentionDays")),
            Boolean.TRUE.equals(body.get("overwrite")));
    String id = UUID.randomUUID().toString();
    Path part = artifacts.receiving().resolve(id + ".part");
    Files.createFile(part);
    UploadState state =
        new UploadState(
            agent.id(), upload, AgentProtocol.integer(body.get("files")), size, sha256, part);
    state.save();
    receiving.put(id, state);
    ctx.status(201).json(Map.of("upload", id, "chunkBytes", CHUNK_BYTES));
  }

  /**
   * The upload of the path: one this server was told of, or one another server sharing its
   * artifacts folder was (its chunks may reach any server); what arrived read from the part file.
   */
  private UploadState receiving(Context ctx, Agents.AgentRecord agent, RunHistory.RunRecord run)
      throws Refused, IOException {
    String id = ctx.pathParam("upload");
    UploadState r = UploadState.validId(id) ? receiving.get(id) : null;
    if (r == null && UploadState.validId(id)) {
      r = UploadState.load(artifacts.receiving(), id).orElse(null);
      if (r != null) {
        receiving.put(id, r);
      }
    }
    boolean there = false;
    if (r != null) {
      synchronized (r) {
        there = r.refresh();
      }
    }
    if (!there) {
      receiving.remove(id);
    }
    if (!there || r.agentId != agent.id() || r.upload.runId() != run.id()) {
      throw new Refused(
          404,
          "not_found",
          "no upload "
              + ctx.pathParam("upload")
              + " of this agent in run "
              + run.id()
              + " (finished, dropped after an hour without a chunk, or announced to another"
              + " server whose artifacts folder this one does not share: share the servers'"
              + " artifacts/, or send an agent's requests to one server); announce it again");
    }
    r.touched = System.currentTimeMillis();
    return r;
  }

  private void chunk(Context ctx, Agents.AgentRecord agent, RunHistory.RunRecord run)
      throws Refused, IOException {
    UploadState r = receiving(ctx, agent, run);
    long offset = number(ctx.queryParam("offset"), "offset");
    long length = ctx.req().getContentLengthLong();
    if (length < 0) {
      throw new Refused(411, "length_required", "a chunk needs a Content-Length");
    }
    if (length > CHUNK_BYTES) {
      throw new Refused(
          413, "too_large", "a chunk is at most " + CHUNK_BYTES + " bytes, got " + length);
    }
    synchronized (r) {
      if (offset > r.received) {
        throw new Refused(
            409,
            "gap",
            "the upload holds "
                + r.received
                + " bytes; a chunk at "
                + offset
                + " would leave a gap: send from "
                + r.received);
      }
      if (offset + length > r.size) {
        throw new Refused(
            400,
            "bad_request",
            "a chunk at " + offset + " of " + length + " bytes passes the announced " + r.size);
      }
      try (FileChannel channel = FileChannel.open(r.part, StandardOpenOption.WRITE);
          InputStream in = ctx.req().getInputStream()) {
        // A chunk sent again replaces what was received from its offset on.
        channel.truncate(offset);
        r.received = offset;
        byte[] buffer = new byte[64 * 1024];
        long left = length;
        while (left > 0) {
          int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
          if (n < 0) {
            break;
          }
          ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, n);
          while (bytes.hasRemaining()) {
            r.received += channel.write(bytes, r.received);
          }
          left -= n;
        }
      }
      if (r.received != offset + length) {
        throw new Refused(
            400,
            "short",
            "the chunk ended after "
                + (r.received - offset)
                + " of "
                + length
                + " bytes; send from "
                + r.received);
      }
      ctx.json(Map.of("received", r.received));
    }
  }

  private void status(Context ctx, Agents.AgentRecord agent, RunHistory.RunRecord run)
      throws Refused, IOException {
    UploadState r = receiving(ctx, agent, run);
    synchronized (r) {
      ctx.json(Map.of("received", r.received, "size", r.size));
    }
  }

  private void finish(Context ctx, Agents.AgentRecord agent, RunHistory.RunRecord run)
      throws Refused, IOException, ArtifactException {
    UploadState r = receiving(ctx, agent, run);
    synchronized (r) {
      if (r.received != r.size) {
        throw new Refused(
            409,
            "incomplete",
            "the upload holds " + r.received + " of " + r.size + " bytes; send the rest first");
      }
      receiving.remove(ctx.pathParam("upload"));
      r.forget();
      List<String> log = new ArrayList<>();
      Artifact artifact = artifacts.adopt(r.upload, r.files, r.part, r.sha256, log::add);
      Map<String, Object> out = ArtifactJson.of(artifact);
      out.put("log", log);
      out.put("url", artifacts.urlOf(artifact));
      ctx.status(201).json(out);
    }
  }

  private void dropStale() throws IOException {
    long now = System.currentTimeMillis();
    for (Iterator<Map.Entry<String, UploadState>> it = receiving.entrySet().iterator();
        it.hasNext(); ) {
      UploadState r = it.next().getValue();
      if (now - r.touched > STALE_MILLIS) {
        it.remove();
        r.delete();
      }
    }
  }

  // ---- artifact downloads

  private void list(Context ctx, Agents.AgentRecord agent, RunHistory.RunRecord run)
      throws Refused {
    String of = ctx.queryParam("of");
    long target = of == null ? run.id() : number(of, "of");
    if (target != run.id()) {
      RunHistory.RunRecord other =
          store
              .findRun(target)
              .orElseThrow(() -> new Refused(404, "not_found", "no run " + target));
      sameRepository(run, other.repository(), "run " + target);
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (Artifact a : artifacts.list(target)) {
      out.add(ArtifactJson.of(a));
    }
    ctx.json(Map.of("artifacts", out));
  }

  private void zip(Context ctx, Agents.AgentRecord agent, RunHistory.RunRecord run)
      throws Refused, IOException, ArtifactException {
    long id = number(ctx.pathParam("id"), "artifact id");
    Artifact artifact =
        artifacts
            .byId(id)
            .orElseThrow(
                () -> new Refused(404, "not_found", "no artifact " + id + " (expired or deleted)"));
    sameRepository(run, artifact.repository(), "artifact " + id);
    FileRanges.serve(ctx, artifacts.fileOf(artifact), "application/zip");
  }

  private static void sameRepository(RunHistory.RunRecord run, String repository, String what)
      throws Refused {
    if (!run.repository().equals(repository)) {
      throw new Refused(
          403,
          "forbidden",
          what + " belongs to " + repository + "; a job reads its own repository's artifacts");
    }
  }

  private static Map<?, ?> json(Context ctx) throws Refused {
    try {
      if (Expressions.fromJson(ctx.body()) instanceof Map<?, ?> m) {
        return m;
      }
    } catch (ExpressionException e) {
      // answered below
    }
    throw new Refused(400, "bad_request", "the body must be a JSON object");
  }

  private static String text(Map<?, ?> body, String key) throws Refused {
    if (body.get(key) instanceof String s) {
      return s;
    }
    throw new Refused(400, "bad_request", "'" + key + "' must be a string");
  }

  private static long number(String text, String what) throws Refused {
    try {
      return Long.parseLong(text == null ? "" : text.strip());
    } catch (NumberFormatException e) {
      throw new Refused(400, "bad_request", what + " must be a number, got '" + text + "'");
    }
  }
}
