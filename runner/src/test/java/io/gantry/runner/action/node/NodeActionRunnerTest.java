package io.gantry.runner.action.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gantry.runner.action.node.NodeActionRunner.NodeResult;
import io.gantry.runner.action.node.NodeActionRunner.NodeStep;
import io.gantry.runner.action.node.NodeActionRunner.Phase;
import io.gantry.runner.action.remote.ActionFetcher;
import io.gantry.runner.action.remote.ActionManifests;
import io.gantry.runner.action.remote.ActionReference;
import io.gantry.runner.action.remote.ActionRepos;
import io.gantry.runner.action.remote.ActionSources;
import io.gantry.runner.action.remote.FetchedAction;
import io.gantry.runner.command.WorkflowCommand;
import io.gantry.runner.expression.ExpressionContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real hello-world and github-script actions, fetched from a file:// source, run on Node. */
class NodeActionRunnerTest {

  @TempDir static Path shared;
  static ActionFetcher fetcher;
  static NodeRuntime node;

  @TempDir Path dir;
  private final List<String> lines = new ArrayList<>();
  private final Map<String, String> launchedEnv = new HashMap<>();
  private ProcessLauncher launcher;
  private NodeActionRunner runner;

  @BeforeAll
  static void fetchFromSource() throws Exception {
    String source = ActionRepos.serve(shared.resolve("source"));
    fetcher =
        new ActionFetcher(
            shared.resolve("data/actions"), new ActionSources(List.of(source), Map.of()));
    node = NodeRuntime.locate(null, System.getenv("PATH"));
  }

  @BeforeEach
  void launcher() {
    ProcessLauncher direct = ProcessLauncher.direct(lines::add);
    launcher =
        (command, cwd, env) -> {
          launchedEnv.putAll(env);
          return direct.run(command, cwd, env);
        };
    runner = new NodeActionRunner(node);
  }

  /** What a job's step gives an action: a small runner environment. */
  private Map<String, String> environment() throws Exception {
    Path workspace = Files.createDirectories(dir.resolve("workspace"));
    Map<String, String> env = new HashMap<>();
    env.put("PATH", System.getenv("PATH"));
    env.put("HOME", Files.createDirectories(dir.resolve("home")).toString());
    env.put("GITHUB_WORKSPACE", workspace.toString());
    env.put("GITHUB_REPOSITORY", "acme/web");
    env.put("GITHUB_EVENT_NAME", "push");
    env.put("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567");
    env.put("GITHUB_REF", "refs/heads/main");
    env.put("RUNNER_TEMP", Files.createDirectories(dir.resolve("tmp")).toString());
    return env;
  }

  private static ExpressionContext context() {
    Map<String, Object> contexts = new HashMap<>();
    contexts.put("github", Map.of("token", "ghs_job_token", "repository", "acme/web"));
    contexts.put("runner", Map.of("debug", "", "os", "Linux"));
    contexts.put("env", Map.of());
    return new ExpressionContext(contexts, ExpressionContext.JobStatus.SUCCEEDING, null);
  }

  private NodeResult run(
      FetchedAction action, Phase phase, Map<String, String> with, Map<String, String> state)
      throws Exception {
    ActionInputs inputs = ActionInputs.resolve(action.manifest(), with, context());
    return runner.run(
        new NodeStep(
            action,
            phase,
            inputs,
            environment(),
            dir.resolve("workspace"),
            dir.resolve("step"),
            state),
        launcher);
  }

  @Test
  void helloWorldGreetsFromItsInputAndSetsItsTimeOutput() throws Exception {
    FetchedAction hello =
        fetcher.fetch(ActionReference.parse("actions/hello-world-javascript-action@v1"));

    NodeResult result = run(hello, Phase.MAIN, Map.of("who-to-greet", "Gantry"), Map.of());

    assertThat(result.succeeded()).as(String.join("\n", lines)).isTrue();
    assertThat(lines).contains("Hello, Gantry!");
    assertThat(result.outputs()).containsKey("time");
    assertThat(result.outputs().get("time")).isNotBlank();
    assertThat(launchedEnv)
        .containsEntry("INPUT_WHO-TO-GREET", "Gantry")
        .containsEntry("GITHUB_ACTION_PATH", hello.directory().toString())
        .containsEntry("GITHUB_ACTION_REPOSITORY", "actions/hello-world-javascript-action");
  }

  @Test
  void anOmittedInputGetsItsActionYmlDefault() throws Exception {
    FetchedAction hello =
        fetcher.fetch(ActionReference.parse("actions/hello-world-javascript-action@v1"));
    NodeResult result = run(hello, Phase.MAIN, Map.of(), Map.of());
    assertThat(result.succeeded()).isTrue();
    assertThat(lines).contains("Hello, World!");
  }

