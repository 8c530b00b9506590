package io.gantry.server.web;

import static io.gantry.server.web.Html.esc;

import io.gantry.runner.log.LogStore;
import io.gantry.runner.store.RunHistory;
import io.gantry.runner.store.RunStatus;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.workflow.WorkflowParser;
import io.gantry.server.config.ServerConfig;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The web UI of {@code gantry serve}, on the server's own port: {@code /} (services and runs),
 * {@code /runs/{id}} (a run, its jobs, steps and live logs), {@code /services/{cluster}/{service}}
 * (deployments and rollback), {@code /signin}. Pages are rendered here from the store; what they
 * change goes through the REST API (with the session's CSRF token), as the CLI's calls do. {@link
 * #routes} registers it all.
 */
public final class WebUi implements AutoCloseable {

  private static final String SIGNIN_COOKIE = "gantry_signin";
  private static final List<String> ASSETS =
      List.of("app.css", "app.js", "runs.js", "run.js", "deployments.js");

  /** A request the page cannot answer: a 400 page with the message. */
  static class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }

  private final Access access;
  private final RunStore store;
  private final LogStore logs;
  private final RunsPage runsPage;
  private final RunPage runPage;
  private final DeploymentsPage deploymentsPage;
  private final RunFeed feed;
  private final Map<String, byte[]> assets = new HashMap<>();

  /**
   * @param awsEnv the AWS variables the server's runs see: which ECS endpoint its services are on
   */
  public WebUi(
      ServerConfig config,
      Access access,
      RunStore store,
      LogStore logs,
      WorkflowParser parser,
      Map<String, String> awsEnv) {
    this(config, access, store, logs, parser, awsEnv, null);
  }

  /**
   * @param awsEnv the AWS variables the server's runs see: which ECS endpoint its services are on
   * @param artifacts the runs' artifacts, listed on the run page (null: none shown)
   */
  public WebUi(
      ServerConfig config,
      Access access,
      RunStore store,
      LogStore logs,
      WorkflowParser parser,
      Map<String, String> awsEnv,
      io.gantry.runner.artifact.ArtifactStore artifacts) {
    this.access = access;
    this.store = store;
    this.logs = logs;
    this.runsPage = new RunsPage(config, store, store.deployHistory());
    this.runPage = new RunPage(store, logs, parser, artifacts);
    this.deploymentsPage = new DeploymentsPage(store.deployHistory(), awsEnv);
    this.feed = new RunFeed(store);
    for (String name : ASSETS) {
      try (InputStream in = WebUi.class.getResourceAsStream("/web/" + name)) {
        if (in == null) {
          throw new IllegalStateException("web/" + name + " is missing from the jar");
        }
        assets.put(name, in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * Why each job of a run that nobody has taken yet waits (by job key; the API's {@code waiting}),
   * shown on the run page under the job.
   */
  public void jobWaits(java.util.function.LongFunction<Map<String, String>> waits) {
    runPage.jobWaits(waits);
  }

  public void routes(Javalin app) {
    app.get("/", ctx -> page(ctx, (user, csrf) -> runsPage.render(ctx, user, csrf)));
    app.get(
        "/runs/{id}", ctx -> page(ctx, (user, csrf) -> runPage.render(details(ctx), user, csrf)));
    app.get("/runs/{id}/live", this::live);
    app.get("/runs/{id}/log/{job}/{step}", this::stepLog);
    app.get(
        "/services/{cluster}/{service}",
        ctx -> page(ctx, (user, csrf) -> deploymentsPage.render(ctx, user, csrf)));
    app.sse(
        "/ui/feed/runs",
        client -> {
          if (access.reader(client.ctx()).isEmpty()) {
            client.sendEvent("error", "sign in first");
            client.close();
            return;
          }
          feed.subscribe(client, RunsPage.query(client.ctx(), RunsPage.PAGE));
        });
    app.get("/ui/assets/{name}", this::asset);
    app.get("/signin", this::signInPage);
    app.post("/signin", this::signIn);
    app.post("/signout", this::signOut);
    app.exception(
        BadRequest.class,
        (e, ctx) -> error(ctx, e instanceof NotFound ? 404 : 400, e.getMessage()));
  }

  private interface Body {
    String render(Access.Principal user, String csrf);
  }

  /** A page for a reader; anonymous visitors are sent to sign in unless public-read is on. */
  private void page(Context ctx, Body body) {
    Optional<Access.Principal> user = access.reader(ctx);
    if (user.isEmpty()) {
      String next = ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString());
      ctx.redirect("/signin?next=" + Html.url(next));
      return;
    }
    String csrf = access.session(ctx).map(Access.Session::csrf).orElse(null);
    Html.send(ctx, body.render(user.get(), csrf));
  }

  private RunHistory.RunDetails details(Context ctx) {
    long id = id(ctx);
    return store.details(id).orElseThrow(() -> new NotFound("no run " + id));
  }

  private static long id(Context ctx) {
    try {
      return Long.parseLong(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      throw new BadRequest("a run id is a whole number, not '" + ctx.pathParam("id") + "'");
    }
  }

  /** The live part of a run page, or 204 when its signature is still {@code sig}. */
  private void live(Context ctx) {
    Optional<Access.Principal> user = access.reader(ctx);
    if (user.isEmpty()) {
      ctx.status(401);
      return;
    }
    RunHistory.RunDetails details = details(ctx);
    String sig = runPage.signature(details.run().id(), details.run());
    Html.headers(ctx);
    if (sig.equals(ctx.queryParam("sig"))) {
      ctx.status(204);
      return;
    }
    boolean operator = user.get().operator() && access.session(ctx).isPresent();
    ctx.header("X-Gantry-Sig", sig);
    ctx.header("X-Gantry-Completed", String.valueOf(details.run().status() == RunStatus.COMPLETED));
    ctx.contentType("text/html; charset=utf-8");
    ctx.result(runPage.live(details, runPage.workflow(details), operator));
  }

  /** One step's log as stored: text, or a download with {@code ?download=1}. */
  private void stepLog(Context ctx) throws IOException {
    if (access.reader(ctx).isEmpty()) {
      ctx.status(401).result("sign in first");
      return;
    }
    long id = id(ctx);
    String job = ctx.pathParam("job");
    int step;
    try {
      step = Integer.parseInt(ctx.pathParam("step"));
    } catch (NumberFormatException e) {
      throw new BadRequest("a step number is a whole number");
    }
    if (store.findRun(id).isEmpty()
        || store.jobsOf(id).stream().noneMatch(j -> j.jobKey().equals(job))) {
      throw new NotFound("no job " + job + " in run " + id);
    }
    Path file = logs.stepLog(id, job, step);
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("Content-Security-Policy", "sandbox");
    ctx.contentType("text/plain; charset=utf-8");
    if (ctx.queryParam("download") != null) {
      ctx.header(
          "Content-Disposition",
          "attachment; filename=\"run-"
              + id
              + "-"
              + job.replaceAll("[^A-Za-z0-9._-]", "_")
              + "-"
              + step
              + ".log\"");
    }
    if (!Files.isRegularFile(file)) {
      ctx.result("");
      return;
    }
    ctx.result(Files.newInputStream(file));
  }

  private void asset(Context ctx) {
    String name = ctx.pathParam("name");
    byte[] bytes = assets.get(name);
    if (bytes == null) {
      ctx.status(404).result("no such asset");
      return;
    }
    String etag = "\"" + Integer.toHexString(java.util.Arrays.hashCode(bytes)) + "\"";
    ctx.header("ETag", etag);
    ctx.header("Cache-Control", "no-cache");
    ctx.header("X-Content-Type-Options", "nosniff");
    if (etag.equals(ctx.header("If-None-Match"))) {
      ctx.status(304);
      return;
    }
    ctx.contentType(
        name.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
    ctx.result(bytes);
  }

  private void signInPage(Context ctx) {
    signInForm(ctx, 200, null);
  }

  private void signInForm(Context ctx, int status, String problem) {
    String nonce = access.token();
    access.setCookie(ctx, SIGNIN_COOKIE, nonce, 600);
    String next =
        safeNext(ctx.queryParam("next") != null ? ctx.queryParam("next") : ctx.formParam("next"));
    String body =
        "<section class=\"signin\"><h1>Sign in</h1>"
            + (problem == null ? "" : "<p class=\"error\" role=\"alert\">" + esc(problem) + "</p>")
            + "<form method=\"post\" action=\"/signin\"><input type=\"hidden\" name=\"_csrf\" value=\""
            + esc(nonce)
            + "\">"
            + "<input type=\"hidden\" name=\"next\" value=\""
            + esc(next)
            + "\">"
            + "<label>Token <input type=\"password\" name=\"token\" id=\"token\" autocomplete=\"current-password\" required autofocus></label>"
            + "<button type=\"submit\">Sign in</button></form>"
            + "<p class=\"sub\">Your user token from gantry.yml's <code>users:</code>, or the server's api-token.</p></section>";
    ctx.status(status);
    Html.send(ctx, Html.page("Sign in", null, null, body));
  }

  private void signIn(Context ctx) {
    String nonce = ctx.cookie(SIGNIN_COOKIE);
    String given = ctx.formParam("_csrf");
    if (nonce == null || given == null || !Access.same(nonce, given)) {
      signInForm(ctx, 403, "The form expired or was not sent from this page; try again.");
      return;
    }
    Optional<Access.Principal> principal = access.byToken(ctx.formParam("token"));
    if (principal.isEmpty()) {
      signInForm(ctx, 401, "That token is not the api-token nor a user's token.");
      return;
    }
    access.setCookie(ctx, SIGNIN_COOKIE, "", 0);
    access.signIn(ctx, principal.get());
    ctx.redirect(safeNext(ctx.formParam("next")), io.javalin.http.HttpStatus.SEE_OTHER);
  }

  private void signOut(Context ctx) {
    Optional<Access.Session> session = access.session(ctx);
    String given = ctx.formParam("_csrf");
    if (session.isPresent() && (given == null || !Access.same(given, session.get().csrf()))) {
      error(ctx, 403, "The sign-out form was not sent from this site's page.");
      return;
    }
    access.signOut(ctx);
    ctx.redirect("/signin", io.javalin.http.HttpStatus.SEE_OTHER);
  }

  /** Only a path of this site: no scheme, no {@code //host}. */
  private static String safeNext(String next) {
    if (next == null || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) {
      return "/";
    }
    return next;
  }

  private static final class NotFound extends BadRequest {
    private static final long serialVersionUID = 1L;

    NotFound(String message) {
      super(message);
    }
  }

  private static void error(Context ctx, int status, String message) {
    ctx.status(status);
    Html.send(
        ctx,
        Html.page(
            "Error",
            null,
            null,
            "<section><h1>"
                + (status == 404 ? "Not found" : "Cannot show this")
                + "</h1><p class=\"error\">"
                + esc(message)
                + "</p><p><a href=\"/\">Runs</a></p></section>"));
  }

  @Override
  public void close() {
    feed.close();
  }
}
