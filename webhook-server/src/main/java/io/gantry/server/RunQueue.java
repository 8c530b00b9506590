package io.gantry.server;

import io.gantry.runner.expression.ExpressionContext;
import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.git.GitException;
import io.gantry.runner.git.Mirrors;
import io.gantry.runner.git.RemoteRepository;
import io.gantry.runner.log.LogStore;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.trigger.DispatchInputs;
import io.gantry.runner.trigger.EventPayloads;
import io.gantry.runner.trigger.TriggerContext;
import io.gantry.runner.trigger.TriggerMatcher;
import io.gantry.runner.workflow.Problem;
import io.gantry.runner.workflow.PushTrigger;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowException;
import io.gantry.runner.workflow.WorkflowParser;
import io.gantry.server.config.ServerConfig;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns triggers into QUEUED runs: a push (one run per workflow of the pushed commit whose {@code
 * on.push} matches), a manual dispatch, and a rerun. Each new run gets a {@code pending} commit
 * status and wakes the workers; nothing here waits for a run.
 */
final class RunQueue {

  static final String WORKFLOWS = CommitContent.WORKFLOWS;
  private static final List<String> YAML = List.of(".yml", ".yaml");

  /**
   * For {@link #defaultHead(ServerConfig.Repository, java.time.Duration)}: never stale once synced.
   */
  private static final java.time.Duration SYNCED_ONCE = java.time.Duration.ofNanos(Long.MAX_VALUE);

  private final ServerConfig config;
  private final RunStore store;
  private final Mirrors mirrors;
  private final WorkflowParser parser;
  private final LogStore logs;
  private final RunEvents events;
  private final Runnable wakeWorkers;

  private final CommitContent commits;

  RunQueue(
      ServerConfig config,
      RunStore store,
      Mirrors mirrors,
      WorkflowParser parser,
      LogStore logs,
      RunEvents events,
      Runnable wakeWorkers) {
    this.config = config;
    this.store = store;
    this.mirrors = mirrors;
    this.parser = parser;
    this.commits = new CommitContent(mirrors, parser, config.limits().workflowFileBytes());
    this.logs = logs;
    this.events = events;
    this.wakeWorkers = wakeWorkers;
  }

  /** What a trigger created: the runs, and why workflows did not run when none did. */
  record Created(List<Long> runIds, List<String> notes) {}

  /** A push: the workflows are read from the pushed commit itself. */
  Created push(
      ServerConfig.Repository repository,
      String ref,
      String before,
      String after,
      String pusher,
      Map<String, Object> payload,
      String deliveryId)
      throws GitException {
    RemoteRepository remote = remote(repository);
    Mirrors.FolderFiles folder = commits.workflowFiles(repository.name(), remote, after);
    Map<String, String> files = folder.files();
    payload = withHeadCommit(payload, repository.name(), remote, after);
    // The diff is taken only when a workflow filters on paths, and then once.
    List<String> changed = null;
    boolean diffed = false;
    List<Long> runs = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (Map.Entry<String, Long> large : folder.tooLarge().entrySet()) {
      // Reported as the invalid workflow file it is, not read (and not a 503 on every delivery).
      WorkflowException tooLarge =
          new WorkflowException(
              List.of(
                  new Problem(
                      io.gantry.runner.workflow.Location.of(large.getKey()),
                      Problem.Severity.ERROR,
                      "the workflow file is "
                          + large.getValue()
                          + " bytes, over the limit of "
                          + config.limits().workflowFileBytes()
                          + " bytes (limits.workflow-file-size in gantry.yml)")));
      runs.add(invalid(repository, large.getKey(), "", ref, after, payload, tooLarge));
    }
    for (Map.Entry<String, String> file : files.entrySet()) {
      if (!file.getKey().endsWith(".yml") && !file.getKey().endsWith(".yaml")) {
        continue;
      }
      Workflow workflow;
      try {
        workflow = commits.parsed(file.getKey(), file.getValue());
      } catch (WorkflowException e) {
        runs.add(invalid(repository, file.getKey(), file.getValue(), ref, after, payload, e));
        continue;
      }
      if (workflow.on().push() == null) {
        notes.add(file.getKey() + " does not run on push");
        continue;
      }
      PushTrigger trigger = workflow.on().push();
      if (!diffed && (trigger.paths() != null || trigger.pathsIgnore() != null)) {
        changed = mirrors.changedPaths(remote, before, after);
        diffed = true;
      }
      if (!TriggerMatcher.matchesPush(trigger, ref, changed)) {
        notes.add(file.getKey() + ": on.push filters do not match " + ref);
        continue;
      }
      runs.add(
          queue(
              repository,
              workflow,
              "push",
              ref,
              after,
              payload,
              Map.of(),
              "push by " + pusher + " (delivery " + deliveryId + ")"));
    }
    if (files.isEmpty() && folder.tooLarge().isEmpty()) {
      notes.add("the pushed commit has no " + WORKFLOWS + " files");
    }
    if (!runs.isEmpty()) {
      // Only then: a woken worker runs a claiming query, and most pushes in a burst start nothing.
      wakeWorkers.run();
    }
    return new Created(runs, notes);
  }

