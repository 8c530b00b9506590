package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gantry.runner.expression.Expressions;
import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.DeployHistory.Deployment;
import io.gantry.runner.store.DeployHistory.ServiceKey;
import io.gantry.server.agent.AgentServices;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deploy history of agents' jobs, over real HTTP against a real server: the agent's client
 * ({@link AgentServices#deployHistory}) records a deploy, its health check and its outcome in the
 * server's history, which the server's deployments API then lists with the job's run and commit; it
 * reads the last known good deployment and takes the service's lease from the server. An agent
 * cannot touch a deployment of a run it holds no job of (403), a job it does not hold (409) or one
 * that does not exist (404); oversized and malformed bodies get one-line refusals.
 */
class AgentDeploysTest {

  private static final String WORKFLOW =
      """
name: ci
on: push
jobs:
  deploy:
    runs-on: [self-hosted, deploys]
    steps:
      - run: echo deploy
""";

  @TempDir Path dir;
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private record Held(String token, long jobId, long runId) {}

  @Test
  void anAgentsDeployIsRecordedInTheServersHistoryAndOnlyForItsOwnRun() throws Exception {
    // The embedded local-ecs gives the server's deployments API its region; no task is run.
    server =
        TestServer.start(
            dir.resolve("server"),
            WORKFLOW,
            "local-ecs:\n  port: 0\n  region: us-east-1\n",
            "  lease-seconds: 300\n");
    assertThat(server.deliver(server.push("refs/heads/main"), Map.of()).status()).isEqualTo(202);
    Held one = hold("deployer-one");

    String base = "http://127.0.0.1:" + server.port();
    DeployHistory history =
        new AgentServices(base, one.token(), dir.resolve("moving")).deployHistory(one.jobId());
    ServiceKey web = new ServiceKey("http://127.0.0.1:9", "default", "web");
    Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    assertThat(history.tryLock(web, "owner-1", "run " + one.runId(), at, Duration.ofMinutes(1)))
        .isEmpty();
    // The lease is the server's: another owner waits and is told who holds it.
    assertThat(history.tryLock(web, "owner-2", "someone else", at, Duration.ofMinutes(1)))
        .hasValue("run " + one.runId());
    long id =
        history.started(
            new DeployHistory.NewDeployment(
                web,
                "arn:aws:ecs:us-east-1:000000000000:task-definition/web:2",
                List.of("busybox:1"),
                one.runId(),
                server.first,
                "push by dev",
                DeployHistory.Kind.DEPLOY,
                null,
                null,
                at));
    history.recordHealthCheck(id, "{\"url\":\"http://127.0.0.1/\"}");
    history.finished(id, DeployHistory.Outcome.SUCCEEDED, null, at.plusSeconds(2));
    assertThat(history.renewLock(web, "owner-1", at.plusSeconds(60))).isTrue();
    history.unlock(web, "owner-1");
    assertThat(history.tryLock(web, "owner-2", "run two", at, Duration.ofMinutes(1))).isEmpty();

    Deployment found = history.find(id).orElseThrow();
    assertThat(found.outcome()).isEqualTo(DeployHistory.Outcome.SUCCEEDED);
    assertThat(found.runId()).isEqualTo(one.runId());
    assertThat(found.sha()).isEqualTo(server.first);
    assertThat(found.healthCheck()).isEqualTo("{\"url\":\"http://127.0.0.1/\"}");
    assertThat(found.images()).containsExactly("busybox:1");
    assertThat(found.finishedAt()).isEqualTo(at.plusSeconds(2));
    assertThat(history.list(web, 10)).containsExactly(found);
    assertThat(history.lastKnownGood(web, Long.MAX_VALUE)).hasValue(found);
    assertThat(history.lastKnownGood(web, id)).isEmpty();
    assertThat(history.find(id + 1000)).isEmpty();

    // The server's own API lists it, with the run and commit of the agent's job.
    TestServer.Answer listed =
        call(
            "GET",
            "/api/services/default/web/deployments?endpoint=http%3A%2F%2F127.0.0.1%3A9",
            TestServer.TOKEN,
            null);
    assertThat(listed.status()).as(listed.body()).isEqualTo(200);
    List<?> rows = (List<?>) ((Map<?, ?>) Expressions.fromJson(listed.body())).get("deployments");
    assertThat(rows).hasSize(1);
    Map<?, ?> row = (Map<?, ?>) rows.get(0);
    assertThat(((Number) row.get("id")).longValue()).isEqualTo(id);
    assertThat(((Number) row.get("runId")).longValue()).isEqualTo(one.runId());
    assertThat(row.get("sha")).isEqualTo(server.first);
    assertThat(row.get("outcome")).isEqualTo("succeeded");

    // A push of another branch: a second run, whose job a second agent holds.
    assertThat(server.deliver(server.push("refs/heads/other"), Map.of()).status()).isEqualTo(202);
    Held two = hold("deployer-two");
    assertThat(one.runId()).isNotEqualTo(two.runId());

    // The second agent holds a job of the other run: it may not conclude the first run's deploy,
    // nor record a deploy in the first run's name.
    DeployHistory other =
        new AgentServices(base, two.token(), dir.resolve("moving2")).deployHistory(two.jobId());
    assertThatThrownBy(() -> other.finished(id, DeployHistory.Outcome.FAILED, "x", Instant.now()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "deploy history: the server refused 'finished' for job "
                + two.jobId()
                + " (403): deployment "
                + id
                + " is not of run "
                + two.runId()
                + " (job "
                + two.jobId()
                + "'s); an agent changes only its own jobs' deployments");
    assertThatThrownBy(() -> other.recordHealthCheck(id, "{}"))
        .hasMessageContaining("(403): deployment " + id + " is not of run " + two.runId());
    String forged =
        Expressions.toJson(
            Map.of(
                "service",
                Map.of("endpoint", "http://127.0.0.1:9", "cluster", "default", "service", "web"),
                "taskDefinition",
                "web:9",
                "images",
                List.of(),
                "runId",
                one.runId(),
                "kind",
                "deploy",
                "startedAt",
                at.toString()));
    TestServer.Answer inOtherName =
        call("POST", "/api/agent/jobs/" + two.jobId() + "/deploys/started", two.token(), forged);
    assertThat(inOtherName.status()).isEqualTo(403);
    assertThat(inOtherName.body())
        .contains(
            "job " + two.jobId() + " is of run " + two.runId() + ", not of run " + one.runId());

    // A job the agent does not hold, one that does not exist, a forged token.
    TestServer.Answer notHeld =
        call("POST", "/api/agent/jobs/" + one.jobId() + "/deploys/started", two.token(), forged);
    assertThat(notHeld.status()).isEqualTo(409);
    assertThat(notHeld.body()).contains("this agent no longer holds job " + one.jobId());
    TestServer.Answer missing =
        call("POST", "/api/agent/jobs/987654/deploys/started", two.token(), forged);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(
            call("POST", "/api/agent/jobs/" + one.jobId() + "/deploys/find", "forged", "{}")
                .status())
        .isEqualTo(401);
    // Reads are open to any job held: the second agent sees the one deployment, untouched.
    assertThat(other.list(web, 10)).containsExactly(found);

    // Bounded and checked bodies, one-line answers.
    String jobPath = "/api/agent/jobs/" + two.jobId() + "/deploys/";
    TestServer.Answer huge =
        call(
            "POST",
            jobPath + "health-check",
            two.token(),
            "{\"x\":\"" + "a".repeat(70_000) + "\"}");
    assertThat(huge.status()).isEqualTo(413);
    assertThat(huge.body()).contains("a deploy call's body is at most 65536 bytes");
    TestServer.Answer noId = call("POST", jobPath + "finished", two.token(), "{}");
    assertThat(noId.status()).isEqualTo(400);
    assertThat(noId.body()).contains("'id' (a deployment's id) is missing");
    TestServer.Answer badKind =
        call("POST", jobPath + "started", two.token(), forged.replace("\"deploy\"", "\"great\""));
    assertThat(badKind.status()).as(badKind.body()).isEqualTo(400);
    assertThat(badKind.body()).contains("kind").doesNotContain("\n");
    TestServer.Answer unknown = call("POST", jobPath + "erase", two.token(), "{}");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.body()).contains("no deploy call 'erase'");
  }

  /** Registers an agent and claims one job with it. */
  private Held hold(String name) throws Exception {
    Map<?, ?> added =
        json(
            call(
                "POST",
                "/api/agents",
                TestServer.TOKEN,
                Expressions.toJson(Map.of("name", name, "labels", List.of("deploys")))));
    String token = String.valueOf(added.get("token"));
    Map<?, ?> claimed = Map.of();
    for (int i = 0; i < 6 && claimed.get("job") == null; i++) {
      claimed =
          json(
              call(
                  "POST",
                  "/api/agent/claim",
                  token,
                  Expressions.toJson(
                      Map.of(
                          "labels",
                          List.of("deploys"),
                          "os",
                          "linux",
                          "arch",
                          "x64",
                          "version",
                          "test",
                          "waitSeconds",
                          25))));
    }
    Map<?, ?> job = (Map<?, ?>) claimed.get("job");
    assertThat(job).as(String.valueOf(claimed)).isNotNull();
    return new Held(
        token, ((Number) job.get("id")).longValue(), ((Number) job.get("runId")).longValue());
  }

  private TestServer.Answer call(String method, String path, String token, String body)
      throws Exception {
    Map<String, String> headers =
        Map.of("Authorization", "Bearer " + token, "Content-Type", "application/json");
    return server.send(
        method, path, headers, body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8));
  }

  private static Map<?, ?> json(TestServer.Answer answer) throws Exception {
    assertThat(answer.status()).as(answer.body()).isBetween(200, 299);
    return (Map<?, ?>) Expressions.fromJson(answer.body());
  }
}
