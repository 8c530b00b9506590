package io.gantry.server.web;

import static io.gantry.server.web.Html.esc;

import io.gantry.runner.deploy.ServiceRollback;
import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.DeployHistory.Deployment;
import io.gantry.runner.store.DeployHistory.ServiceKey;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;

/**
 * A service's deployments, newest first: outcome, task definition, images, commit, run, who and
 * when, the last known good one marked, and for an operator "roll back to this" on the earlier good
 * ones (the REST API's rollback, confirmed first; the page follows the history while it runs).
 * Rollback is offered for the services of the ECS endpoint the server's runs use, the one the API
 * rolls back on.
 */
final class DeploymentsPage {

  static final int LIMIT = 100;

  private final DeployHistory history;
  private final Map<String, String> awsEnv;

  DeploymentsPage(DeployHistory history, Map<String, String> awsEnv) {
    this.history = history;
    this.awsEnv = Map.copyOf(awsEnv);
  }

  static String href(ServiceKey key) {
    return "/services/"
        + Html.url(key.cluster())
        + "/"
        + Html.url(key.service())
        + "?endpoint="
        + Html.url(key.endpoint());
  }

  String render(Context ctx, Access.Principal user, String csrf) {
    String cluster = ctx.pathParam("cluster");
    String service = ctx.pathParam("service");
    ServiceKey home = null;
    String problem = null;
    try {
      home = ServiceRollback.serviceKey(awsEnv, cluster, service);
    } catch (IllegalArgumentException e) {
      problem = e.getMessage();
    }
    String endpoint = ctx.queryParam("endpoint");
    if ((endpoint == null || endpoint.isBlank()) && home == null) {
      throw new WebUi.BadRequest(
          "the server has no ECS endpoint of its own (" + problem + "); name one with ?endpoint=");
    }
    ServiceKey key =
        endpoint == null || endpoint.isBlank() ? home : new ServiceKey(endpoint, cluster, service);
    boolean canRollBack = user.operator() && csrf != null && key.equals(home);
    List<Deployment> deployments = history.list(key, LIMIT);
    Long good = null;
    for (Deployment d : deployments) {
      if (DeployHistory.Outcome.SUCCEEDED.equals(d.outcome())) {
        good = d.id();
        break;
      }
    }
    boolean busy =
        !deployments.isEmpty()
            && DeployHistory.Outcome.IN_PROGRESS.equals(deployments.get(0).outcome());
    StringBuilder h = new StringBuilder(16 * 1024);
    h.append("<section id=\"deployments\" data-busy=\"")
        .append(busy)
        .append("\"><h1>")
        .append(esc(cluster))
        .append('/')
        .append(esc(service))
        .append(" <span class=\"sub\">deployments</span></h1>")
        .append("<p class=\"sub\">ECS endpoint <code>")
        .append(esc(key.endpoint()))
        .append("</code></p>")
        .append("<p id=\"progress\" role=\"status\" aria-live=\"polite\">")
        .append(busy ? "A deployment is in progress…" : "")
        .append("</p>");
    if (deployments.isEmpty()) {
      h.append("<p class=\"empty\">No deployments recorded for this service.</p>");
    } else {
      h.append(
              "<div class=\"scroll\"><table class=\"deployments\"><thead><tr><th scope=\"col\">#</th>")
          .append(
              "<th scope=\"col\">Outcome</th><th scope=\"col\">Task definition</th><th scope=\"col\">Images</th>")
          .append(
              "<th scope=\"col\">Commit</th><th scope=\"col\">Run</th><th scope=\"col\">Who</th>")
          .append("<th scope=\"col\">When</th><th scope=\"col\">Took</th>")
          .append(canRollBack ? "<th scope=\"col\"><span class=\"sr\">Actions</span></th>" : "")
          .append("</tr></thead><tbody>");
      boolean first = true;
      for (Deployment d : deployments) {
        boolean isGood = good != null && good == d.id();
        h.append("<tr id=\"deployment-")
            .append(d.id())
            .append("\"")
            .append(isGood ? " class=\"good\"" : "")
            .append(">")
            .append("<td>")
            .append(d.id())
            .append("</td><td>")
            .append(
                Html.status(
                    DeployHistory.Outcome.IN_PROGRESS.equals(d.outcome()) ? "in_progress" : null,
                    RunsPage.outcomeState(d.outcome())))
            .append(' ')
            .append(esc(d.kind().label()))
            .append(' ')
            .append(esc(d.outcome().label()))
            .append(isGood ? " <strong class=\"badge\">last known good</strong>" : "")
            .append(d.message() == null ? "" : "<div class=\"sub\">" + esc(d.message()) + "</div>")
            .append(
                d.rollbackOf() == null
                    ? ""
                    : "<div class=\"sub\">undoes #" + d.rollbackOf() + "</div>")
            .append("</td><td><code>")
            .append(esc(d.taskDefinition()))
            .append("</code></td><td>");
        for (String image : d.images()) {
          h.append("<code class=\"image\">").append(esc(image)).append("</code> ");
        }
        h.append("</td><td><code>")
            .append(esc(Html.shortSha(d.sha())))
            .append("</code></td><td>")
            .append(
                d.runId() == null
                    ? ""
                    : "<a href=\"/runs/" + d.runId() + "\">run " + d.runId() + "</a>")
            .append("</td><td>")
            .append(esc(d.trigger()))
            .append("</td><td>")
            .append(Html.age(d.startedAt()))
            .append("</td><td>")
            .append(esc(Html.duration(d.startedAt(), d.finishedAt())))
            .append("</td>");
        if (canRollBack) {
          h.append("<td>");
          if (!first && DeployHistory.Outcome.SUCCEEDED.equals(d.outcome()) && !busy) {
            h.append("<button type=\"button\" data-rollback=\"")
                .append(d.id())
                .append("\" data-service=\"")
                .append(
                    esc(
                        "/api/services/"
                            + Html.url(cluster)
                            + "/"
                            + Html.url(service)
                            + "/rollback"))
                .append("\" data-task=\"")
                .append(esc(d.taskDefinition()))
                .append("\">Roll back to this</button>");
          }
          h.append("</td>");
        }
        h.append("</tr>");
        first = false;
      }
      h.append("</tbody></table></div>");
    }
    h.append("<pre id=\"rollback-log\" class=\"plain\" hidden></pre></section>");
    return Html.page(cluster + "/" + service, user, csrf, h.toString(), "deployments.js");
  }
}