  /**
   * A bare repository's hook sends no commit message; GitHub's payload has it as {@code
   * head_commit} (workflows read it, the web UI lists it), so it is read from the mirror.
   */
  private Map<String, Object> withHeadCommit(
      Map<String, Object> payload, String repository, RemoteRepository remote, String sha) {
    if (payload.get("head_commit") != null || !payload.containsKey("head_commit")) {
      return payload;
    }
    try {
      Map<String, Object> commit = new java.util.LinkedHashMap<>();
      commit.put("id", sha);
      commit.put("message", commits.message(repository, remote, sha));
      Map<String, Object> copy = new java.util.LinkedHashMap<>(payload);
      copy.put("head_commit", commit);
      return copy;
    } catch (GitException e) {
      return payload;
    }
  }

  /** A manual {@code workflow_dispatch} run of one workflow at a ref. */
  long dispatch(
      ServerConfig.Repository repository,
      String ref,
      String workflowFile,
      Map<String, String> inputs,
      String sha,
      String actor)
      throws GitException, WorkflowException, DispatchInputs.InvalidInputsException {
    RemoteRepository remote = remote(repository);
    Map<String, String> files =
        mirrors
            .readFiles(remote, sha, WORKFLOWS, YAML, config.limits().workflowFileBytes())
            .files();
    String path = workflowFile.contains("/") ? workflowFile : WORKFLOWS + "/" + workflowFile;
    String source = files.get(path);
    if (source == null) {
      throw ApiException.notFound(
          "no workflow "
              + path
              + " in "
              + repository.name()
              + " at "
              + ref
              + "; workflows: "
              + String.join(", ", new TreeMap<>(files).keySet()));
    }
    Workflow workflow = parser.parse(source, Path.of(path), path);
    if (workflow.on().dispatch() == null) {
      throw ApiException.badRequest(
          path + " does not run on workflow_dispatch; add 'workflow_dispatch:' to its 'on:'");
    }
    Map<String, String> resolved =
        DispatchInputs.resolve(workflow.name(), workflow.on().dispatch(), inputs);
    long id =
        queue(
            repository,
            workflow,
            "workflow_dispatch",
            ref,
            sha,
            EventPayloads.dispatch(repository.name(), ref, resolved),
            resolved,
            "dispatched by " + actor);
    wakeWorkers.run();
    return id;
  }

  /**
   * The workflows at a commit that validate, by file; one that does not validate is left out (a
   * push of it already showed it failed).
   */
  Map<String, Workflow> workflowsAt(ServerConfig.Repository repository, String sha)
      throws GitException {
    Map<String, Workflow> workflows = new LinkedHashMap<>();
    for (Map.Entry<String, String> file :
        commits.workflowFiles(repository.name(), remote(repository), sha).files().entrySet()) {
      if (file.getKey().endsWith(".yml") || file.getKey().endsWith(".yaml")) {
        try {
          workflows.put(file.getKey(), commits.parsed(file.getKey(), file.getValue()));
        } catch (WorkflowException e) {
          // Reported when pushed; a schedule of a broken workflow does not fire.
        }
      }
    }
    return workflows;
  }

