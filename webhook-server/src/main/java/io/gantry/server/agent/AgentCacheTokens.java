package io.gantry.server.agent;

import io.gantry.runner.cache.CacheStore;
import io.gantry.runner.store.JobQueue;
import java.io.IOException;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cache tokens ({@code ACTIONS_RUNTIME_TOKEN}) this server handed out for agents' jobs, each
 * scoped to its run's repository and ref, and revoked when its job is over. A token goes with the
 * ticket of the job an agent claims ({@link #forJob}) and is revoked when its result is in ({@link
 * #jobEnded}); an older agent asks for one apart ({@link #forRun}) and returns it itself. A token
 * whose job ended without saying so (its agent was killed) is revoked by the sweep at a later
 * issue. Thread-safe.
 */
final class AgentCacheTokens {

  /** Cache tokens handed out at once. */
  static final int MAX_TOKENS = 1024;

  /** How often issuing a token for a claimed job looks for tokens of jobs over. */
  private static final long SWEEP_MILLIS = 1000;

  private final CacheStore caches;
  private final JobQueue queue;
  private final Map<String, Holder> tokens = new ConcurrentHashMap<>();
  private volatile long lastSweep;

  /** Who holds a token: the agent, the run, and the job it came with (0: asked for apart). */
  private record Holder(long agentId, long runId, long jobId) {}

  /**
   * @param caches the server's cache store, or null when it serves none
   */
  AgentCacheTokens(CacheStore caches, JobQueue queue) {
    this.caches = caches;
    this.queue = queue;
  }

  boolean serving() {
    return caches != null;
  }

  /**
   * A token for a job an agent has just claimed, to go with its ticket: the agent asks for none and
   * returns none (two requests fewer per job). Null when this server serves no cache or too many
   * tokens are out.
   */
  String forJob(
      long agentId, long jobId, long runId, String repository, String ref, String defaultBranch) {
    if (caches == null) {
      return null;
    }
    long now = System.currentTimeMillis();
    if (now - lastSweep >= SWEEP_MILLIS || tokens.size() >= MAX_TOKENS) {
      lastSweep = now;
      sweepQuietly();
    }
    if (tokens.size() >= MAX_TOKENS) {
      return null;
    }
    String token = caches.issueToken(repository, ref, defaultBranch);
    tokens.put(token, new Holder(agentId, runId, jobId));
    return token;
  }

  /** A token an agent asks for apart from a ticket; null when too many are out. */
  String forRun(long agentId, long runId, String repository, String ref, String defaultBranch)
      throws IOException {
    sweep();
    if (tokens.size() >= MAX_TOKENS) {
      return null;
    }
    String token = caches.issueToken(repository, ref, defaultBranch);
    tokens.put(token, new Holder(agentId, runId, 0));
    return token;
  }

  /** An agent returns a token it asked for; false when it holds no such token. */
  boolean revoke(long agentId, String token) throws IOException {
    Holder holder = tokens.get(token);
    if (holder == null || holder.agentId() != agentId) {
      return false;
    }
    tokens.remove(token);
    caches.revokeToken(token);
    return true;
  }

  /** Job {@code jobId} is over: the token that came with its ticket stops working. */
  void jobEnded(long jobId) {
    for (Iterator<Map.Entry<String, Holder>> it = tokens.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Holder> e = it.next();
      if (e.getValue().jobId() == jobId) {
        it.remove();
        revokeQuietly(e.getKey());
      }
    }
  }

  private void sweepQuietly() {
    try {
      sweep();
    } catch (IOException | RuntimeException e) {
      // The next issue sweeps again.
    }
  }

  /**
   * Revokes the tokens of jobs that ended without saying so: those that came with a ticket when
   * their job is COMPLETED (one query for all of them), the others when their agent holds no job of
   * their run any more.
   */
  private void sweep() throws IOException {
    Set<Long> jobs = new HashSet<>();
    tokens.values().forEach(h -> jobs.add(h.jobId()));
    jobs.remove(0L);
    Set<Long> over = jobs.isEmpty() ? Set.of() : queue.completedAmong(jobs);
    for (Iterator<Map.Entry<String, Holder>> it = tokens.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Holder> e = it.next();
      Holder h = e.getValue();
      if (h.jobId() != 0 ? over.contains(h.jobId()) : !queue.holdsJobOf(h.agentId(), h.runId())) {
        it.remove();
        caches.revokeToken(e.getKey());
      }
    }
  }

  private void revokeQuietly(String token) {
    try {
      caches.revokeToken(token);
    } catch (IOException e) {
      // The token is gone; only its unfinished uploads' files stay, until the cache's own sweep.
    }
  }
}
