package io.gantry.runner.action.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.gantry.runner.action.ActionResult;
import io.gantry.runner.action.RecordingContext;
import io.gantry.runner.action.image.ImageBuilder;
import io.gantry.runner.testing.JavaApps;
import io.gantry.runner.testing.TestRegistry;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code gantry/build-image} says when it cannot build: each failure is one line naming the
 * registry, image or input and the fix, the step fails, no tag is pushed, and no secret is logged.
 * Against a real registry; no containers needed.
 */
@Tag("containers")
class BuildImageErrorsTest {

  @RegisterExtension static final TestRegistry registry = new TestRegistry();

  @TempDir Path dir;

  @Test
  void aWrongPasswordIsAnAuthenticationFailureNamingWhereCredentialsWereLookedFor()
      throws Exception {
    RecordingContext context = context("denied", "password", "wrong-password-4242");
    context.env.put("DOCKER_CONFIG", dir.resolve("no-docker").toString());

    ActionResult result = new BuildImageAction().run(context);

    assertThat(result.succeeded()).isFalse();
    assertThat(result.message())
        .isEqualTo(
            "gantry/build-image: authentication to "
                + registry.host()
                + " failed: 401 Unauthorized for "
                + registry.host()
                + "/denied as user 'gantry' from the username/password inputs (looked for"
                + " credentials in: the amazon-ecr-login logins of this job, the username/password"
                + " inputs, "
                + dir.resolve("no-docker/config.json")
                + " (absent))");
    assertThat(context.masks).contains("wrong-password-4242");
    assertThat(context.log()).doesNotContain("wrong-password-4242");
    assertThat(registry.manifest("denied", "v1").statusCode()).isEqualTo(404);
  }

