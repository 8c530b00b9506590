package io.gantry.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code gantry agents}: the registry of {@code gantry agent} processes on a server, through its
 * REST API with the server's api-token ({@code GANTRY_API_TOKEN}).
 */
@Command(
    name = "agents",
    mixinStandardHelpOptions = true,
    description =
        "Lists the agents registered on the server: name, labels, version, last seen, jobs"
            + " running.",
    subcommands = {AgentsCommand.Add.class, AgentsCommand.Revoke.class})
final class AgentsCommand extends ClientCommands.ClientCommand {

  @Override
  int run() throws ApiClient.ClientException {
    Map<?, ?> body = (Map<?, ?>) client().get("/api/agents");
    String row = "%-20s %-30s %-22s %-26s %s%n";
    out().printf(row, "NAME", "LABELS", "VERSION", "LAST SEEN (UTC)", "JOBS");
    for (Object o : (List<?>) body.get("agents")) {
      Map<?, ?> a = (Map<?, ?>) o;
      out()
          .printf(
              row,
              a.get("name"),
              String.join(",", strings(a.get("labels"))),
              a.get("version") == null ? "-" : a.get("version"),
              Boolean.TRUE.equals(a.get("revoked"))
                  ? "revoked"
                  : a.get("lastSeenAt") == null ? "never" : a.get("lastSeenAt"),
              ClientCommands.number(a.get("jobsRunning")));
    }
    out().flush();
    return Gantry.OK;
  }

  private static List<String> strings(Object list) {
    return list instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description =
          "Registers an agent and prints its token, once: give it to `gantry agent --token`.")
  static final class Add extends ClientCommands.ClientCommand {
    @ParentCommand AgentsCommand parent;

    @Parameters(paramLabel = "NAME", description = "The agent's name (letters, digits, . _ -).")
    String name;

    @Option(
        names = "--labels",
        split = ",",
        paramLabel = "LABEL",
        description =
            "The labels it carries besides self-hosted and its OS and architecture (e.g."
                + " gpu,java17).")
    List<String> labels = List.of();

    @Override
    int run() throws ApiClient.ClientException {
      // `gantry agents --server URL add …` names the server before the subcommand.
      server = server != null ? server : parent.server;
      Map<String, Object> request = new LinkedHashMap<>();
      request.put("name", name);
      request.put("labels", labels);
      Map<?, ?> body = (Map<?, ?>) client().post("/api/agents", request);
      out().println("agent " + body.get("name") + " added; its token (shown only this once):");
      out().println(body.get("token"));
      out().flush();
      return Gantry.OK;
    }
  }

  @Command(
      name = "revoke",
      mixinStandardHelpOptions = true,
      description = "Revokes an agent's token: its next call is refused and it stops.")
  static final class Revoke extends ClientCommands.ClientCommand {
    @ParentCommand AgentsCommand parent;

    @Parameters(paramLabel = "NAME", description = "The agent's name.")
    String name;

    @Override
    int run() throws ApiClient.ClientException {
      server = server != null ? server : parent.server;
      client()
          .post(
              "/api/agents/" + URLEncoder.encode(name, StandardCharsets.UTF_8) + "/revoke",
              Map.of());
      out().println("agent " + name + " revoked");
      out().flush();
      return Gantry.OK;
    }
  }
}
