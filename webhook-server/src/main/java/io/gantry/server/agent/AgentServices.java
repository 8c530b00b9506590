package io.gantry.server.agent;

import io.gantry.runner.artifact.RunArtifacts;
import io.gantry.runner.execution.JobServices;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the jobs of a {@code gantry agent} reach on its server rather than on the agent's disk (see
 * {@link AgentTransfers} for the server's side): the cache ({@code ACTIONS_CACHE_URL} is the
 * server's URL, {@code ACTIONS_RUNTIME_TOKEN} a token the server issues for the job and revokes
 * when it ends) and the run's artifacts ({@link AgentArtifacts}). Thread-safe.
 */
public final class AgentServices {

  private final String server;
  private final String token;
  private final Path transfers;

  /**
   * The cache token each claimed job's ticket carried, by run id and job key, until its job opens
   * its services; an absent value means the server issues no cache token (a key absent: an older
   * server, asked apart).
   */
  private final Map<String, Optional<String>> ticketTokens = new ConcurrentHashMap<>();

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  /**
   * @param transfers a folder of the agent's own for zips on their way up or down
   */
  public AgentServices(String server, String token, Path transfers) {
    this.server = server.replaceAll("/+$", "");
    this.token = token;
    this.transfers = transfers;
  }

  /**
   * Deletes the zips an agent killed mid-transfer left in its folder (at start, before any job).
   */
  public void clearLeftovers() throws IOException {
    if (!java.nio.file.Files.isDirectory(transfers)) {
      return;
    }
    try (var left = java.nio.file.Files.list(transfers)) {
      for (Path file : (Iterable<Path>) left::iterator) {
        java.nio.file.Files.deleteIfExists(file);
      }
    }
  }

  /**
   * A claimed job's ticket: the cache token it carries (the key {@code cacheToken}, null when the
   * server serves no cache) is what the job's services get; the server revokes it when the job's
   * result is in. Call {@link #ticketDone} when the job is over.
   */
  public void ticket(long runId, String jobKey, Map<?, ?> ticket) {
    if (ticket.containsKey("cacheToken")) {
      Object token = ticket.get("cacheToken");
      ticketTokens.put(
          runId + "/" + jobKey, Optional.ofNullable(token == null ? null : token.toString()));
    }
  }

  /** Forgets what a job's ticket carried (its job is over, or never opened its services). */
  public void ticketDone(long runId, String jobKey) {
    ticketTokens.remove(runId + "/" + jobKey);
  }

  /** The artifacts of one run, kept by the server. */
  public RunArtifacts artifacts(long runId) {
    return new AgentArtifacts(this, runId, transfers);
  }

  /**
   * The deploy history of the job {@code jobId} this agent holds: the server's, so its rollbacks,
   * API and pages see the job's deploys (see {@link AgentDeploys}).
   */
  public io.gantry.runner.store.DeployHistory deployHistory(long jobId) {
    return new AgentDeployHistory(this, jobId);
  }

  /**
   * {@code local} (the tool cache, …) with the cache pointed at the server: a job whose server
   * serves no cache gets none, rather than a cache on this machine that the run's other jobs could
   * not see.
   */
  public JobServices jobServices(JobServices local) {
    return job -> {
      JobServices.Lease base = local.open(job);
      Map<String, String> env = new LinkedHashMap<>(base.environment());
      env.remove("ACTIONS_CACHE_URL");
      env.remove("ACTIONS_RUNTIME_TOKEN");
      Optional<String> fromTicket = ticketTokens.remove(job.runId() + "/" + job.jobKey());
      if (fromTicket != null) {
        // The server issued it with the job's ticket and revokes it when the result is in.
        fromTicket.ifPresent(
            t -> {
              env.put("ACTIONS_CACHE_URL", server + "/");
              env.put("ACTIONS_RUNTIME_TOKEN", t);
            });
        return lease(env, base::close);
      }
      Map<String, Object> ask = new LinkedHashMap<>();
      ask.put("defaultBranch", job.defaultBranch());
      Answer answer;
      try {
        answer = send("POST", "/api/agent/runs/" + job.runId() + "/cache", ask);
      } catch (IOException | InterruptedException | RuntimeException e) {
        base.close();
        throw e;
      }
      String cacheToken =
          answer.status() == 200 && answer.body().get("token") instanceof String t ? t : null;
      if (cacheToken != null) {
        env.put("ACTIONS_CACHE_URL", server + "/");
        env.put("ACTIONS_RUNTIME_TOKEN", cacheToken);
      }
      return lease(
          env,
          () -> {
            base.close();
            if (cacheToken != null) {
              try {
                send(
                    "POST",
                    "/api/agent/runs/" + job.runId() + "/cache/revoke",
                    Map.of("token", cacheToken));
              } catch (IOException | InterruptedException e) {
                // The server revokes it when the agent no longer holds a job of the run.
                if (e instanceof InterruptedException) {
                  Thread.currentThread().interrupt();
                }
              }
            }
          });
    };
  }

  /** A job's lease giving {@code env} (copied) and running {@code onClose} when the job ends. */
  private static JobServices.Lease lease(Map<String, String> env, Runnable onClose) {
    Map<String, String> given = Map.copyOf(env);
    return new JobServices.Lease() {
      @Override
      public Map<String, String> environment() {
        return given;
      }

      @Override
      public void close() {
        onClose.run();
      }
    };
  }

  /** An answer of the server: its status and JSON body. */
  record Answer(int status, Map<?, ?> body) {
    String message() {
      Object m = body.get("message");
      return m == null ? "(no message)" : String.valueOf(m);
    }
  }

  /** A JSON call; {@code body} null for none. */
  Answer send(String method, String path, Map<String, Object> body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        request(path)
            .timeout(Duration.ofMinutes(2))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(Expressions.toJson(body)));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return answer(response.statusCode(), response.body());
  }

  static Answer answer(int status, String body) {
    Map<?, ?> parsed;
    try {
      parsed = Expressions.fromJson(body) instanceof Map<?, ?> m ? m : Map.of();
    } catch (ExpressionException e) {
      parsed = Map.of("message", body);
    }
    return new Answer(status, parsed);
  }

  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(server + path))
        .header("Authorization", "Bearer " + token);
  }

  HttpClient http() {
    return http;
  }

  String server() {
    return server;
  }
}
