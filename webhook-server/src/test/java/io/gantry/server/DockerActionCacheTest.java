package io.gantry.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.expression.Expressions;
import io.gantry.runner.testing.BusyboxImage;
import io.gantry.runner.testing.Podman;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Docker container actions and {@code docker://} steps talking to the cache service of {@code
 * gantry serve}, which listens on 127.0.0.1: in a job with a service container (the job's network),
 * in a job with none (the host's network) and under {@code runner: { isolation: container }}. The
 * client is a busybox image of the tests' own making the calls actions/cache makes ({@code
 * cache-client}, sh and nc) with {@code $ACTIONS_CACHE_URL} and {@code $ACTIONS_RUNTIME_TOKEN}: one
 * job saves, the next restores and sees the content, and a token saved by the first job is refused
 * once that job ended.
 */
@Tag("containers")
class DockerActionCacheTest {

  /** The client as a {@code docker://} image, built by {@link #images}. */
  static final String CLIENT = "localhost/gantry-test/cache-client:1";

  private static final String DOCKERFILE =
      "FROM "
          + BusyboxImage.NAME
          + "\nCOPY cache-client /cache-client\nENTRYPOINT [\"sh\", \"/cache-client\"]\n";

  private static final String ACTION_YML =
      """
      name: cache-client
      description: saves and restores cache entries through the cache service
      inputs:
        mode:
          required: true
        key:
          required: true
        content:
          default: ''
      runs:
        using: docker
        image: Dockerfile
        args: ['${{ inputs.mode }}', '${{ inputs.key }}', '${{ inputs.content }}']
      """;

  private static final String SERVICE =
      """
          services:
            web:
              image: %s
      """
          .formatted(BusyboxImage.WEB);

  @TempDir Path dir;
  private TestServer server;