  /**
   * A run of a workflow for an event other than a push or a dispatch ({@code schedule}, {@code
   * repository_dispatch}, {@code workflow_run}), already matched by the caller.
   */
  long event(
      ServerConfig.Repository repository,
      Workflow workflow,
      String event,
      Head head,
      Map<String, Object> payload,
      String trigger) {
    long id =
        queue(repository, workflow, event, head.ref(), head.sha(), payload, Map.of(), trigger);
    wakeWorkers.run();
    return id;
  }

  /** A branch and its latest commit. */
  record Head(String ref, String sha) {
    /** The branch's name, without {@code refs/heads/}. */
    String branch() {
      return ref.replaceFirst("^refs/heads/", "");
    }
  }

  /**
   * The repository's default branch (where its HEAD points) and that branch's latest commit,
   * fetching first; empty when HEAD names no branch with a commit.
   */
  java.util.Optional<Head> defaultHead(ServerConfig.Repository repository) throws GitException {
    return defaultHead(repository, java.time.Duration.ZERO);
  }

  /**
   * As {@link #defaultHead(ServerConfig.Repository)}, fetching only when the mirror was last
   * fetched {@code fresh} ago or longer (see {@link Mirrors#defaultBranch(RemoteRepository,
   * java.time.Duration)}).
   */
  java.util.Optional<Head> defaultHead(ServerConfig.Repository repository, java.time.Duration fresh)
      throws GitException {
    RemoteRepository remote = remote(repository);
    java.util.Optional<String> branch = mirrors.defaultBranch(remote, fresh);
    if (branch.isEmpty()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new Head(branch.get(), mirrors.resolve(remote, branch.get())));
  }

  /**
   * As {@link #defaultHead(ServerConfig.Repository)}, but as the mirror already holds it: fetching
   * only when this process has not synced the mirror yet (pushes' webhooks fetch the mirror when
   * they bring a commit it lacks). For the readers that run after every run or on a timer, which
   * should not fetch the forge when nothing they read there concerns them.
   */
  java.util.Optional<Head> knownDefaultHead(ServerConfig.Repository repository)
      throws GitException {
    return defaultHead(repository, SYNCED_ONCE);
  }

  /** A new attempt of a run: same commit, same workflow content, same trigger and inputs. */
  RunHistory.RunRecord rerun(long runId, String actor, boolean failedOnly) {
    RunHistory.RunRecord record =
        store.createRerun(
            runId,
            (failedOnly ? "rerun of failed jobs by " : "rerun by ") + actor + " of run " + runId,
            Instant.now(),
            failedOnly);
    events.queued(record, failedOnly ? "queued (rerun of failed jobs)" : "queued (rerun)");
    wakeWorkers.run();
    return record;
  }

  private long queue(
      ServerConfig.Repository repository,
      Workflow workflow,
      String event,
      String ref,
      String sha,
      Map<String, Object> payload,
      Map<String, String> inputs,
      String trigger) {
    String group = null;
    boolean cancelInProgress = false;
    if (workflow.concurrency() != null) {
      ExpressionContext context = context(repository, workflow, event, ref, sha, payload, inputs);
      try {
        group = Expressions.interpolate(workflow.concurrency().group(), context);
        String cancel = workflow.concurrency().cancelInProgress();
        cancelInProgress =
            cancel != null
                && Expressions.truthy(Expressions.evaluateTemplate(cancel, context))
                && !"false".equalsIgnoreCase(cancel.strip());
      } catch (ExpressionException e) {
        group = workflow.concurrency().group();
      }
    }
    RunHistory.RunRecord record =
        store.createRun(
            new RunHistory.NewRun(
                repository.name(),
                workflow.file().toString(),
                workflow.name(),
                workflow.source(),
                event,
                ref,
                sha,
                inputs,
                trigger,
                Expressions.toJson(payload),
                group,
                cancelInProgress));
    if (cancelInProgress && group != null) {
      cancelOlder(repository.name(), group, record.id());
    }
    events.queued(record, "queued");
    return record.id();
  }