  @Test
  void githubScriptReturnsAValueAndSetsAnOutput() throws Exception {
    FetchedAction script = fetcher.fetch(ActionReference.parse("actions/github-script@v8"));

    NodeResult result =
        run(
            script,
            Phase.MAIN,
            Map.of(
                "script",
                "core.setOutput('greeting', 'hi ' + context.repo.repo);\n"
                    + "core.warning('careful');\n"
                    + "return {answer: 42, sha: context.sha.substring(0, 7)};"),
            Map.of());

    assertThat(result.succeeded()).as(String.join("\n", lines)).isTrue();
    assertThat(result.outputs())
        .containsEntry("greeting", "hi web")
        .containsEntry("result", "{\"answer\":42,\"sha\":\"0123456\"}");
    assertThat(lines.stream().map(WorkflowCommand::parse).filter(Objects::nonNull))
        .anySatisfy(
            c -> {
              assertThat(c.name()).isEqualTo("warning");
              assertThat(c.message()).isEqualTo("careful");
            });
    // Defaults with expressions, evaluated in the step's context.
    assertThat(launchedEnv)
        .containsEntry("INPUT_GITHUB-TOKEN", "ghs_job_token")
        .containsEntry("INPUT_DEBUG", "false")
        .containsEntry("INPUT_RESULT-ENCODING", "json");
    // node24 on this host's older Node.js: said once per run.
    if (node.major() < 24) {
      assertThat(result.warnings()).singleElement().asString().contains("declares node24");
      NodeResult again = run(script, Phase.MAIN, Map.of("script", "return 1"), Map.of());
      assertThat(again.warnings()).isEmpty();
    }
  }

  @Test
  void githubScriptV7WithStringEncodingAndAFailingScript() throws Exception {
    FetchedAction script = fetcher.fetch(ActionReference.parse("actions/github-script@v7"));
    NodeResult ok =
        run(
            script,
            Phase.MAIN,
            Map.of("script", "return 'plain text'", "result-encoding", "string"),
            Map.of());
    assertThat(ok.outputs()).containsEntry("result", "plain text");

    lines.clear();
    NodeResult failed =
        run(script, Phase.MAIN, Map.of("script", "throw new Error('boom')"), Map.of());
    assertThat(failed.succeeded()).isFalse();
    assertThat(failed.exitCode()).isNotZero();
    assertThat(lines.stream().map(WorkflowCommand::parse).filter(Objects::nonNull))
        .anySatisfy(
            c -> assertThat(c.name() + ":" + c.message()).contains("error:").contains("boom"));
  }

  @Test
  void stateSavedByMainIsGivenToPostAndFileCommandsAreReadBack() throws Exception {
    Path action = Files.createDirectories(dir.resolve("own-action"));
    Files.writeString(
        action.resolve("action.yml"),
        "name: own\ninputs:\n  level: {default: '${{ runner.os }}-1'}\n"
            + "runs:\n  using: node20\n  main: main.js\n  post: post.js\n");
    Files.writeString(
        action.resolve("main.js"),
        """
        const fs = require('fs');
        fs.appendFileSync(process.env.GITHUB_STATE, 'started=' + process.env.INPUT_LEVEL + '\\n');
        fs.appendFileSync(process.env.GITHUB_ENV, 'FROM_ACTION<<EOF\\ntwo\\nlines\\nEOF\\n');
        fs.appendFileSync(process.env.GITHUB_PATH, '/opt/tool/bin\\n');
        console.log('main ran');
        """);
    Files.writeString(
        action.resolve("post.js"), "console.log('post saw ' + process.env.STATE_started);\n");
    FetchedAction own =
        new FetchedAction(
            ActionReference.parse("./own-action"),
            null,
            action,
            ActionManifests.read(action, "./own-action", "own-action"));

    NodeResult main = run(own, Phase.MAIN, Map.of(), Map.of());
    assertThat(main.succeeded()).isTrue();
    assertThat(main.state()).containsEntry("started", "Linux-1");
    assertThat(main.exportedEnv()).containsEntry("FROM_ACTION", "two\nlines");
    assertThat(main.paths()).containsExactly("/opt/tool/bin");

    NodeResult post = run(own, Phase.POST, Map.of(), main.state());
    assertThat(post.succeeded()).isTrue();
    assertThat(lines).containsSubsequence("main ran", "post saw Linux-1");
  }

  @Test
  void aMissingNodeIsAOneLineErrorSayingHowToFixIt() {
    assertThatThrownBy(() -> NodeRuntime.locate(dir.resolve("no/node").toString(), ""))
        .isInstanceOf(NodeActionException.class)
        .hasMessageStartingWith("Node.js is not installed: no " + dir.resolve("no/node"))
        .hasMessageContaining("apt-get install nodejs");
    assertThatThrownBy(() -> NodeRuntime.locate(null, dir.toString()))
        .hasMessageContaining("no node or nodejs on the PATH");
  }
}
