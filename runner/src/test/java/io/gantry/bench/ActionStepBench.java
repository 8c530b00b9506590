package io.gantry.bench;

import io.gantry.runner.action.node.ActionInputs;
import io.gantry.runner.action.node.NodeActionRunner;
import io.gantry.runner.action.node.NodeRuntime;
import io.gantry.runner.action.node.ProcessLauncher;
import io.gantry.runner.action.remote.ActionFetcher;
import io.gantry.runner.action.remote.ActionReference;
import io.gantry.runner.action.remote.ActionRepos;
import io.gantry.runner.action.remote.ActionSources;
import io.gantry.runner.action.remote.FetchedAction;
import io.gantry.runner.expression.ExpressionContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Overhead of a JavaScript action step (the real hello-world action) in Gantry's actions runtime
 * over {@code node dist/index.js} started directly with the same environment. Both are started the
 * same way ({@link ProcessLauncher#direct}) and alternate, so the machine's load hits both.
 *
 * <p>The Gantry side of each step: the action looked up through {@link ActionFetcher} (cached, its
 * tag resolved once per run as in a real run), inputs resolved with action.yml defaults through the
 * expression engine, the step's five command files created, the environment built, node started,
 * and the output, env, path and state files read back.
 *
 * <p>Usage: ActionStepBench WORKDIR REPETITIONS
 */
public final class ActionStepBench {

  private ActionStepBench() {}

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    int repetitions = Integer.parseInt(args[1]);
    String source = ActionRepos.serve(work.resolve("source"));
    ActionFetcher fetcher =
        new ActionFetcher(
            work.resolve("data/actions"), new ActionSources(List.of(source), Map.of()));
    ActionReference reference = ActionReference.parse("actions/hello-world-javascript-action@v1");
    NodeRuntime node = NodeRuntime.locate(null, System.getenv("PATH"));
    NodeActionRunner runner = new NodeActionRunner(node);
    Path workspace = Files.createDirectories(work.resolve("workspace"));
    Map<String, String> env = new HashMap<>();
    env.put("PATH", System.getenv("PATH"));
    env.put("HOME", workspace.toString());
    env.put("GITHUB_WORKSPACE", workspace.toString());
    ExpressionContext context =
        new ExpressionContext(
            Map.of(
                "github", Map.of("token", "t"), "runner", Map.of("os", "Linux"), "env", Map.of()),
            ExpressionContext.JobStatus.SUCCEEDING,
            null);
    List<String> sink = new ArrayList<>();
    ProcessLauncher launcher = ProcessLauncher.direct(line -> sink.add(line));

    // The first fetch fills the cache (not timed: a run pays it once per action and commit).
    FetchedAction first = fetcher.fetch(reference);
    Path script = first.directory().resolve("dist/index.js");
    Map<String, String> directEnv = new HashMap<>(env);
    directEnv.put("INPUT_WHO-TO-GREET", "bench");
    Path outputs = Files.createDirectories(work.resolve("direct"));
    directEnv.put("GITHUB_OUTPUT", Files.createFile(outputs.resolve("output")).toString());

    int warmup = 3;
    long[] gantry = new long[repetitions];
    long[] direct = new long[repetitions];
    for (int i = -warmup; i < repetitions; i++) {
      long t0 = System.nanoTime();
      FetchedAction action = fetcher.fetch(reference);
      ActionInputs inputs =
          ActionInputs.resolve(action.manifest(), Map.of("who-to-greet", "bench"), context);
      NodeActionRunner.NodeResult result =
          runner.run(
              new NodeActionRunner.NodeStep(
                  action,
                  NodeActionRunner.Phase.MAIN,
                  inputs,
                  env,
                  workspace,
                  work.resolve("steps/" + (i + warmup)),
                  Map.of()),
              launcher);
      long t1 = System.nanoTime();
      int exit =
          launcher.run(
              List.of(node.executable().toString(), script.toString()), workspace, directEnv);
      long t2 = System.nanoTime();
      if (!result.succeeded() || exit != 0 || !result.outputs().containsKey("time")) {
        throw new IllegalStateException("the action failed: " + sink);
      }
      if (i >= 0) {
        gantry[i] = t1 - t0;
        direct[i] = t2 - t1;
      }
    }
    double g = median(gantry);
    double d = median(direct);
    System.out.printf(
        "node %s, %d repetitions (after %d warm-up), medians:%n",
        node.version(), repetitions, warmup);
    System.out.printf("  Gantry action step (hello-world)   %8.2f ms%n", g);
    System.out.printf("  node dist/index.js, same env       %8.2f ms%n", d);
    System.out.printf(
        "  overhead per JavaScript action step %7.2f ms (goal: under 50 ms)%n", g - d);
  }

  private static double median(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    double mid = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    return mid / 1e6;
  }
}