  /** {@code cancel-in-progress: true}: the new run replaces the older ones of its group. */
  private void cancelOlder(String repository, String group, long newest) {
    for (String status : List.of("QUEUED", "IN_PROGRESS")) {
      for (RunHistory.RunRecord older :
          store.listRuns(new RunHistory.RunFilter(repository, null, status, 500))) {
        if (older.id() >= newest) {
          continue;
        }
        store
            .details(older.id())
            .filter(d -> group.equals(d.concurrencyGroup()))
            .ifPresent(d -> store.requestCancel(older.id(), Instant.now()));
      }
    }
  }

  /** A workflow that does not validate still shows up, failed, with its problems in the log. */
  private long invalid(
      ServerConfig.Repository repository,
      String path,
      String source,
      String ref,
      String sha,
      Map<String, Object> payload,
      WorkflowException e) {
    return failed(
        repository,
        new NewFailed(path, path, source, "push", ref, sha, payload, "push (invalid workflow)"),
        e.problems().stream().map(problem -> "[" + path + "] Error: " + problem).toList(),
        "invalid workflow: " + e.problems().get(0).message());
  }

  /** A run that fails before it starts: what it would have run. */
  record NewFailed(
      String workflowFile,
      String workflowName,
      String source,
      String event,
      String ref,
      String sha,
      Map<String, Object> payload,
      String trigger) {}

  /**
   * A run that ends before it starts (an invalid workflow, a pull request that does not merge):
   * stored, concluded as a failure with {@code lines} in its log, and reported with {@code
   * description}.
   */
  long failed(
      ServerConfig.Repository repository, NewFailed run, List<String> lines, String description) {
    RunHistory.RunRecord record =
        store.createRun(
            new RunHistory.NewRun(
                repository.name(),
                run.workflowFile(),
                run.workflowName(),
                run.source(),
                run.event(),
                run.ref(),
                run.sha(),
                Map.of(),
                run.trigger(),
                Expressions.toJson(run.payload()),
                null,
                false));
    // Started at once: a worker claims QUEUED runs, and this one must never execute.
    Instant now = Instant.now();
    store.runStarted(record.id(), now);
    try (LogStore.StepLogFile log = logs.open(record.id(), "workflow", 0)) {
      for (String line : lines) {
        log.append(Instant.now() + " " + line);
      }
    }
    store.runFinished(record.id(), io.gantry.runner.store.Result.FAILURE, now);
    events.ended(
        record,
        io.gantry.runner.execution.Conclusion.FAILURE,
        io.gantry.runner.store.CommitState.FAILURE,
        description);
    return record.id();
  }

  private ExpressionContext context(
      ServerConfig.Repository repository,
      Workflow workflow,
      String event,
      String ref,
      String sha,
      Map<String, Object> payload,
      Map<String, String> inputs) {
    Map<String, Object> contexts = new HashMap<>();
    contexts.put(
        "github",
        TriggerContext.github(event, payload, ref, sha, repository.name(), workflow.name()));
    contexts.put("inputs", new LinkedHashMap<String, Object>(inputs));
    contexts.put("vars", new LinkedHashMap<String, Object>(repository.vars()));
    return new ExpressionContext(contexts, ExpressionContext.JobStatus.SUCCEEDING, null);
  }

  /** The commit a ref points at in the repository (fetching first). */
  String resolve(ServerConfig.Repository repository, String ref) throws GitException {
    // A dispatch names a branch as it is now, not as the mirror last saw it.
    RemoteRepository remote = remote(repository);
    mirrors.sync(remote);
    return mirrors.resolve(remote, ref);
  }

  RemoteRepository remote(ServerConfig.Repository repository) {
    ServerConfig.Credentials c = repository.credentials();
    return new RemoteRepository(
        repository.name(),
        repository.cloneUrl(),
        c == null ? null : c.username(),
        c == null || c.password() == null ? null : c.password().value(),
        c == null ? null : c.sshKey());
  }

  ServerConfig config() {
    return config;
  }
}
