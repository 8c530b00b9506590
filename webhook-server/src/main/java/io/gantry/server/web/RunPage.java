package io.gantry.server.web;

import static io.gantry.server.web.Html.esc;

import io.gantry.runner.log.LogStore;
import io.gantry.runner.store.Result;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStatus;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.workflow.InputSpec;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowException;
import io.gantry.runner.workflow.WorkflowParser;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A run: its facts (event, commit, workflow file, inputs), its jobs as columns by the depth of
 * their {@code needs} (matrix legs grouped under their job), each job's steps with their logs
 * (streamed live by {@code run.js} from the run's SSE stream, or read per step once the run ended),
 * the step summaries, and for an operator the rerun, cancel and dispatch actions, which call the
 * REST API.
 *
 * <p>The part that changes while the run runs ({@link #live}) is also served alone, for the page to
 * swap in; logs already shown are kept by the script.
 */
final class RunPage {

  private final RunStore store;
  private final LogStore logs;
  private final WorkflowParser parser;
  private final io.gantry.runner.artifact.ArtifactStore artifacts;
  private volatile java.util.function.LongFunction<Map<String, String>> jobWaits = run -> Map.of();

  RunPage(
      RunStore store,
      LogStore logs,
      WorkflowParser parser,
      io.gantry.runner.artifact.ArtifactStore artifacts) {
    this.store = store;
    this.logs = logs;
    this.parser = parser;
    this.artifacts = artifacts;
  }

  void jobWaits(java.util.function.LongFunction<Map<String, String>> waits) {
    this.jobWaits = waits;
  }

  /** Why the run's jobs that nobody has taken wait, by key; none once it has completed. */
  private Map<String, String> waits(RunHistory.RunRecord run) {
    return run.status() == RunStatus.COMPLETED ? Map.of() : jobWaits.apply(run.id());
  }

  String render(RunHistory.RunDetails details, Access.Principal user, String csrf) {
    RunHistory.RunRecord run = details.run();
    Workflow workflow = workflow(details);
    StringBuilder h = new StringBuilder(32 * 1024);
    h.append("<div id=\"live\" data-run=\"")
        .append(run.id())
        .append("\" data-completed=\"")
        .append(run.status() == RunStatus.COMPLETED)
        .append("\" data-sig=\"")
        .append(esc(signature(run.id(), run)))
        .append("\" data-operator=\"")
        .append(user.operator() && csrf != null)
        .append("\">");
    h.append(live(details, workflow, user.operator() && csrf != null));
    h.append("</div>");
    h.append("<section class=\"logtools\" aria-label=\"log tools\">")
        .append("<label><input type=\"checkbox\" id=\"ts\"> Timestamps</label>")
        .append(
            "<label>Search logs <input type=\"search\" id=\"search\" placeholder=\"text\"></label>")
        .append("<span id=\"hits\" aria-live=\"polite\"></span>")
        .append("<a href=\"/api/runs/")
        .append(run.id())
        .append("/logs\" download=\"run-")
        .append(run.id())
        .append(".log\">Download the whole log</a></section>");
    h.append(summaries(run.id()));
    if (user.operator() && csrf != null && workflow != null && workflow.on().dispatch() != null) {
      h.append(dispatchForm(run, workflow));
    }
    String title =
        (run.workflowName() == null ? run.workflowFile() : run.workflowName())
            + " #"
            + run.runNumber();
    return Html.page(title, user, csrf, h.toString(), "run.js");
  }

  /** The header, actions, graph and jobs: what changes while the run runs. */
  String live(RunHistory.RunDetails details, Workflow workflow, boolean operator) {
    RunHistory.RunRecord run = details.run();
    List<RunHistory.JobRecord> jobs = store.jobsOf(run.id());
    StringBuilder h = new StringBuilder(16 * 1024);
    String message = RunRows.commitMessage(details.eventPayload());
    h.append("<section class=\"runhead\"><h1>")
        .append(Html.status(run.status(), run.conclusion()))
        .append(' ')
        .append(esc(run.workflowName() == null ? run.workflowFile() : run.workflowName()))
        .append(" <span class=\"sub\">#")
        .append(run.runNumber())
        .append(" · attempt ")
        .append(run.attempt())
        .append("</span></h1><dl class=\"facts\">");
    fact(h, "Repository", esc(run.repository()));
    fact(
        h,
        "Event",
        esc(run.event())
            + " <span class=\"sub\">("
            + esc(RunRows.trigger(run.event(), details.trigger()))
            + ")</span>");
    fact(h, "Triggered", esc(details.trigger()));
    fact(h, "Branch", esc(Html.branch(run.ref())));
    fact(
        h,
        "Commit",
        "<code title=\""
            + esc(run.sha())
            + "\">"
            + esc(Html.shortSha(run.sha()))
            + "</code> "
            + esc(Html.firstLine(message, 100)));
    fact(h, "Workflow file", "<code>" + esc(run.workflowFile()) + "</code>");
    fact(h, "Created", Html.age(run.createdAt()));
    fact(h, "Duration", esc(Html.duration(run.startedAt(), run.finishedAt())));
    if (details.rerunOf() != null) {
      fact(
          h,
          "Rerun of",
          "<a href=\"/runs/"
              + details.rerunOf()
              + "\">run "
              + details.rerunOf()
              + "</a>"
              + (details.failedOnly() ? " (failed jobs only)" : ""));
    }
    if (details.waitingReason() != null && run.status() == RunStatus.QUEUED) {
      fact(h, "Waiting", esc(details.waitingReason()));
    }
    if (details.interrupted()) {
      fact(h, "Interrupted", "its server stopped while it ran");
    }
    if (!details.inputs().isEmpty()) {
      StringBuilder inputs = new StringBuilder("<table class=\"inputs\">");
      new TreeMap<>(details.inputs())
          .forEach(
              (k, v) ->
                  inputs
                      .append("<tr><th scope=\"row\">")
                      .append(esc(k))
                      .append("</th><td><code>")
                      .append(esc(v))
                      .append("</code></td></tr>"));
      fact(h, "Inputs", inputs.append("</table>").toString());
    }
    h.append("</dl>");
    if (operator) {
      h.append("<div class=\"actions\">");
      if (run.status() == RunStatus.COMPLETED) {
        h.append("<button type=\"button\" data-action=\"rerun\" data-run=\"")
            .append(run.id())
            .append("\">Rerun all jobs</button>");
        if (jobs.stream()
                .anyMatch(j -> j.conclusion() != Result.SUCCESS && j.conclusion() != Result.SKIPPED)
            || run.conclusion() != Result.SUCCESS) {
          h.append("<button type=\"button\" data-action=\"rerun-failed\" data-run=\"")
              .append(run.id())
              .append("\">Rerun failed jobs</button>");
        }
      } else {
        h.append("<button type=\"button\" class=\"danger\" data-action=\"cancel\" data-run=\"")
            .append(run.id())
            .append("\">Cancel run</button>");
      }
      h.append("<span class=\"result\" role=\"status\" aria-live=\"polite\"></span></div>");
    }
    h.append("</section>");
    Map<Long, List<RunHistory.StepRecord>> steps = new HashMap<>();
    for (RunHistory.JobRecord job : jobs) {
      steps.put(job.id(), store.stepsOf(job.id()));
    }
    JobGraph.graph(h, jobs, workflow);
    h.append("<section class=\"jobs\" aria-label=\"jobs\">");
    Map<String, String> waits = waits(run);
    for (RunHistory.JobRecord job : jobs) {
      job(h, run, job, steps.get(job.id()), waits.get(job.jobKey()));
    }
    if (jobs.isEmpty()) {
      h.append("<p class=\"empty\">No job has started yet.</p>");
    }
    h.append("</section>");
    artifacts(h, run.id());
    return h.toString();
  }

  /** The run's artifacts, each a link to its zip (the REST API's, read with the session). */
  private void artifacts(StringBuilder h, long runId) {
    if (artifacts == null) {
      return;
    }
    List<io.gantry.runner.store.ArtifactRecords.Artifact> list = artifacts.list(runId);
    if (list.isEmpty()) {
      return;
    }
    h.append("<section class=\"artifacts\" aria-label=\"artifacts\"><h2>Artifacts</h2><ul>");
    for (io.gantry.runner.store.ArtifactRecords.Artifact a : list) {
      h.append("<li><a href=\"/api/runs/")
          .append(runId)
          .append("/artifacts/")
          .append(esc(Html.url(a.name())))
          .append("/zip\" download=\"")
          .append(esc(a.name()))
          .append(".zip\">")
          .append(esc(a.name()))
          .append("</a> <span class=\"sub\">")
          .append(esc(size(a.sizeBytes())))
          .append(" · ")
          .append(a.files())
          .append(" file(s) · from ")
          .append(esc(a.job()))
          .append(" · expires ")
          .append(esc(a.expiresAt().toString().substring(0, 10)))
          .append("</span></li>");
    }
    h.append("</ul></section>");
  }

  static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    if (bytes < 1024 * 1024) {
      return String.format(java.util.Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
    return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
  }

  /** What the live part shows, in short: the page swaps it in only when this changes. */
  String signature(long runId, RunHistory.RunRecord run) {
    StringBuilder s = new StringBuilder(RunRows.state(run));
    if (artifacts != null) {
      s.append('|').append(artifacts.list(runId).size());
    }
    s.append('|').append(waits(run));
    for (RunHistory.JobRecord job : store.jobsOf(runId)) {
      s.append('|').append(job.id()).append(job.status()).append(job.conclusion());
      for (RunHistory.StepRecord step : store.stepsOf(job.id())) {
        s.append(',').append(step.number()).append(step.status()).append(step.conclusion());
      }
    }
    return Integer.toHexString(s.toString().hashCode());
  }

  private static void fact(StringBuilder h, String name, String html) {
    h.append("<div><dt>").append(esc(name)).append("</dt><dd>").append(html).append("</dd></div>");
  }

  private static void job(
      StringBuilder h,
      RunHistory.RunRecord run,
      RunHistory.JobRecord job,
      List<RunHistory.StepRecord> steps,
      String waiting) {
    String key = job.jobKey();
    h.append("<section class=\"job\" id=\"job-")
        .append(esc(key))
        .append("\" data-key=\"")
        .append(esc(key))
        .append("\"><h2>")
        .append(Html.status(job.status(), job.conclusion()))
        .append(' ')
        .append(esc(job.name()))
        .append(" <span class=\"sub\">")
        .append(esc(Html.duration(job.startedAt(), job.finishedAt())))
        .append("</span></h2>");
    if (waiting != null) {
      h.append("<p class=\"waiting\" role=\"status\">").append(esc(waiting)).append("</p>");
    }
    h.append("<ol class=\"steps\">");
    // Lines of the job itself (set-up, skips) come first, in the log of step 0.
    step(h, run, key, 0, "Set up job", "[" + job.name() + "] ", null, null, null, null);
    for (RunHistory.StepRecord step : steps) {
      step(
          h,
          run,
          key,
          step.number(),
          step.name(),
          "[" + job.name() + " / " + step.name() + "] ",
          step.status(),
          step.conclusion(),
          step.startedAt(),
          step.finishedAt());
    }
    h.append("</ol></section>");
  }

  private static void step(
      StringBuilder h,
      RunHistory.RunRecord run,
      String key,
      int number,
      String name,
      String prefix,
      RunStatus status,
      Result conclusion,
      java.time.Instant started,
      java.time.Instant finished) {
    String id = key + "-" + number;
    String raw = "/runs/" + run.id() + "/log/" + Html.url(key) + "/" + number;
    h.append("<li><details class=\"step\" id=\"step-")
        .append(esc(id))
        .append("\" data-id=\"")
        .append(esc(id))
        .append("\" data-raw=\"")
        .append(esc(raw))
        .append("\" data-prefix=\"")
        .append(esc(prefix))
        .append("\" data-status=\"")
        .append(esc(status))
        .append("\" data-conclusion=\"")
        .append(esc(conclusion))
        .append("\"><summary>")
        .append(number == 0 ? "<span class=\"st\">·</span>" : Html.status(status, conclusion))
        .append(' ')
        .append(esc(name))
        .append(" <span class=\"sub\">")
        .append(esc(Html.duration(started, finished)))
        .append("</span></summary><div class=\"logbar\"><a href=\"")
        .append(esc(raw))
        .append("?download=1\">raw</a></div>")
        .append("<div class=\"log\" role=\"log\" aria-label=\"log of ")
        .append(esc(name))
        .append("\"></div></details></li>");
  }

  /** The jobs' {@code $GITHUB_STEP_SUMMARY} markdown, raw HTML escaped, unsafe links dropped. */
  private String summaries(long runId) {
    StringBuilder h = new StringBuilder();
    for (RunHistory.JobRecord job : store.jobsOf(runId)) {
      Path file = logs.stepLog(runId, job.jobKey(), 0).resolveSibling("summary.md");
      String markdown = Markdown.read(file);
      if (markdown != null) {
        h.append("<section class=\"summary\"><h2>Summary of ")
            .append(esc(job.name()))
            .append("</h2>")
            .append(Markdown.render(markdown))
            .append("</section>");
      }
    }
    return h.toString();
  }

  private static String dispatchForm(RunHistory.RunRecord run, Workflow workflow) {
    StringBuilder h = new StringBuilder("<section class=\"dispatch\"><h2>Run this workflow</h2>");
    h.append("<form id=\"dispatch\" data-repo=\"")
        .append(esc(run.repository()))
        .append("\" data-workflow=\"")
        .append(esc(run.workflowFile()))
        .append("\"><label>Branch or ref <input name=\"ref\" required value=\"")
        .append(esc(Html.branch(run.ref())))
        .append("\"></label>");
    for (InputSpec input : workflow.on().dispatch().inputs().values()) {
      String name = "input." + input.name();
      String label =
          esc(input.name())
              + (input.required() ? " *" : "")
              + (input.description() == null
                  ? ""
                  : " <span class=\"sub\">" + esc(input.description()) + "</span>");
      String type = input.type() == null ? "string" : input.type();
      switch (type) {
        case "boolean" ->
            h.append("<label><input type=\"checkbox\" name=\"")
                .append(esc(name))
                .append("\" data-boolean=\"true\"")
                .append("true".equals(input.defaultValue()) ? " checked" : "")
                .append("> ")
                .append(label)
                .append("</label>");
        case "choice" -> {
          h.append("<label>")
              .append(label)
              .append(" <select name=\"")
              .append(esc(name))
              .append("\"")
              .append(input.required() ? " required" : "")
              .append(">");
          for (String option : input.options()) {
            h.append("<option")
                .append(option.equals(input.defaultValue()) ? " selected" : "")
                .append(">")
                .append(esc(option))
                .append("</option>");
          }
          h.append("</select></label>");
        }
        default ->
            h.append("<label>")
                .append(label)
                .append(" <input name=\"")
                .append(esc(name))
                .append("\" type=\"")
                .append("number".equals(type) ? "number\" step=\"any" : "text")
                .append("\" value=\"")
                .append(esc(input.defaultValue()))
                .append("\"")
                .append(input.required() ? " required" : "")
                .append("></label>");
      }
    }
    h.append(
        "<button type=\"submit\">Run workflow</button><span class=\"result\" role=\"status\" aria-live=\"polite\"></span></form></section>");
    return h.toString();
  }

  /** The run's stored workflow, or null when it does not validate (an invalid workflow's run). */
  Workflow workflow(RunHistory.RunDetails details) {
    try {
      String file = details.run().workflowFile();
      return parser.parse(details.workflowSource(), Path.of(file), file);
    } catch (WorkflowException | RuntimeException e) {
      return null;
    }
  }
}