  @BeforeAll
  static void images() throws Exception {
    Podman podman = Podman.require();
    BusyboxImage.ensure(podman);
    if (podman.run("image", "exists", CLIENT).exit() == 0) {
      return;
    }
    Path context = Files.createTempDirectory("gantry-cache-client");
    try {
      Files.writeString(context.resolve("cache-client"), script());
      Files.writeString(context.resolve("Dockerfile"), DOCKERFILE);
      podman.run("build", "-q", "-t", CLIENT, context.toString()).orThrow();
    } finally {
      Files.deleteIfExists(context.resolve("cache-client"));
      Files.deleteIfExists(context.resolve("Dockerfile"));
      Files.deleteIfExists(context);
    }
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aDockerActionInAJobWithAServiceSavesRestoresAndItsTokenIsRefusedAfterTheJob()
      throws Exception {
    String ci =
        """
        name: ci
        on: push
        jobs:
          save:
            runs-on: ubuntu-latest
        %1$s    steps:
              - uses: actions/checkout@v4
              - uses: ./.github/actions/cache-client
                with:
                  mode: save
                  key: docker-action-1
                  content: saved by a docker action
              - uses: ./.github/actions/cache-client
                with:
                  mode: save-token
                  key: token-1
          restore:
            needs: save
            runs-on: ubuntu-latest
        %1$s    steps:
              - uses: actions/checkout@v4
              - uses: ./.github/actions/cache-client
                with:
                  mode: restore
                  key: docker-action-1
              - uses: ./.github/actions/cache-client
                with:
                  mode: refused
                  key: token-1
        """
            .formatted(SERVICE);
    Map<String, String> files = new LinkedHashMap<>();
    files.put(".github/workflows/ci.yml", ci);
    files.put(".github/actions/cache-client/action.yml", ACTION_YML);
    files.put(".github/actions/cache-client/Dockerfile", DOCKERFILE);
    files.put(".github/actions/cache-client/cache-client", script());
    String log = runToSuccess(files, "");
    assertThat(log)
        .contains("saved docker-action-1 (24 bytes)")
        .contains("restored docker-action-1: saved by a docker action")
        .contains("the earlier job's token: HTTP 401")
        .contains("this job's token: HTTP 201")
        .contains("cache service at ")
        .doesNotContain("cache service at 127.0.0.1")
        .doesNotContain("cache client failed");
  }

  @Test
  void aDockerImageStepSavesAndRestoresOnTheJobsNetworkAndOnTheHostsNetwork() throws Exception {
    String ci =
        """
        name: ci
        on: push
        jobs:
          save:
            runs-on: ubuntu-latest
        %1$s    steps:
              - uses: docker://%2$s
                with:
                  args: save docker-step-1 "saved by a docker step"
          restore:
            needs: save
            runs-on: ubuntu-latest
        %1$s    steps:
              - uses: docker://%2$s
                with:
                  args: restore docker-step-1
          plain:
            runs-on: ubuntu-latest
            steps:
              - uses: docker://%2$s
                with:
                  args: save docker-step-host "saved on the host's network"
              - uses: docker://%2$s
                with:
                  args: restore docker-step-host
        """
            .formatted(SERVICE, CLIENT);
    String log = runToSuccess(Map.of(".github/workflows/ci.yml", ci), "");
    assertThat(log)
        .contains("restored docker-step-1: saved by a docker step")
        .contains("restored docker-step-host: saved on the host's network")
        .doesNotContain("cache client failed");
  }

  @Test
  void underContainerIsolationADockerImageStepReachesTheCacheService() throws Exception {
    String ci =
        """
        name: ci
        on: push
        jobs:
          save:
            runs-on: ubuntu-latest
            steps:
              - uses: docker://%1$s
                with:
                  args: save isolated-1 "saved in isolation"
          restore:
            needs: save
            runs-on: ubuntu-latest
            steps:
              - run: echo "in the isolation container $(cat /proc/1/cmdline | tr '\\0' ' ')"
              - uses: docker://%1$s
                with:
                  args: restore isolated-1
        """
            .formatted(CLIENT);
    String log =
        runToSuccess(
            Map.of(".github/workflows/ci.yml", ci),
            "runner: { isolation: container, image: " + BusyboxImage.NAME + " }\n");
    assertThat(log)
        .contains("in the isolation container tail -f /dev/null")
        .contains("restored isolated-1: saved in isolation")
        .doesNotContain("cache service at 127.0.0.1")
        .doesNotContain("cache client failed");
  }

  /** Pushes {@code files} to a new server and returns the run's log, the run having succeeded. */
  private String runToSuccess(Map<String, String> files, String extraYaml) throws Exception {
    server = TestServer.withFiles(dir, files, extraYaml);
    TestServer.Answer pushed = server.deliver(server.push("refs/heads/main"), Map.of());
    assertThat(pushed.status()).as(pushed.body()).isEqualTo(202);
    long run =
        ((Number) ((List<?>) ((Map<?, ?>) Expressions.fromJson(pushed.body())).get("runs")).get(0))
            .longValue();
    Map<?, ?> done = awaitCompleted(run);
    String log = server.send("GET", "/api/runs/" + run + "/logs", Map.of(), new byte[0]).body();
    assertThat(done.get("conclusion")).as(log).isEqualTo("success");
    return log;
  }

  private Map<?, ?> awaitCompleted(long id) throws Exception {
    long deadline = System.currentTimeMillis() + 300_000;
    while (true) {
      Map<?, ?> run =
          (Map<?, ?>)
              Expressions.fromJson(
                  server.send("GET", "/api/runs/" + id, Map.of(), new byte[0]).body());
      if ("COMPLETED".equals(run.get("status")) || System.currentTimeMillis() > deadline) {
        return run;
      }
      Thread.sleep(200);
    }
  }

  static String script() throws IOException {
    try (InputStream in =
        DockerActionCacheTest.class.getResourceAsStream("/docker-cache-client/cache-client")) {
      if (in == null) {
        throw new IOException("the test resource docker-cache-client/cache-client is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
