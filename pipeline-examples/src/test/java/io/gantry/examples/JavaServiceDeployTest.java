package io.gantry.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.localecs.LocalEcsTesting;
import io.gantry.runner.deploy.ServiceRollback;
import io.gantry.runner.store.DeployHistory;
import io.gantry.runner.store.DeployHistory.Deployment;
import io.gantry.runner.store.RunStore;
import io.gantry.runner.store.Stores;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gantry's main job end to end, as issue 6 asks: the example service's {@code deploy} workflow run
 * by {@code gantry serve} for real {@code git push}es — unit tests, a Jib image pushed to
 * local-ecs's ECR, the task definition rendered, 4 tasks rolled out behind the load balancer and
 * the new version checked through it — with continuous traffic through the balancer, three kinds of
 * broken release rolled back to the last known good, and two pushes whose deploys take turns. The
 * tests build on each other (one service, one history), in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("containers")
class JavaServiceDeployTest {

  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(8);
  private static final String HEALTH_OK = "exchange -> respond(exchange, 200, health(version))";
  private static final String HELLO = "src/main/java/example/HelloService.java";

  @TempDir static Path dir;
  static DeployHarness harness;

  /** The commit of the last good deploy, and its task definition revision. */
  static String goodSha;

  static String goodRevision;

  @BeforeAll
  static void start() throws Exception {
    LocalEcsTesting.requireContainers();
    harness = DeployHarness.start(dir, Path.of("java-service").toAbsolutePath());
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  @Test
  @Order(1)
  void theFirstPushIsTestedBuiltPushedAndDeployedBehindTheLoadBalancer() throws Exception {
    String sha = harness.commitAndPush("hello-service, first release");
    JsonNode run = harness.awaitRun(sha, RUN_TIMEOUT);
    String logs = harness.logs(run.path("id").asLong());
    assertThat(run.path("conclusion").asText()).as(logs).isEqualTo("success");
    assertThat(run.path("workflow").asText()).isEqualTo("deploy");
    assertThat(logs)
        .contains("Creating service default/" + DeployHarness.SERVICE + " from .aws/service.json")
        .contains(
            "with container 'hello' on " + harness.localEcs().registry() + "/hello-service@sha256:")
        .contains("Recorded this health check on deployment 1 of default/" + DeployHarness.SERVICE);
    assertThat(harness.serviceGet("/health")).isEqualTo(health(sha));
    assertThat(runningTasks()).isEqualTo(4);
    awaitStatus(sha, "success");
    goodSha = sha;
    goodRevision = DeployHarness.SERVICE + ":1";
  }

  @Test
  @Order(2)
  void aNewReleaseRollsOutUnderTrafficWithoutAFailedRequest() throws Exception {
    harness.edit(HELLO, "/** A tiny HTTP service", "/** Release 2. A tiny HTTP service");
    String sha;
    JsonNode run;
    DeployHarness.Traffic traffic = harness.traffic("/?name=traffic");
    try {
      sha = harness.commitAndPush("release 2");
      run = harness.awaitRun(sha, RUN_TIMEOUT);
    } finally {
      traffic.close();
    }
    String logs = harness.logs(run.path("id").asLong());
    assertThat(run.path("conclusion").asText()).as(logs).isEqualTo("success");
    assertThat(traffic.failures()).isEmpty();
    assertThat(traffic.requests()).isGreaterThan(100);
    assertThat(harness.serviceGet("/health")).isEqualTo(health(sha));
    assertThat(logs).contains("$.version == " + sha);
    awaitStatus(sha, "success");
    Deployment newest = history().get(0);
    assertThat(newest.outcome()).isEqualTo(DeployHistory.Outcome.SUCCEEDED);
    assertThat(newest.sha()).isEqualTo(sha);
    assertThat(newest.taskDefinition()).endsWith(":2");
    goodSha = sha;
    goodRevision = DeployHarness.SERVICE + ":2";
  }

  @Test
  @Order(3)
  void aReleaseWhoseHealthEndpointFailsIsRolledBackAfterTheHealthCheck() throws Exception {
    harness.edit(HELLO, HEALTH_OK, "exchange -> respond(exchange, 500, health(version))");
    brokenRelease("health answers 500", "rolled back to " + goodRevision + " from run");
    harness.edit(HELLO, "exchange -> respond(exchange, 500, health(version))", HEALTH_OK);
  }

  @Test
  @Order(4)
  void aReleaseWhoseContainerExitsIsRolledBack() throws Exception {
    String start = "int port = Integer.parseInt(";
    harness.edit(HELLO, start, "System.exit(3);\n    " + start);
    brokenRelease("the container exits", "Essential container in task exited");
    harness.edit(HELLO, "System.exit(3);\n    ", "");
  }

  @Test
  @Order(5)
  void aReleaseWithAWrongImageIsRolledBack() throws Exception {
    String image = "image: ${{ steps.image.outputs.image-ref }}";
    String wrong = "image: ${{ steps.login.outputs.registry }}/hello-service:no-such-tag";
    harness.edit(".github/workflows/deploy.yml", image, wrong);
    brokenRelease("a wrong image", "CannotPullContainerError");
    harness.edit(".github/workflows/deploy.yml", wrong, image);
  }

  @Test
  @Order(6)
  void twoPushesDeployingOneServiceDeployOneAfterTheOther() throws Exception {
    harness.edit(HELLO, "/** Release 2.", "/** Release 6.");
    String first = harness.commitAndPush("release 6");
    harness.edit(HELLO, "/** Release 6.", "/** Release 7.");
    String second = harness.commitAndPush("release 7");
    JsonNode a = harness.awaitRun(first, RUN_TIMEOUT);
    JsonNode b = harness.awaitRun(second, RUN_TIMEOUT);
    String logs = harness.logs(a.path("id").asLong()) + harness.logs(b.path("id").asLong());
    assertThat(a.path("conclusion").asText()).as(logs).isEqualTo("success");
    assertThat(b.path("conclusion").asText()).as(logs).isEqualTo("success");

    List<Deployment> deploys = new ArrayList<>();
    for (Deployment d : history()) {
      if (first.equals(d.sha()) || second.equals(d.sha())) {
        deploys.add(d);
      }
    }
    assertThat(deploys).hasSize(2);
    Deployment later = deploys.get(0);
    Deployment earlier = deploys.get(1);
    // One at a time: the later one started only once the earlier one had finished.
    assertThat(later.startedAt()).isAfterOrEqualTo(earlier.finishedAt());
    assertThat(logs).contains("Waiting for another deploy of default/" + DeployHarness.SERVICE);
    assertThat(harness.serviceGet("/health")).isEqualTo(health(later.sha()));
  }

  /**
   * Pushes the working clone's change under traffic and checks the run failed, the service is back
   * on the last good release, no request failed, and the history says so.
   */
  private static void brokenRelease(String what, String expectedInLog) throws Exception {
    Instant before = Instant.now();
    String sha;
    JsonNode run;
    DeployHarness.Traffic traffic = harness.traffic("/?name=traffic");
    try {
      sha = harness.commitAndPush("broken release: " + what);
      run = harness.awaitRun(sha, RUN_TIMEOUT);
    } finally {
      traffic.close();
    }
    String logs = harness.logs(run.path("id").asLong());
    assertThat(run.path("conclusion").asText()).as(logs).isEqualTo("failure");
    assertThat(logs).contains(expectedInLog).contains("rolled back");
    assertThat(traffic.failures()).as("requests through the balancer during %s", what).isEmpty();
    assertThat(harness.serviceGet("/health")).isEqualTo(health(goodSha));
    awaitStatus(sha, "failure");

    List<Deployment> recent = new ArrayList<>();
    for (Deployment d : history()) {
      if (!d.startedAt().isBefore(before.minusSeconds(1))) {
        recent.add(d);
      }
    }
    Deployment broken =
        recent.stream()
            .filter(d -> sha.equals(d.sha()) && d.kind().equals(DeployHistory.Kind.DEPLOY))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no deploy of " + sha + ": " + recent));
    assertThat(broken.outcome())
        .isIn(DeployHistory.Outcome.ROLLED_BACK, DeployHistory.Outcome.FAILED);
    // The service runs the last good task definition again: ECS rolled back by itself, or Gantry
    // redeployed it (a deployment of kind rollback).
    assertThat(serviceTaskDefinition()).endsWith("/" + goodRevision);
    if (broken.outcome().equals(DeployHistory.Outcome.FAILED)) {
      assertThat(recent)
          .anySatisfy(
              d -> {
                assertThat(d.kind()).isEqualTo(DeployHistory.Kind.ROLLBACK);
                assertThat(d.outcome()).isEqualTo(DeployHistory.Outcome.SUCCEEDED);
                assertThat(d.taskDefinition()).endsWith("/" + goodRevision);
                assertThat(d.sha()).isEqualTo(goodSha);
              });
    }
  }

  private static String health(String sha) {
    return "200 {\"status\":\"UP\",\"version\":\"" + sha + "\"}";
  }

  private static List<Deployment> history() {
    try (RunStore store = Stores.openEmbedded(dir.resolve("data"))) {
      return store.deployHistory().list(serviceKey(), 50);
    }
  }

  private static DeployHistory.ServiceKey serviceKey() {
    return ServiceRollback.serviceKey(
        Map.of(
            "AWS_ENDPOINT_URL_ECS",
            harness.localEcs().endpoint().toString(),
            "AWS_REGION",
            "us-east-1"),
        "default",
        DeployHarness.SERVICE);
  }

  private static String serviceTaskDefinition() throws Exception {
    return harness
        .ecs(
            "DescribeServices",
            "{\"cluster\":\"default\",\"services\":[\"" + DeployHarness.SERVICE + "\"]}")
        .path("services")
        .path(0)
        .path("taskDefinition")
        .asText();
  }

  private static int runningTasks() throws Exception {
    return harness
        .ecs(
            "DescribeServices",
            "{\"cluster\":\"default\",\"services\":[\"" + DeployHarness.SERVICE + "\"]}")
        .path("services")
        .path(0)
        .path("runningCount")
        .asInt();
  }

  private static void awaitStatus(String sha, String state) throws Exception {
    for (int i = 0; i < 200; i++) {
      for (String request : harness.statusRequests()) {
        if (request.startsWith("POST /repos/" + DeployHarness.REPO + "/statuses/" + sha + " ")
            && request.contains("\"state\":\"" + state + "\"")
            && request.contains("\"context\":\"gantry/deploy\"")) {
          return;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "no " + state + " status for " + sha + " among " + harness.statusRequests());
  }
}
