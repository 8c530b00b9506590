package io.gantry.cli;

import static io.gantry.cli.ServerApi.git;
import static io.gantry.cli.ServerApi.until;
import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.server.GantryServer;
import io.gantry.server.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that runs no job itself ({@code server.workers: 0}) and two {@code gantry agent}
 * processes with different labels, all on 127.0.0.1: jobs go by their runs-on labels to the one
 * agent that has them, the second job gets the first's outputs across agents, a job nobody can take
 * waits with the reason, a revoked agent is refused and stops, SIGTERM drains an agent.
 */
class AgentProcessesTest {

  private static final String TOKEN = "agents-e2e-api-token";

  @TempDir Path dir;
  private GantryServer server;
  private final List<Process> agents = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    Path bare = dir.resolve("origin.git");
    Path work = dir.resolve("work");
    git(dir, "init", "-q", "--bare", "-b", "main", bare.toString());
    git(dir, "init", "-q", "-b", "main", work.toString());
    git(work, "config", "user.email", "dev@example.com");
    git(work, "config", "user.name", "Dev");
    Files.createDirectories(work.resolve(".github/workflows"));
    Files.writeString(
        work.resolve(".github/workflows/routed.yml"),
        "name: routed\non: workflow_dispatch\njobs:\n"
            + "  first:\n    runs-on: [self-hosted, alpha]\n"
            + "    outputs:\n      word: ${{ steps.w.outputs.word }}\n"
            + "    steps:\n      - id: w\n"
            + "        run: echo \"word=made-on-$AGENT_MARK\" >> \"$GITHUB_OUTPUT\"\n"
            + "  second:\n    needs: first\n    runs-on: [self-hosted, linux, beta]\n"
            + "    steps:\n"
            + "      - run: echo \"got ${{ needs.first.outputs.word }} on $AGENT_MARK\"\n");
    Files.writeString(
        work.resolve(".github/workflows/stuck.yml"),
        "name: stuck\non: workflow_dispatch\njobs:\n"
            + "  gpu:\n    runs-on: [self-hosted, gpu]\n    steps:\n      - run: echo never\n");
    Files.writeString(
        work.resolve(".github/workflows/slow.yml"),
        "name: slow\non: workflow_dispatch\njobs:\n"
            + "  slow:\n    runs-on: [self-hosted, slow]\n    steps:\n"
            + "      - run: echo started-slow; sleep 117\n");
    Files.writeString(
        work.resolve(".github/workflows/caller.yml"),
        "name: caller\non: workflow_dispatch\njobs:\n"
            + "  call:\n    uses: ./.github/workflows/called.yml\n"
            + "    with:\n      word: hi\n"
            + "    secrets:\n      token: ${{ secrets.TOPSECRET }}\n"
            + "  after:\n    needs: call\n    runs-on: [self-hosted, beta]\n    steps:\n"
            + "      - run: echo \"after got ${{ needs.call.outputs.said }} on $AGENT_MARK\"\n");
    Files.writeString(
        work.resolve(".github/workflows/called.yml"),
        "name: called\non:\n  workflow_call:\n"
            + "    inputs:\n      word: {type: string, required: true}\n"
            + "    secrets:\n      token: {required: true}\n"
            + "    outputs:\n      said: {value: \"${{ jobs.inner.outputs.said }}\"}\n"
            + "jobs:\n  inner:\n    runs-on: [self-hosted, alpha]\n"
            + "    outputs:\n      said: ${{ steps.s.outputs.said }}\n"
            + "    steps:\n      - id: s\n        env:\n          TOKEN: ${{ secrets.token }}\n"
            + "        run: |\n"
            + "          echo \"inner says ${{ inputs.word }} on $AGENT_MARK\"\n"
            + "          if [ \"$TOKEN\" = called-secret-value ]; then echo secret-arrived; fi\n"
            + "          echo \"said=${{ inputs.word }}-on-$AGENT_MARK\" >> \"$GITHUB_OUTPUT\"\n");
    git(work, "add", "-A");
    git(work, "commit", "-q", "-m", "workflows");
    git(work, "push", "-q", bare.toString(), "main");
    Path config = dir.resolve("gantry.yml");
    Files.writeString(
        config,
        "server:\n  port: 0\n  data-dir: "
            + dir.resolve("server")
            + "\n  api-token: "
            + TOKEN
            + "\n  workers: 0\n  lease-seconds: 6\n  public-read: true\n"
            + "repositories:\n  - name: acme/agents\n    forge: git\n    clone-url: file://"
            + bare
            + "\n    webhook-secret: agents-secret\n"
            + "    secrets:\n      TOPSECRET: called-secret-value\n");
    server = GantryServer.start(new ConfigLoader(Map.<String, String>of()::get).load(config));
  }

  @AfterEach
  void stop() throws Exception {
    for (Process p : agents) {
      p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void jobsGoByLabelsToTheAgentThatHasThemAndAJobNobodyCanTakeWaitsWithTheReason()
      throws Exception {
    String alphaToken = addAgent("agent-alpha", "alpha");
    String betaToken = addAgent("agent-beta", "beta");
    Process alpha = agent("A", alphaToken, "agent-alpha");
    Process beta = agent("B", betaToken, "agent-beta");

    long run = dispatch("routed.yml");
    Map<?, ?> done = awaitCompleted(run);
    assertThat(done.get("conclusion")).as(String.valueOf(done)).isEqualTo("success");
    String log = text("/api/runs/" + run + "/logs");
    // first ran on alpha (A), second on beta (B), with first's output.
    assertThat(log).contains("got made-on-A on B");
    Map<?, ?> first = job(done, "first");
    assertThat(first.get("outputs")).isEqualTo(Map.of("word", "made-on-A"));

    long stuck = dispatch("stuck.yml");
    until(
        Duration.ofMinutes(1), () -> job(get("/api/runs/" + stuck), "gpu").get("waiting") != null);
    assertThat(job(get("/api/runs/" + stuck), "gpu").get("waiting"))
        .isEqualTo(
            "waiting for an agent with labels [gpu, self-hosted] (no connected agent has them"
                + " all)");
    // The web UI's run page says it too, under the job.
    assertThat(text("/runs/" + stuck))
        .contains(
            "<p class=\"waiting\" role=\"status\">waiting for an agent with labels [gpu,"
                + " self-hosted] (no connected agent has them all)</p>");
    Map<?, ?> list = get("/api/agents");
    assertThat(list.toString()).contains("agent-alpha").contains("agent-beta");
    post("/api/runs/" + stuck + "/cancel", Map.of());
    assertThat(awaitCompleted(stuck).get("conclusion")).isEqualTo("cancelled");

    // Revoked: the agent's next claim is refused; it says so in one line and stops.
    post("/api/agents/agent-alpha/revoke", Map.of());
    assertThat(alpha.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(alpha.exitValue()).isEqualTo(3);
    assertThat(Files.readString(dir.resolve("agent-alpha.log")))
        .contains("gantry agent: the server refused this agent's token (401)");

    // SIGTERM drains an idle agent: it exits without a job cut short.
    beta.destroy();
    assertThat(beta.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(dir.resolve("agent-beta.log")))
        .contains("draining")
        .contains("drained, exiting");
  }

  @Test
  void theJobsOfACalledWorkflowGoToTheAgentWithTheirLabelsWithItsInputsAndSecrets()
      throws Exception {
    agent("A", addAgent("agent-alpha", "alpha"), "agent-alpha");
    agent("B", addAgent("agent-beta", "beta"), "agent-beta");

    long run = dispatch("caller.yml");
    Map<?, ?> done = awaitCompleted(run);
    assertThat(done.get("conclusion")).as(String.valueOf(done)).isEqualTo("success");
    String log = text("/api/runs/" + run + "/logs");
    // The called workflow's job ran on the agent with its labels (alpha: A), not on the server.
    assertThat(log).contains("inner says hi on A").contains("secret-arrived");
    assertThat(log).doesNotContain("called-secret-value");
    assertThat(log).contains("after got hi-on-A on B");
    assertThat(job(done, "call.inner").get("outputs")).isEqualTo(Map.of("said", "hi-on-A"));
    assertThat(Files.readString(dir.resolve("agent-alpha.log"))).contains("'call / inner'");
  }

  @Test
  void anAgentKilledMidJobLosesItsLeaseTheJobIsInterruptedAndItsProcessesGoWhenItRestarts()
      throws Exception {
    String token = addAgent("agent-slow", "slow");
    Process slow = agent("S", token, "agent-slow");
    long run = dispatch("slow.yml");
    until(Duration.ofMinutes(2), () -> logOf(run).contains("started-slow"));
    assertThat(sleeping()).isTrue();

    slow.destroyForcibly();
    assertThat(slow.waitFor(30, TimeUnit.SECONDS)).isTrue();
    Map<?, ?> done = awaitCompleted(run);
    assertThat(done.get("conclusion")).isEqualTo("failure");
    assertThat(job(done, "slow").get("conclusion")).isEqualTo("failure");
    assertThat(logOf(run)).contains("was interrupted: its agent stopped answering");

    // The step's process outlived the agent; the agent started again on its folder ends it.
    assertThat(sleeping()).isTrue();
    agent("S", token, "agent-slow");
    until(Duration.ofMinutes(1), () -> !sleeping());
  }

  /** Whether the slow job's step process is alive. */
  private static boolean sleeping() {
    return ProcessHandle.allProcesses()
        .anyMatch(
            p ->
                p.info().commandLine().orElse("").contains("sleep 117")
                    && !p.info().commandLine().orElse("").contains("echo"));
  }

  private String logOf(long run) {
    try {
      return text("/api/runs/" + run + "/logs");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private String addAgent(String name, String label) throws Exception {
    return api().addAgent(name, label);
  }

  private Process agent(String mark, String token, String name) throws Exception {
    Process p = api().startAgent(dir, mark, token, name);
    agents.add(p);
    return p;
  }

  private long dispatch(String workflow) throws Exception {
    Map<?, ?> answer =
        post("/api/runs", Map.of("repo", "acme/agents", "ref", "main", "workflow", workflow));
    return ((Number) answer.get("id")).longValue();
  }

  private Map<?, ?> awaitCompleted(long run) {
    until(Duration.ofMinutes(3), () -> "COMPLETED".equals(get("/api/runs/" + run).get("status")));
    return get("/api/runs/" + run);
  }

  private static Map<?, ?> job(Map<?, ?> run, String key) {
    for (Object o : (List<?>) run.get("jobs")) {
      if (key.equals(((Map<?, ?>) o).get("key"))) {
        return (Map<?, ?>) o;
      }
    }
    return Map.of();
  }

  private ServerApi api() {
    return new ServerApi(server.port(), TOKEN);
  }

  private Map<?, ?> get(String path) {
    return api().get(path);
  }

  private String text(String path) throws Exception {
    return api().text(path);
  }

  private Map<?, ?> post(String path, Map<String, Object> body) throws Exception {
    return api().post(path, body);
  }
}