  @Test
  void aRefusedPasswordIsOneErrorAndNothingOfJibsFollowsIt() throws Exception {
    TestRegistry bases = new TestRegistry().start();
    try {
      // A base with large layers in another registry (reached with a Docker config's auths), so
      // that its layers are still being pulled when the target registry refuses the password.
      Path baseWs = Files.createDirectories(dir.resolve("base-ws"));
      StringBuilder layers = new StringBuilder();
      java.util.Random random = new java.util.Random(42);
      for (int i = 0; i < 4; i++) {
        byte[] content = new byte[6 << 20];
        random.nextBytes(content);
        Files.write(baseWs.resolve("blob" + i), content);
        layers.append("- {from: blob").append(i).append(", to: /blob").append(i).append("}\n");
      }
      Map<String, String> baseInputs = new HashMap<>();
      baseInputs.put("image", bases.host() + "/site-base");
      baseInputs.put("type", "files");
      baseInputs.put("tags", "v1");
      baseInputs.put("layers", layers.toString());
      baseInputs.put("entrypoint", "/bin/true");
      baseInputs.put("username", TestRegistry.USERNAME);
      baseInputs.put("password", TestRegistry.PASSWORD);
      RecordingContext base =
          new RecordingContext(
              new BuildImageAction(), baseWs, dir.resolve("base-cache"), baseInputs);
      assertThat(new BuildImageAction().run(base).succeeded()).as(base.log()).isTrue();

      Path docker = Files.createDirectories(dir.resolve("docker"));
      String auth =
          java.util.Base64.getEncoder()
              .encodeToString(
                  (TestRegistry.USERNAME + ":" + TestRegistry.PASSWORD)
                      .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      Files.writeString(
          docker.resolve("config.json"),
          "{\"auths\": {\"http://" + bases.host() + "\": {\"auth\": \"" + auth + "\"}}}");
      RecordingContext context = context("bar/site", "password", "wrong-password-4242");
      context.inputs.put("base", bases.host() + "/site-base:v1");
      context.env.put("DOCKER_CONFIG", docker.toString());

      ActionResult result = new BuildImageAction().run(context);
      List<String> atTheError = List.copyOf(context.lines);
      awaitJibThreadsEnded();

      assertThat(result.succeeded()).isFalse();
      assertThat(result.message())
          .startsWith(
              "gantry/build-image: authentication to "
                  + registry.host()
                  + " failed: 401 Unauthorized for "
                  + registry.host()
                  + "/bar/site as user 'gantry' from the username/password inputs");
      assertThat(context.lines).as("lines logged after the error").isEqualTo(atTheError);
      assertThat(context.log())
          .doesNotContain("\u001B")
          .doesNotContain("I/O error")
          .doesNotContain("java.")
          .doesNotContain("Socket closed")
          .doesNotContain("wrong-password-4242");
      assertThat(registry.manifest("bar/site", "v1").statusCode()).isEqualTo(404);
    } finally {
      bases.close();
    }
  }

  /** Waits until the Jib threads of the builds (named {@code jib-N}) have all stopped. */
  private static void awaitJibThreadsEnded() throws InterruptedException {
    for (int i = 0; i < 600; i++) {
      boolean alive =
          Thread.getAllStackTraces().keySet().stream()
              .anyMatch(t -> t.getName().startsWith("jib-") && t.isAlive());
      if (!alive) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("Jib's threads did not stop within a minute");
  }

  @Test
  void noCredentialsAtAllSaysSo() throws Exception {
    RecordingContext context = context("anonymous", "username", "");
    context.inputs.put("password", "");
    context.env.put("DOCKER_CONFIG", dir.resolve("no-docker").toString());

    ActionResult result = new BuildImageAction().run(context);

    assertThat(result.message())
        .startsWith(
            "gantry/build-image: authentication to "
                + registry.host()
                + " failed: the registry wants credentials for "
                + registry.host()
                + "/anonymous and none were found (looked for credentials in: ")
        .doesNotContain("\n");
  }

  @Test
  void aBaseImageThatDoesNotExistIsNamed() throws Exception {
    RecordingContext context = context("on-missing-base", "base", registry.host() + "/nope:1");

    ActionResult result = new BuildImageAction().run(context);

    assertThat(result.succeeded()).isFalse();
    assertThat(result.message())
        .isEqualTo(
            "gantry/build-image: base image "
                + registry.host()
                + "/nope:1 does not exist (manifest unknown); check 'base', or push it first"
                + " (gantry base-image pushes a Java runtime)");
  }

  @Test
  void plainHttpNeedsAllowInsecureRegistriesUnlessTheRegistryIsOnThisMachine() throws Exception {
    // As if the registry were on another machine: no loopback exemption.
    BuildImageAction strict =
        new BuildImageAction(new ImageBuilder.Options(1, Duration.ofMillis(10), false));

    ActionResult refused = strict.run(context("insecure", "tags", "refused"));

    assertThat(refused.succeeded()).isFalse();
    assertThat(refused.message())
        .startsWith(
            "gantry/build-image: registry "
                + registry.host()
                + " does not answer over verified HTTPS (")
        .endsWith(
            "); set allow-insecure-registries: true to allow plain HTTP or a self-signed"
                + " certificate (it is needed for every registry not on this machine)")
        .doesNotContain("\n");
    assertThat(registry.manifest("insecure", "refused").statusCode()).isEqualTo(404);

    RecordingContext allowed = context("insecure", "tags", "allowed");
    allowed.inputs.put("allow-insecure-registries", "true");
    ActionResult pushed = strict.run(allowed);

    assertThat(pushed.succeeded()).as(pushed.message()).isTrue();
    assertThat(allowed.log()).contains("(allow-insecure-registries: plain HTTP allowed)");
  }

  @Test
  void anUnreachableRegistryIsTriedABoundedNumberOfTimes() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    RecordingContext context = context("x", "image", "127.0.0.1:" + closed + "/web");
    BuildImageAction action =
        new BuildImageAction(new ImageBuilder.Options(3, Duration.ofMillis(20), true));

    ActionResult result = action.run(context);

    assertThat(result.succeeded()).isFalse();
    assertThat(result.message())
        .startsWith("gantry/build-image: registry 127.0.0.1:" + closed + " is unreachable after 3")
        .contains("Connection refused")
        .endsWith("; check the address and that the registry is running");
    assertThat(context.lines)
        .filteredOn(line -> line.contains("is unreachable") && line.contains("trying again"))
        .hasSize(2);
  }

  @Test
  void aJavaApplicationWithoutMainClassListsTheCandidates() throws Exception {
    JavaApps.create(dir.resolve("ws"), "Hello");
    RecordingContext context = context("java-no-main", "type", "java");
    context.inputs.put("base", registry.host() + "/any-base:1");
    context.inputs.put("layers", "");
    context.inputs.put("entrypoint", "");
    context.inputs.put("dependencies", "target/dependency");

    ActionResult result = new BuildImageAction().run(context);

    assertThat(result.message())
        .isEqualTo(
            "gantry/build-image: input 'main-class' is missing: type java needs the class whose"
                + " main() starts the application; classes with a main method: app.Main");
  }

  @Test
  void aJarsManifestNamesTheMainClass() throws Exception {
    JavaApps.create(dir.resolve("ws"), "Hello");
    JavaApps.jar(dir.resolve("ws/target/classes"), dir.resolve("ws/target/app.jar"), "app.Main");
    RecordingContext context = context("java-jar", "type", "java");
    context.inputs.put("base", registry.host() + "/missing-base:1");
    context.inputs.put("layers", "");
    context.inputs.put("entrypoint", "");
    context.inputs.put("jar", "target/app.jar");

    ActionResult result = new BuildImageAction().run(context);

    // The main class came from the manifest; the build got as far as the (missing) base.
    assertThat(context.log()).contains("main class app.Main").contains("packaged jar app.jar");
    assertThat(result.message()).contains("base image " + registry.host() + "/missing-base:1");
  }

  @Test
  void anUnknownTypeFailsBeforeAnythingIsBuilt() throws Exception {
    RecordingContext context = context("typo", "type", "docker");

    ActionResult result = new BuildImageAction().run(context);

    assertThat(result.message())
        .isEqualTo("gantry/build-image: input 'type' 'docker' is unknown; use java or files");
    assertThat(context.lines).isEmpty();
  }

  @Test
  void aCancelledBuildStopsAndReportsIt() throws Exception {
    RecordingContext context = context("cancelled", "tags", "v1");
    context.cancelled = true;

    ActionResult result = new BuildImageAction().run(context);

    assertThat(result.succeeded()).isFalse();
    assertThat(result.message()).contains("cancelled");
    assertThat(registry.manifest("cancelled", "v1").statusCode()).isEqualTo(404);
  }

  /** A small files image to {@code name}, with one input changed. */
  private RecordingContext context(String name, String input, String value) throws Exception {
    Path ws = Files.createDirectories(dir.resolve("ws"));
    Files.writeString(ws.resolve("hello.txt"), "hello\n");
    Map<String, String> inputs = new HashMap<>();
    inputs.put("image", registry.host() + "/" + name);
    inputs.put("type", "files");
    inputs.put("tags", "v1");
    inputs.put("layers", "- {from: hello.txt, to: /hello.txt}");
    inputs.put("entrypoint", "/bin/cat /hello.txt");
    inputs.put("username", TestRegistry.USERNAME);
    inputs.put("password", TestRegistry.PASSWORD);
    inputs.put(input, value);
    return new RecordingContext(new BuildImageAction(), ws, dir.resolve("cache"), inputs);
  }
}
