package io.gantry.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The commands that talk to a running server through its REST API. */
final class ClientCommands {

  private ClientCommands() {}

  /** {@code --server} and the token, shared by every client command. */
  abstract static class ClientCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--server",
        paramLabel = "URL",
        description = "The Gantry server (default: $GANTRY_SERVER, else http://127.0.0.1:8080).")
    String server;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    ApiClient client() {
      String url = server != null ? server : System.getenv(ApiClient.SERVER);
      return new ApiClient(
          url != null ? url : "http://127.0.0.1:8080", System.getenv(ApiClient.TOKEN));
    }

    @Override
    public Integer call() {
      try {
        return run();
      } catch (ApiClient.ClientException e) {
        spec.commandLine().getErr().println("gantry " + spec.name() + ": " + e.getMessage());
        return Gantry.BAD_INPUT;
      }
    }

    abstract int run() throws ApiClient.ClientException;
  }

  @Command(
      name = "schedules",
      mixinStandardHelpOptions = true,
      description =
          "Lists the on.schedule lines of each repository's default branch, with the next"
              + " time each fires (UTC).")
  static final class Schedules extends ClientCommand {
    @Override
    int run() throws ApiClient.ClientException {
      Map<?, ?> body = (Map<?, ?>) client().get("/api/schedules");
      String row = "%-24s %-36s %-18s %s%n";
      out().printf(row, "REPOSITORY", "WORKFLOW", "CRON", "NEXT (UTC)");
      for (Object o : (List<?>) body.get("schedules")) {
        Map<?, ?> s = (Map<?, ?>) o;
        out()
            .printf(
                row,
                s.get("repository"),
                s.get("workflowFile"),
                s.get("cron"),
                s.get("next") == null ? "never" : s.get("next"));
      }
      out().flush();
      return Gantry.OK;
    }
  }

  @Command(
      name = "runs",
      mixinStandardHelpOptions = true,
      description = "Lists runs, newest first.")
  static final class Runs extends ClientCommand {
    @Option(names = "--repo", description = "Only this repository (owner/name).")
    String repo;

    @Option(names = "--branch", description = "Only runs of this branch.")
    String branch;

    @Option(names = "--status", description = "QUEUED, IN_PROGRESS, COMPLETED, or a conclusion.")
    String status;

    @Option(names = "--limit", defaultValue = "20", description = "How many (default 20).")
    int limit;

    @Override
    int run() throws ApiClient.ClientException {
      StringBuilder query = new StringBuilder("?limit=" + limit);
      if (repo != null) {
        query.append("&repo=").append(encode(repo));
      }
      if (branch != null) {
        query.append("&branch=").append(encode(branch));
      }
      if (status != null) {
        query.append("&status=").append(encode(status));
      }
      Map<?, ?> body = (Map<?, ?>) client().get("/api/runs" + query);
      List<?> runs = (List<?>) body.get("runs");
      String row = "%-6s %-5s %-24s %-20s %-18s %-10s %-12s %s%n";
      out().printf(row, "ID", "#", "REPOSITORY", "WORKFLOW", "REF", "SHA", "STATUS", "CONCLUSION");
      for (Object o : runs) {
        Map<?, ?> r = (Map<?, ?>) o;
        out()
            .printf(
                row,
                number(r.get("id")),
                number(r.get("runNumber"))
                    + (number(r.get("attempt")).equals("1") ? "" : "." + number(r.get("attempt"))),
                r.get("repository"),
                r.get("workflow"),
                String.valueOf(r.get("ref")).replaceFirst("^refs/(heads|tags)/", ""),
                String.valueOf(r.get("sha"))
                    .substring(0, Math.min(10, String.valueOf(r.get("sha")).length())),
                r.get("status"),
                r.get("conclusion") == null ? "" : r.get("conclusion"));
      }
      out().flush();
      return Gantry.OK;
    }
  }

  @Command(
      name = "logs",
      mixinStandardHelpOptions = true,
      description = "Prints a run's log; with -f follows it live until the run ends.")
  static final class Logs extends ClientCommand {
    @Parameters(paramLabel = "RUN", description = "The run id.")
    long run;

    @Option(
        names = {"-f", "--follow"},
        description = "Follow the log until the run ends.")
    boolean follow;

    @Override
    int run() throws ApiClient.ClientException {
      if (!follow) {
        out().print(client().getText("/api/runs/" + run + "/logs"));
        out().flush();
        return Gantry.OK;
      }
      String[] conclusion = {null};
      client().stream(
          "/api/runs/" + run + "/logs/stream",
          (event, data) -> {
            if (event.equals("log")) {
              out().println(data);
              out().flush();
            } else if (event.equals("end")) {
              conclusion[0] = data;
              out().println("-- run " + run + " ended: " + data);
              out().flush();
            } else if (event.equals("error")) {
              conclusion[0] = "error";
              spec.commandLine().getErr().println("gantry logs: " + data);
            }
          });
      return "success".equals(conclusion[0]) ? Gantry.OK : Gantry.RUN_FAILED;
    }
  }

  @Command(name = "rerun", mixinStandardHelpOptions = true, description = "Reruns a finished run.")
  static final class Rerun extends ClientCommand {
    @Parameters(paramLabel = "RUN", description = "The run id.")
    long run;

    @Option(names = "--failed", description = "Only the failed jobs and their dependents.")
    boolean failed;

    @Override
    int run() throws ApiClient.ClientException {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("failedOnly", failed);
      Map<?, ?> created = (Map<?, ?>) client().post("/api/runs/" + run + "/rerun", body);
      out()
          .println(
              "queued run "
                  + number(created.get("id"))
                  + " (attempt "
                  + number(created.get("attempt"))
                  + "): "
                  + created.get("url"));
      out().flush();
      return Gantry.OK;
    }
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancels a run.")
  static final class Cancel extends ClientCommand {
    @Parameters(paramLabel = "RUN", description = "The run id.")
    long run;

    @Override
    int run() throws ApiClient.ClientException {
      Map<?, ?> result = (Map<?, ?>) client().post("/api/runs/" + run + "/cancel", Map.of());
      out()
          .println(
              "run "
                  + run
                  + ": "
                  + ("COMPLETED".equals(result.get("status"))
                      ? "cancelled"
                      : "cancelling (running steps get SIGTERM, then SIGKILL)"));
      out().flush();
      return Gantry.OK;
    }
  }

  @Command(
      name = "dispatch",
      mixinStandardHelpOptions = true,
      description = "Starts a workflow_dispatch run of a workflow at a ref.")
  static final class Dispatch extends ClientCommand {
    @Option(names = "--repo", required = true, description = "owner/name as configured.")
    String repo;

    @Option(names = "--ref", required = true, description = "Branch, tag or full ref.")
    String ref;

    @Option(
        names = {"-W", "--workflow"},
        required = true,
        description = "The workflow file, e.g. deploy.yml.")
    String workflow;

    @Option(
        names = {"-i", "--input"},
        paramLabel = "NAME=VALUE",
        description = "An input (repeatable).")
    List<String> inputs = new ArrayList<>();

    @Override
    int run() throws ApiClient.ClientException {
      Map<String, Object> given = new LinkedHashMap<>();
      for (String input : inputs) {
        int eq = input.indexOf('=');
        if (eq <= 0) {
          throw new ApiClient.ClientException("-i expects NAME=VALUE, got '" + input + "'");
        }
        given.put(input.substring(0, eq), input.substring(eq + 1));
      }
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("repo", repo);
      body.put("ref", ref);
      body.put("workflow", workflow);
      body.put("inputs", given);
      Map<?, ?> created = (Map<?, ?>) client().post("/api/runs", body);
      out().println("queued run " + number(created.get("id")) + ": " + created.get("url"));
      out().flush();
      return Gantry.OK;
    }
  }

  static String number(Object value) {
    if (value instanceof Double d && d == Math.rint(d)) {
      return Long.toString(d.longValue());
    }
    return String.valueOf(value);
  }

  static String encode(String value) {
    return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
  }
}
