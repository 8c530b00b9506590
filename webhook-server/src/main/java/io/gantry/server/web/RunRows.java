package io.gantry.server.web;

import static io.gantry.server.web.Html.esc;

import io.gantry.runner.expression.ExpressionException;
import io.gantry.runner.expression.Expressions;
import io.gantry.runner.store.RunHistory;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One run as a row of the runs table: the same HTML for the page and its live updates. */
final class RunRows {

  private static final Pattern ACTOR =
      Pattern.compile(" by (.+?)(?: \\(delivery .*| of run \\d+)?$");

  private RunRows() {}

  static String header() {
    return "<thead><tr><th scope=\"col\"><span class=\"sr\">Status</span></th><th scope=\"col\">Workflow</th>"
        + "<th scope=\"col\">Run</th><th scope=\"col\">Commit</th><th scope=\"col\">Branch</th>"
        + "<th scope=\"col\">Trigger</th><th scope=\"col\">Actor</th><th scope=\"col\">Duration</th>"
        + "<th scope=\"col\">Age</th></tr></thead>";
  }

  static String row(RunHistory.RunSummary summary) {
    RunHistory.RunRecord run = summary.run();
    String href = "/runs/" + run.id();
    String message = commitMessage(summary.eventPayload());
    StringBuilder h = new StringBuilder(600);
    h.append("<tr id=\"run-")
        .append(run.id())
        .append("\" data-id=\"")
        .append(run.id())
        .append("\" data-state=\"")
        .append(esc(state(run)))
        .append("\">")
        .append("<td>")
        .append(Html.status(run.status(), run.conclusion()))
        .append("</td>")
        .append("<td><a href=\"")
        .append(href)
        .append("\">")
        .append(esc(run.workflowName() == null ? run.workflowFile() : run.workflowName()))
        .append("</a><div class=\"sub\">")
        .append(esc(run.repository()))
        .append("</div></td>")
        .append("<td><a href=\"")
        .append(href)
        .append("\">#")
        .append(run.runNumber())
        .append("</a>")
        .append(
            run.attempt() > 1 ? " <span class=\"sub\">attempt " + run.attempt() + "</span>" : "")
        .append("</td><td><code>")
        .append(esc(Html.shortSha(run.sha())))
        .append("</code> ")
        .append(esc(Html.firstLine(message, 72)))
        .append("</td>")
        .append("<td>")
        .append(esc(Html.branch(run.ref())))
        .append("</td>")
        .append("<td>")
        .append(esc(trigger(run.event(), summary.trigger())))
        .append("</td>")
        .append("<td>")
        .append(esc(actor(summary.trigger())))
        .append("</td>")
        .append("<td>")
        .append(esc(Html.duration(run.startedAt(), run.finishedAt())))
        .append("</td>")
        .append("<td>")
        .append(Html.age(run.createdAt()))
        .append("</td></tr>");
    return h.toString();
  }

  /** What the row's state is, for a live update to tell a change from a repeat. */
  static String state(RunHistory.RunRecord run) {
    return run.status() + "/" + run.conclusion() + "/" + run.startedAt() + "/" + run.finishedAt();
  }

  /** push, rerun, dispatch, schedule, or the event's name. */
  static String trigger(String event, String trigger) {
    if (trigger != null && trigger.startsWith("rerun")) {
      return "rerun";
    }
    return switch (event == null ? "" : event) {
      case "workflow_dispatch" -> "dispatch";
      default -> event;
    };
  }

  /** The person in a stored trigger ("push by dev (delivery …)", "rerun by ann of run 3"). */
  static String actor(String trigger) {
    if (trigger == null) {
      return "";
    }
    Matcher m = ACTOR.matcher(trigger);
    return m.find() ? m.group(1) : "";
  }

  /** The head commit's message of a push event, or null. */
  static String commitMessage(String payload) {
    if (payload == null || payload.isEmpty()) {
      return null;
    }
    try {
      if (Expressions.fromJson(payload) instanceof Map<?, ?> event
          && event.get("head_commit") instanceof Map<?, ?> commit
          && commit.get("message") instanceof String message) {
        return message;
      }
    } catch (ExpressionException e) {
      return null;
    }
    return null;
  }
}
