package io.gantry.server.agent;

import io.gantry.runner.execution.JobDispatcher;
import io.gantry.runner.execution.JobResult;
import io.gantry.runner.execution.RunRequest;
import io.gantry.runner.execution.WorkflowExecutor;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.git.RemoteRepository;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowException;
import io.gantry.runner.workflow.WorkflowParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code gantry agent}: claims jobs from a server over HTTP (long poll), runs each with the same
 * executor a server uses ({@link WorkflowExecutor#runJob}), streams its events back in bounded
 * batches ({@link AgentEvents}), which also renew its lease, and posts its result. {@link #drain}
 * (SIGTERM) stops claiming; running jobs finish. A token the server refuses (401: revoked) stops
 * the agent with one line.
 */
public final class AgentProcess {

  /** Exit code when the server refuses the agent's token. */
  public static final int REFUSED = 3;

  private static final int CLAIM_WAIT_SECONDS = 20;
  private static final int WORKFLOWS_KEPT = 8;

  private final String server;
  private final String token;
  private final List<String> labels;
  private final int workers;
  private final WorkflowExecutor executor;
  private final WorkflowParser parser;
  private final String version;
  private final PrintWriter out;
  private final AgentServices services;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicBoolean refused = new AtomicBoolean();
  private final AtomicInteger running = new AtomicInteger();
  private final List<Thread> threads = new ArrayList<>();
  private volatile java.util.function.LongFunction<io.gantry.runner.store.DeployHistory> deploys;

  /** Recently parsed workflows by file and source; guarded by itself. */
  private final Map<String, Workflow> workflows =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Workflow> eldest) {
          return size() > WORKFLOWS_KEPT;
        }
      };

  public AgentProcess(
      String server,
      String token,
      List<String> labels,
      int workers,
      WorkflowExecutor executor,
      WorkflowParser parser,
      String version,
      PrintWriter out,
      AgentServices services) {
    this.server = server.replaceAll("/+$", "");
    this.token = token;
    this.labels = List.copyOf(labels);
    this.workers = workers;
    this.executor = executor;
    this.parser = parser;
    this.version = version;
    this.out = out;
    this.services = services;
  }

  /** An answer of the server: its status and its JSON body. */
  record Answer(int status, Map<?, ?> body) {
    String message() {
      return body.get("message") == null ? "" : String.valueOf(body.get("message"));
    }
  }

  /**
   * Where the jobs record their deploys, by the job's id (the server's history, {@link
   * AgentServices#deployHistory}); null (the default): the executor's store.
   */
  public void keepDeploysWith(
      java.util.function.LongFunction<io.gantry.runner.store.DeployHistory> byJob) {
    this.deploys = byJob;
  }

  /** Runs until drained or refused; returns the exit code (0, or {@link #REFUSED}). */
  public int run() throws InterruptedException {
    out.println(
        "gantry agent: serving "
            + server
            + " with "
            + workers
            + " worker(s), labels "
            + labelsShown());
    out.flush();
    for (int i = 1; i <= workers; i++) {
      Thread t = new Thread(this::work, "gantry-agent-" + i);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    return refused.get() ? REFUSED : 0;
  }

  /** Stops claiming jobs; the running ones finish. Idle workers stop waiting at once. */
  public void drain() {
    if (draining.compareAndSet(false, true)) {
      out.println("gantry agent: draining: no new jobs; " + running.get() + " job(s) finishing");
      out.flush();
      for (Thread t : threads) {
        if (t.getName().endsWith("-idle")) {
          t.interrupt();
        }
      }
    }
  }

  /** Waits until every worker has ended. */
  public void awaitDrained() throws InterruptedException {
    for (Thread t : threads) {
      t.join();
    }
  }

  private String labelsShown() {
    List<String> shown = new ArrayList<>(List.of("self-hosted", os(), arch()));
    shown.addAll(labels);
    return String.join(",", shown);
  }

  private void work() {
    Thread me = Thread.currentThread();
    String name = me.getName();
    int failures = 0;
    while (!draining.get() && !refused.get()) {
      Answer answer;
      me.setName(name + "-idle");
      try {
        if (draining.get()) {
          return;
        }
        Map<String, Object> claim = claimBody();
        claim.put("waitSeconds", CLAIM_WAIT_SECONDS);
        answer = post("/api/agent/claim", claim, Duration.ofSeconds(CLAIM_WAIT_SECONDS + 20));
      } catch (InterruptedException e) {
        return;
      } catch (IOException e) {
        failures++;
        if (failures == 1 || failures % 20 == 0) {
          out.println(
              "gantry agent: cannot reach " + server + ": " + e.getMessage() + "; retrying");
          out.flush();
        }
        if (!pause(Math.min(10_000, 500L * failures))) {
          return;
        }
        continue;
      } finally {
        me.setName(name);
      }
      failures = 0;
      if (answer.status() == 401) {
        if (refused.compareAndSet(false, true)) {
          out.println(
              "gantry agent: the server refused this agent's token (401): " + answer.message());
          out.flush();
        }
        return;
      }
      if (answer.status() != 200) {
        out.println("gantry agent: claim failed (" + answer.status() + "): " + answer.message());
        out.flush();
        if (answer.status() == 403 || !pause(5_000)) {
          refused.set(answer.status() == 403 || refused.get());
          return;
        }
        continue;
      }
      // A job, then the next ones that came with each result, until none did: then claim.
      Map<?, ?> ticket = answer.body().get("job") instanceof Map<?, ?> t ? t : null;
      while (ticket != null) {
        running.incrementAndGet();
        try {
          ticket = runJob(ticket);
        } finally {
          running.decrementAndGet();
        }
      }
    }
  }

  /** What a claim says of this agent: its labels, OS, architecture and version. */
  private Map<String, Object> claimBody() {
    Map<String, Object> claim = new LinkedHashMap<>();
    claim.put("labels", labels);
    claim.put("os", os());
    claim.put("arch", arch());
    claim.put("version", version);
    return claim;
  }

  /**
   * Runs a claimed job and posts its result; returns the ticket of the next job that came with the
   * answer (its result asks for one unless the agent drains), or null.
   */
  private Map<?, ?> runJob(Map<?, ?> ticket) {
    long id = (long) AgentProtocol.number(ticket.get("id"));
    JobDispatcher.ReadyJob job = AgentChannel.readyJob(ticket);
    long leaseSeconds = (long) AgentProtocol.number(ticket.get("leaseSeconds"));
    out.println("gantry agent: job " + id + " '" + job.name() + "' of run " + job.runId());
    out.flush();
    AgentEvents events =
        new AgentEvents(this, id, Duration.ofMillis(Math.max(1000, leaseSeconds * 1000 / 3)));
    JobResult result;
    // The job's cache token came with its ticket: its services need not ask for one.
    services.ticket(job.runId(), job.key(), ticket);
    try {
      RunRequest request = request((Map<?, ?>) ticket.get("request"), job);
      events.start();
      result =
          executor.runJob(
              request,
              (long) AgentProtocol.number(ticket.get("runNumber")),
              AgentProtocol.integer(ticket.get("attempt")),
              job,
              events,
              events.cancelled(),
              deploys == null ? null : deploys.apply(id));
    } catch (WorkflowException | ExpressionException | RuntimeException e) {
      result =
          new JobResult(
              job.key(),
              job.jobId(),
              job.name(),
              job.matrix(),
              io.gantry.runner.execution.Conclusion.FAILURE,
              Map.of(),
              List.of(),
              Duration.ZERO,
              "the agent could not run it: " + e.getMessage(),
              false);
    } finally {
      services.ticketDone(job.runId(), job.key());
    }
    Map<String, Object> body = AgentProtocol.result(result);
    // The job's last events go with its result: one request, and the server stores them first.
    body.put("events", events.finish());
    if (!draining.get() && !refused.get()) {
      // The worker's next job, if one is queued, comes with the answer: no claim of its own.
      body.put("claim", claimBody());
    }
    Map<?, ?> next = null;
    try {
      Answer posted = postResult(id, body);
      if (posted.status() == 200 && posted.body().get("job") instanceof Map<?, ?> t) {
        next = t;
      }
      out.println(
          "gantry agent: job "
              + id
              + " "
              + result.conclusion().label()
              + (posted.status() == 200
                  ? ""
                  : " (the server answered " + posted.status() + ": " + posted.message() + ")"));
    } catch (IOException | InterruptedException e) {
      out.println("gantry agent: job " + id + ": cannot post its result: " + e.getMessage());
    }
    out.flush();
    return next;
  }

  /**
   * Posts a job's result, again when the server cannot be reached (a server behind the load
   * balancer died mid-request: another one takes it), at most 5 times over about 15 s.
   */
  private Answer postResult(long id, Map<String, Object> body)
      throws IOException, InterruptedException {
    for (int tries = 1; ; tries++) {
      try {
        return post("/api/agent/jobs/" + id + "/result", body, Duration.ofSeconds(60));
      } catch (IOException e) {
        if (tries >= 5) {
          throw e;
        }
        Thread.sleep(1000L * tries);
      }
    }
  }

  private RunRequest request(Map<?, ?> r, JobDispatcher.ReadyJob job)
      throws WorkflowException, ExpressionException {
    String file = String.valueOf(r.get("workflowFile"));
    Workflow workflow = parsed(String.valueOf(r.get("workflowSource")), file);
    Object payload = r.get("eventPayload");
    RemoteRepository remote =
        r.get("cloneUrl") == null
            ? null
            : new RemoteRepository(
                String.valueOf(r.get("repository")),
                String.valueOf(r.get("cloneUrl")),
                text(r.get("username")),
                text(r.get("password")),
                null);
    return new RunRequest(
        workflow,
        String.valueOf(r.get("repository")),
        String.valueOf(r.get("event")),
        payload instanceof Map<?, ?> ? objects(payload) : Map.of(),
        text(r.get("ref")),
        text(r.get("sha")),
        AgentProtocol.strings(r.get("inputs")),
        AgentProtocol.strings(r.get("secrets")),
        AgentProtocol.strings(r.get("vars")),
        AgentProtocol.strings(r.get("env")),
        Set.of(job.jobId()),
        null,
        remote,
        null,
        text(r.get("actor")));
  }

  /**
   * The workflow of a ticket, parsed once for the jobs of a run (a matrix of 200 sends the same
   * source 200 times); a few recent sources are kept.
   */
  private Workflow parsed(String source, String file) throws WorkflowException {
    String key = file + '\n' + source;
    synchronized (workflows) {
      Workflow cached = workflows.get(key);
      if (cached != null) {
        return cached;
      }
    }
    Workflow workflow = parser.parse(source, Path.of(file), file);
    synchronized (workflows) {
      workflows.put(key, workflow);
    }
    return workflow;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> objects(Object map) {
    return (Map<String, Object>) map;
  }

  private static String text(Object value) {
    return value == null ? null : String.valueOf(value);
  }

  Answer post(String path, Map<String, Object> body, Duration timeout)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(server + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofString(Expressions.toJson(body)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Map<?, ?> parsed;
    try {
      parsed = Expressions.fromJson(response.body()) instanceof Map<?, ?> m ? m : Map.of();
    } catch (ExpressionException e) {
      parsed = Map.of("message", response.body());
    }
    return new Answer(response.statusCode(), parsed);
  }

  PrintWriter out() {
    return out;
  }

  private static boolean pause(long millis) {
    try {
      Thread.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }

  /** GitHub's OS label of this machine: linux, macOS or windows. */
  static String os() {
    String name = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    return name.contains("win") ? "windows" : name.contains("mac") ? "macos" : "linux";
  }

  /** GitHub's architecture label of this machine: x64, arm64, arm or x86. */
  static String arch() {
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    return switch (arch) {
      case "amd64", "x86_64" -> "x64";
      case "aarch64", "arm64" -> "arm64";
      case "arm" -> "arm";
      default -> arch;
    };
  }
}
