package io.gantry.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.gantry.runner.action.builtin.BuiltInActions;
import io.gantry.runner.action.node.NodeRuntime;
import io.gantry.runner.action.remote.ActionFetcher;
import io.gantry.runner.action.remote.ActionReference;
import io.gantry.runner.action.remote.ActionRepos;
import io.gantry.runner.action.remote.ActionSources;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import io.gantry.runner.workflow.ActionCatalog;
import io.gantry.runner.workflow.Workflow;
import io.gantry.runner.workflow.WorkflowParser;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real JavaScript actions from a file:// source run as steps of a job by the executor. */
class GitActionStepRunnerTest {

  @TempDir Path data;
  @TempDir Path shared;

  /** The built-ins, plus any OWNER/REPO@REF (validation of fetched actions is not wired yet). */
  private static final ActionCatalog CATALOG =
      new ActionCatalog() {
        @Override
        public String problemWith(String uses) {
          return uses.contains("@") && !uses.startsWith("actions/checkout")
              ? null
              : BuiltInActions.registry().problemWith(uses);
        }

        @Override
        public Set<String> inputsOf(String uses) {
          return uses.startsWith("actions/checkout")
              ? BuiltInActions.registry().inputsOf(uses)
              : Set.of("who-to-greet", "script", "result-encoding");
        }

        @Override
        public Set<String> requiredInputsOf(String uses) {
          return Set.of();
        }
      };

  @Test
  void helloWorldAndGithubScriptRunAsStepsAndTheirOutputsReachTheNextStep() throws Exception {
    String source = ActionRepos.serve(shared.resolve("source"));
    GitActionStepRunner git =
        new GitActionStepRunner(
            data.resolve("actions"),
            new ActionSources(List.of(source), Map.of()),
            NodeRuntime.locate(null, System.getenv("PATH")));
    Workflow workflow =
        new WorkflowParser(CATALOG)
            .parse(
                """
        on: push
        jobs:
          greet:
            runs-on: x
            steps:
              - id: hello
                uses: actions/hello-world-javascript-action@v1
                with: {who-to-greet: Gantry}
              - id: script
                uses: actions/github-script@v7
                with:
                  result-encoding: string
                  script: return 'answer-' + (6 * 7)
              - run: echo "got ${{ steps.script.outputs.result }} at ${{ steps.hello.outputs.time != '' }}"
        """,
                Path.of("ci.yml"),
                "ci.yml");
    List<String> lines = new CopyOnWriteArrayList<>();
    try (RunStore store = Stores.openEmbedded(data);
        WorkflowExecutor executor =
            new WorkflowExecutor(
                BuiltInActions.registry(),
                store,
                ExecutorOptions.defaults(data),
                StepRunners.withGitActions(BuiltInActions.registry(), git))) {
      RunResult result =
          executor
              .start(
                  new RunRequest(
                      workflow,
                      "acme/web",
                      "push",
                      Map.of("ref", "refs/heads/main"),
                      "refs/heads/main",
                      "0123456789abcdef0123456789abcdef01234567",
                      Map.of(),
                      Map.of(),
                      // github.token reaches action defaults through GITHUB_TOKEN for now (see the
                      // runner's javadoc).
                      Map.of(),
                      Map.of("GITHUB_TOKEN", "ghs_test"),
                      Set.of(),
                      shared,
                      null,
                      null,
                      "tester"),
                  new RunListener() {
                    @Override
                    public void logLine(String jobKey, LogLine line) {
                      lines.add(line.text());
                    }
                  })
              .await();

      assertThat(result.conclusion()).as(String.join("\n", lines)).isEqualTo(Conclusion.SUCCESS);
      assertThat(lines).contains("Hello, Gantry!", "got answer-42 at true");
      assertThat(result.jobs().get(0).steps().get(0).outputs()).containsKey("time");
    }
  }

  @Test
  void anActionThatCannotBeFetchedIsTriedOnceAndReportedOnceInOneLine() throws Exception {
    // A git source over HTTP on 127.0.0.1 that has nothing, counting what it is asked.
    AtomicInteger asked = new AtomicInteger();
    HttpServer http =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext(
        "/",
        exchange -> {
          asked.incrementAndGet();
          exchange.sendResponseHeaders(404, -1);
          exchange.close();
        });
    http.start();
    try {
      String source = "http://127.0.0.1:" + http.getAddress().getPort() + "/";
      ActionSources sources = new ActionSources(List.of(source), Map.of());
      // What one attempt asks (JGit's discovery may take more than one request).
      assertThat(
              org.assertj.core.api.Assertions.catchThrowable(
                  () ->
                      new ActionFetcher(data.resolve("probe"), sources)
                          .fetch(ActionReference.parse("acme/missing@v1"))))
          .isNotNull();
      int perAttempt = asked.getAndSet(0);
      assertThat(perAttempt).isPositive();

      GitActionStepRunner git =
          new GitActionStepRunner(
              data.resolve("actions"), sources, NodeRuntime.locate(null, System.getenv("PATH")));
      Workflow workflow =
          new WorkflowParser(CATALOG)
              .parse(
                  """
          on: push
          jobs:
            build:
              runs-on: x
              steps:
                - run: echo before
                - uses: acme/missing@v1
                - if: always()
                  run: echo after
          """,
                  Path.of("ci.yml"),
                  "ci.yml");
      TestRuns.Outcome out;
      try (RunStore store = Stores.openEmbedded(data);
          WorkflowExecutor executor =
              new WorkflowExecutor(
                  BuiltInActions.registry(),
                  store,
                  ExecutorOptions.defaults(data),
                  StepRunners.withGitActions(BuiltInActions.registry(), git))) {
        out = TestRuns.run(executor, TestRuns.push(workflow, shared, Map.of()));
      }
      assertThat(out.result().conclusion()).as(out.log()).isEqualTo(Conclusion.FAILURE);
      assertThat(out.lines()).contains("before", "after");
      // The set-up (for a pre) and the step asked; the sources were tried once.
      assertThat(asked.get()).as(out.log()).isEqualTo(perAttempt);
      List<String> reasons =
          out.lines().stream().filter(l -> l.contains("cannot fetch action")).toList();
      assertThat(reasons).as(out.log()).hasSize(1);
      assertThat(reasons.get(0))
          .contains("ci.yml:")
          .contains("cannot fetch action acme/missing@v1: tried " + source + "acme/missing (")
          .contains("not found")
          .contains("actions.overrides: {acme/missing: file:///")
          .doesNotContain("\n");
    } finally {
      http.stop(0);
    }
  }
}
