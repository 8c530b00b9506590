package io.gantry.server;

import io.gantry.runner.store.Agents;
import io.gantry.server.web.Access;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The registry of {@code gantry agent} processes, for the server's administrator: {@code POST
 * /api/agents} registers one and answers its token (the only time it is shown: the store keeps its
 * SHA-256), {@code GET /api/agents} lists them, {@code POST /api/agents/{name}/revoke} revokes one
 * (its next call gets 401). Every call needs the server's api-token.
 */
final class AgentsApi {

  /** A name or label: what a shell, a URL and a YAML list take without quoting. */
  static final Pattern WORD = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Agents agents;
  private final Consumer<Context> authenticate;
  private final Clock clock;

  AgentsApi(Agents agents, Consumer<Context> authenticate, Clock clock) {
    this.agents = agents;
    this.authenticate = authenticate;
    this.clock = clock;
  }

  void routes(Javalin app) {
    app.get("/api/agents", this::list);
    app.post("/api/agents", this::add);
    app.post("/api/agents/{name}/revoke", this::revoke);
  }

  /** Agents run jobs with the repositories' secrets: only the api-token manages them. */
  private void requireAdmin(Context ctx) {
    authenticate.accept(ctx);
    if (!"api".equals(Access.actor(ctx, ""))) {
      throw new ApiException(
          403, "forbidden", "managing agents needs the server's api-token, not a user's token");
    }
  }

  private void list(Context ctx) {
    requireAdmin(ctx);
    List<Map<String, Object>> out = new ArrayList<>();
    for (Agents.AgentRecord agent : agents.list()) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("name", agent.name());
      a.put("labels", agent.labels());
      a.put("version", agent.version());
      a.put("createdAt", String.valueOf(agent.createdAt()));
      a.put("lastSeenAt", agent.lastSeenAt() == null ? null : agent.lastSeenAt().toString());
      a.put("revoked", agent.revoked());
      a.put("jobsRunning", agent.jobsRunning());
      out.add(a);
    }
    ctx.json(Map.of("agents", out));
  }

  private void add(Context ctx) {
    requireAdmin(ctx);
    Map<String, Object> body = Api.body(ctx);
    Object name = body.get("name");
    if (!(name instanceof String n) || !WORD.matcher(n).matches()) {
      throw ApiException.badRequest(
          "'name' must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or"
              + " digit");
    }
    List<String> labels = labels(body.get("labels"));
    String token = "gantry-agent-" + HexFormat.of().formatHex(bytes(32));
    Agents.AgentRecord agent;
    try {
      agent = agents.add(n, labels, Access.sha256(token), clock.instant());
    } catch (Agents.NameTakenException e) {
      throw ApiException.conflict(e.getMessage());
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", agent.name());
    out.put("labels", agent.labels());
    out.put("token", token);
    ctx.status(201).json(out);
  }

  private void revoke(Context ctx) {
    requireAdmin(ctx);
    String name = ctx.pathParam("name");
    if (!agents.revoke(name, clock.instant())) {
      throw ApiException.notFound("no agent named '" + name + "'; `gantry agents` lists them");
    }
    ctx.json(Map.of("name", name, "revoked", true));
  }

  private static List<String> labels(Object given) {
    if (given == null) {
      return List.of();
    }
    if (!(given instanceof List<?> list)) {
      throw ApiException.badRequest("'labels' must be a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (Object o : list) {
      if (!(o instanceof String s) || !WORD.matcher(s).matches()) {
        throw ApiException.badRequest(
            "label '" + o + "' is not valid: a label is 1 to 63 letters, digits, '.', '_' or '-'");
      }
      out.add(s);
    }
    return out;
  }

  private static byte[] bytes(int count) {
    byte[] out = new byte[count];
    RANDOM.nextBytes(out);
    return out;
  }
}
