package io.gantry.server.web;

import static io.gantry.server.web.Html.esc;

import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStore;
import io.gantry.server.config.ServerConfig;
import io.javalin.http.Context;
import java.util.List;

/**
 * The home page: the services and what is live on each, then the runs, newest first, filtered by
 * repository, branch, workflow, status and event, a page at a time (keyset: {@code before=} the
 * last id shown); rows update live from {@link RunFeed}.
 */
final class RunsPage {

  static final int PAGE = 50;
  private static final List<String> STATUSES =
      List.of("queued", "in_progress", "completed", "success", "failure", "cancelled", "skipped");
  private static final List<String> EVENTS = List.of("push", "workflow_dispatch", "schedule");

  private final ServerConfig config;
  private final RunStore store;
  private final DeployHistory history;

  RunsPage(ServerConfig config, RunStore store, DeployHistory history) {
    this.config = config;
    this.store = store;
    this.history = history;
  }

  /** The query of a request's filters; blank values match all. */
  static RunHistory.RunQuery query(Context ctx, int limit) {
    Long before = null;
    String b = ctx.queryParam("before");
    if (b != null && !b.isBlank()) {
      try {
        before = Long.parseLong(b.strip());
      } catch (NumberFormatException e) {
        throw new WebUi.BadRequest("'before' must be a run id (a whole number), got '" + b + "'");
      }
    }
    return new RunHistory.RunQuery(
        blank(ctx.queryParam("repo")),
        blank(ctx.queryParam("branch")),
        blank(ctx.queryParam("workflow")),
        blank(ctx.queryParam("status")),
        blank(ctx.queryParam("event")),
        before,
        limit);
  }

  private static String blank(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  String render(Context ctx, Access.Principal user, String csrf) {
    RunHistory.RunQuery query = query(ctx, PAGE + 1);
    List<RunHistory.RunSummary> runs = store.page(query);
    boolean more = runs.size() > PAGE;
    if (more) {
      runs = runs.subList(0, PAGE);
    }
    StringBuilder h = new StringBuilder(64 * 1024);
    services(h);
    h.append("<section aria-labelledby=\"runs-h\"><h1 id=\"runs-h\">Runs</h1>");
    filters(h, query);
    h.append("<div class=\"scroll\"><table class=\"runs\" id=\"runs\" data-live=\"")
        .append(query.beforeId() == null ? "true" : "false")
        .append("\" data-feed=\"")
        .append(esc(feedQuery(query)))
        .append("\">")
        .append(RunRows.header())
        .append("<tbody>");
    for (RunHistory.RunSummary run : runs) {
      h.append(RunRows.row(run));
    }
    h.append("</tbody></table></div>");
    if (runs.isEmpty()) {
      h.append("<p class=\"empty\" id=\"no-runs\">No runs match.</p>");
    }
    h.append("<nav class=\"pages\" aria-label=\"pages\">");
    if (query.beforeId() != null) {
      h.append("<a href=\"/?").append(esc(feedQuery(query))).append("\">Newest</a>");
    }
    if (more) {
      String filters = feedQuery(query);
      h.append("<a rel=\"next\" href=\"/?")
          .append(esc(filters))
          .append(filters.isEmpty() ? "" : "&amp;")
          .append("before=")
          .append(runs.get(runs.size() - 1).run().id())
          .append("\">Older →</a>");
    }
    h.append("</nav></section>");
    return Html.page("Runs", user, csrf, h.toString(), "runs.js");
  }

  private void services(StringBuilder h) {
    List<DeployHistory.Deployment> services = history.services();
    h.append("<section aria-labelledby=\"svc-h\"><h1 id=\"svc-h\">Services</h1>");
    if (services.isEmpty()) {
      h.append("<p class=\"empty\">No deployments recorded yet.</p></section>");
      return;
    }
    h.append(
            "<div class=\"scroll\"><table class=\"services\"><thead><tr><th scope=\"col\">Service</th>")
        .append("<th scope=\"col\">Latest deployment</th><th scope=\"col\">Task definition</th>")
        .append("<th scope=\"col\">Commit</th><th scope=\"col\">When</th></tr></thead><tbody>");
    for (DeployHistory.Deployment d : services) {
      DeployHistory.ServiceKey key = d.service();
      h.append("<tr><td><a href=\"")
          .append(esc(DeploymentsPage.href(key)))
          .append("\">")
          .append(esc(key.cluster()))
          .append("/")
          .append(esc(key.service()))
          .append("</a>")
          .append("<div class=\"sub\">")
          .append(esc(key.endpoint()))
          .append("</div></td><td>")
          .append(Html.status(null, outcomeState(d.outcome())))
          .append(" ")
          .append(esc(d.kind().label()))
          .append(" ")
          .append(esc(d.outcome().label()))
          .append("</td><td><code>")
          .append(esc(d.taskDefinition()))
          .append("</code></td><td><code>")
          .append(esc(Html.shortSha(d.sha())))
          .append("</code></td><td>")
          .append(Html.age(d.startedAt()))
          .append("</td></tr>");
    }
    h.append("</tbody></table></div></section>");
  }

  /** The status icon's state of a deploy's outcome; null while it is in progress. */
  static String outcomeState(DeployHistory.Outcome outcome) {
    return switch (outcome) {
      case SUCCEEDED -> "success";
      case FAILED -> "failure";
      case ROLLED_BACK -> "cancelled";
      case IN_PROGRESS -> null;
    };
  }

  private void filters(StringBuilder h, RunHistory.RunQuery q) {
    h.append("<form class=\"filters\" method=\"get\" action=\"/\" role=\"search\">");
    h.append("<label>Repository <select name=\"repo\"><option value=\"\">all</option>");
    for (ServerConfig.Repository r : config.repositories()) {
      h.append(option(r.name(), r.name(), r.name().equals(q.repository())));
    }
    h.append("</select></label>")
        .append("<label>Branch <input name=\"branch\" value=\"")
        .append(esc(q.branch()))
        .append("\" size=\"12\"></label>")
        .append("<label>Workflow <input name=\"workflow\" value=\"")
        .append(esc(q.workflow()))
        .append("\" size=\"12\"></label>")
        .append("<label>Status <select name=\"status\"><option value=\"\">all</option>");
    for (String s : STATUSES) {
      h.append(option(s, s.replace('_', ' '), s.equalsIgnoreCase(q.status())));
    }
    h.append(
        "</select></label><label>Event <select name=\"event\"><option value=\"\">all</option>");
    for (String e : EVENTS) {
      h.append(option(e, e, e.equals(q.event())));
    }
    h.append("</select></label><button type=\"submit\">Filter</button></form>");
  }

  private static String option(String value, String label, boolean selected) {
    return "<option value=\""
        + esc(value)
        + "\""
        + (selected ? " selected" : "")
        + ">"
        + esc(label)
        + "</option>";
  }

  /** The filters as a query string (without before=). */
  static String feedQuery(RunHistory.RunQuery q) {
    StringBuilder s = new StringBuilder();
    param(s, "repo", q.repository());
    param(s, "branch", q.branch());
    param(s, "workflow", q.workflow());
    param(s, "status", q.status());
    param(s, "event", q.event());
    return s.toString();
  }

  private static void param(StringBuilder s, String name, String value) {
    if (value != null) {
      s.append(s.length() == 0 ? "" : "&").append(name).append('=').append(Html.url(value));
    }
  }
}
